//! Markdown through pulldown-cmark (GitHub tables on): headings, paragraphs, list items,
//! tables from markup, code blocks, images as figure captions.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::{Elem, Located, Provenance, split_heading};

pub(crate) fn read(text: &str) -> Vec<Located> {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |off: usize| -> u32 {
        match line_starts.binary_search(&off) {
            Ok(i) => i as u32 + 1,
            Err(i) => i as u32,
        }
    };
    let mut out = Vec::new();
    let mut buf = String::new();
    let mut heading: Option<u32> = None;
    let mut in_item = 0usize;
    let mut table: Option<(Vec<String>, Vec<Vec<String>>)> = None;
    let mut row: Vec<String> = Vec::new();
    let mut in_head = false;
    let mut image_alt: Option<String> = None;
    let mut start = 0usize;
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    for (ev, range) in Parser::new_ext(text, opts).into_offset_iter() {
        let prov = Provenance {
            page: None,
            line_start: line_of(start),
            line_end: line_of(range.end.saturating_sub(1)),
        };
        match ev {
            Event::Start(tag) => match tag {
                Tag::Heading { level, .. } => {
                    heading = Some(match level {
                        HeadingLevel::H1 => 1,
                        HeadingLevel::H2 => 2,
                        HeadingLevel::H3 => 3,
                        HeadingLevel::H4 => 4,
                        HeadingLevel::H5 => 5,
                        HeadingLevel::H6 => 6,
                    });
                    buf.clear();
                    start = range.start;
                }
                Tag::Paragraph if in_item == 0 => {
                    buf.clear();
                    start = range.start;
                }
                Tag::Item => {
                    in_item += 1;
                    buf.clear();
                    start = range.start;
                }
                Tag::Table(_) => {
                    table = Some((Vec::new(), Vec::new()));
                    start = range.start;
                }
                Tag::TableHead => in_head = true,
                Tag::TableRow => row.clear(),
                Tag::TableCell => buf.clear(),
                Tag::CodeBlock(_) => {
                    buf.clear();
                    start = range.start;
                }
                Tag::Image { .. } => image_alt = Some(String::new()),
                _ => {}
            },
            Event::End(tag) => match tag {
                TagEnd::Heading(_) => {
                    let (number, title) = split_heading(buf.trim());
                    out.push(Located {
                        elem: Elem::Heading {
                            level: heading.take().unwrap_or(1),
                            number,
                            title,
                        },
                        prov,
                    });
                    buf.clear();
                }
                TagEnd::Paragraph => {
                    if in_item == 0 {
                        let t = buf.trim().to_string();
                        if !t.is_empty() {
                            let lower = t.to_lowercase();
                            let elem = if (lower.starts_with("table ")
                                || lower.starts_with("figure "))
                                && t.len() < 200
                                && t.split_whitespace()
                                    .nth(1)
                                    .is_some_and(|w| w.starts_with(|c: char| c.is_ascii_digit()))
                            {
                                Elem::Caption(t)
                            } else {
                                Elem::Para(t)
                            };
                            out.push(Located { elem, prov });
                        }
                        buf.clear();
                    } else {
                        buf.push(' ');
                    }
                }
                TagEnd::Item => {
                    in_item = in_item.saturating_sub(1);
                    let t = buf.split_whitespace().collect::<Vec<_>>().join(" ");
                    if !t.is_empty() {
                        out.push(Located {
                            elem: Elem::Item(t),
                            prov,
                        });
                    }
                    buf.clear();
                }
                TagEnd::TableCell => row.push(buf.trim().to_string()),
                TagEnd::TableHead => {
                    if let Some((h, _)) = table.as_mut() {
                        *h = std::mem::take(&mut row);
                    }
                    in_head = false;
                }
                TagEnd::TableRow => {
                    if let Some((_, rows)) = table.as_mut()
                        && !in_head
                    {
                        rows.push(std::mem::take(&mut row));
                    }
                }
                TagEnd::Table => {
                    if let Some((header, rows)) = table.take() {
                        out.push(Located {
                            elem: Elem::Table { header, rows },
                            prov,
                        });
                    }
                }
                TagEnd::CodeBlock => {
                    out.push(Located {
                        elem: Elem::Code(buf.trim_end().to_string()),
                        prov,
                    });
                    buf.clear();
                }
                TagEnd::Image => {
                    if let Some(alt) = image_alt.take() {
                        out.push(Located {
                            elem: Elem::Caption(format!("Figure: {}", alt.trim())),
                            prov,
                        });
                    }
                }
                _ => {}
            },
            Event::Text(t) | Event::Code(t) => {
                if let Some(a) = image_alt.as_mut() {
                    a.push_str(&t);
                } else {
                    buf.push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak => buf.push(' '),
            Event::InlineMath(t) | Event::DisplayMath(t) => buf.push_str(&t),
            _ => {}
        }
    }
    out
}
