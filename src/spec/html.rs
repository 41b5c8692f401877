//! HTML through scraper (html5ever): headings h1–h6, paragraphs, list items, tables (the first
//! row with `th` cells, or the first row, is the header), `pre` blocks, figure captions.

use scraper::{ElementRef, Html, Node};

use super::{Elem, Located, Provenance, split_heading};

fn text_of(e: &ElementRef) -> String {
    e.text()
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn read(text: &str) -> Vec<Located> {
    let doc = Html::parse_document(text);
    let mut out = Vec::new();
    let mut n = 0u32;
    walk(doc.root_element(), &mut out, &mut n);
    out
}

fn walk(e: ElementRef, out: &mut Vec<Located>, n: &mut u32) {
    for child in e.children() {
        let Some(el) = ElementRef::wrap(child) else {
            if let Node::Text(t) = child.value() {
                let t = t.trim();
                if !t.is_empty()
                    && matches!(
                        e.value().name(),
                        "body" | "div" | "section" | "article" | "main"
                    )
                {
                    *n += 1;
                    out.push(Located {
                        elem: Elem::Para(t.to_string()),
                        prov: Provenance {
                            page: None,
                            line_start: *n,
                            line_end: *n,
                        },
                    });
                }
            }
            continue;
        };
        let name = el.value().name();
        *n += 1;
        let prov = Provenance {
            page: None,
            line_start: *n,
            line_end: *n,
        };
        match name {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                let (number, title) = split_heading(&text_of(&el));
                let level = name[1..].parse().unwrap_or(1);
                out.push(Located {
                    elem: Elem::Heading {
                        level,
                        number,
                        title,
                    },
                    prov,
                });
            }
            "p" => {
                let t = text_of(&el);
                if !t.is_empty() {
                    let lower = t.to_lowercase();
                    let elem = if lower.starts_with("table ") && t.len() < 200 {
                        Elem::Caption(t)
                    } else {
                        Elem::Para(t)
                    };
                    out.push(Located { elem, prov });
                }
            }
            "li" => out.push(Located {
                elem: Elem::Item(text_of(&el)),
                prov,
            }),
            "pre" => out.push(Located {
                elem: Elem::Code(el.text().collect()),
                prov,
            }),
            "caption" | "figcaption" => {
                let t = text_of(&el);
                let t = if name == "figcaption" && !t.to_lowercase().starts_with("fig") {
                    format!("Figure: {t}")
                } else {
                    t
                };
                out.push(Located {
                    elem: Elem::Caption(t),
                    prov,
                });
            }
            "table" => {
                // caption first, then the table
                if let Some(c) = el
                    .children()
                    .filter_map(ElementRef::wrap)
                    .find(|c| c.value().name() == "caption")
                {
                    out.push(Located {
                        elem: Elem::Caption(text_of(&c)),
                        prov,
                    });
                }
                let rows: Vec<Vec<String>> = el
                    .descendants()
                    .filter_map(ElementRef::wrap)
                    .filter(|r| r.value().name() == "tr")
                    .map(|r| {
                        r.children()
                            .filter_map(ElementRef::wrap)
                            .filter(|c| matches!(c.value().name(), "td" | "th"))
                            .flat_map(|c| {
                                let span: usize = c
                                    .value()
                                    .attr("colspan")
                                    .and_then(|s| s.parse().ok())
                                    .unwrap_or(1);
                                let t = text_of(&c);
                                std::iter::once(t).chain(std::iter::repeat_n(
                                    String::new(),
                                    span.saturating_sub(1),
                                ))
                            })
                            .collect()
                    })
                    .collect();
                if let Some((h, rest)) = rows.split_first() {
                    out.push(Located {
                        elem: Elem::Table {
                            header: h.clone(),
                            rows: rest.to_vec(),
                        },
                        prov,
                    });
                }
            }
            "script" | "style" | "head" => {}
            _ => walk(el, out, n),
        }
    }
}
