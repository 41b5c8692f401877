//! From located elements to a [`Spec`]: the section tree, typed tables (ports grouped into
//! interfaces, parameters, registers and bit fields), figures and equations as labelled
//! placeholders, every element keeping its provenance.

use super::*;

pub(super) fn build(elems: Vec<Located>, warnings: &mut Vec<String>) -> Spec {
    let mut spec = Spec {
        format_version: FORMAT_VERSION,
        title: None,
        source: SourceInfo {
            path: String::new(),
            format: String::new(),
            pages: None,
            reader: String::new(),
        },
        preamble: Vec::new(),
        sections: Vec::new(),
        ports: Vec::new(),
        parameters: Vec::new(),
        registers: Vec::new(),
        warnings: Vec::new(),
    };
    // a stack of open sections (path of indices); blocks go to the innermost
    let mut stack: Vec<Section> = Vec::new();
    let mut pending_caption: Option<(String, Provenance)> = None;
    let mut figure_no = 0;
    let mut equation_no = 0;
    let close = |stack: &mut Vec<Section>, spec: &mut Spec, down_to: u32| {
        while stack.last().is_some_and(|s| s.level >= down_to) {
            let s = stack.pop().expect("non-empty");
            match stack.last_mut() {
                Some(parent) => parent.children.push(s),
                None => spec.sections.push(s),
            }
        }
    };
    let mut items: Vec<String> = Vec::new();
    let mut items_prov = Provenance::default();
    fn push_block(stack: &mut [Section], pre: &mut Vec<Block>, b: Block) {
        match stack.last_mut() {
            Some(s) => s.blocks.push(b),
            None => pre.push(b),
        }
    }
    for Located { elem, prov } in elems {
        if !matches!(elem, Elem::Item(_)) && !items.is_empty() {
            push_block(
                &mut stack,
                &mut spec.preamble,
                Block::List {
                    items: std::mem::take(&mut items),
                    prov: items_prov,
                },
            );
        }
        match elem {
            Elem::Heading {
                level,
                number,
                title,
            } => {
                if spec.title.is_none()
                    && number.is_none()
                    && level == 1
                    && spec.sections.is_empty()
                    && stack.is_empty()
                    && spec.preamble.is_empty()
                {
                    spec.title = Some(title.clone());
                }
                // numbered headings get their level from the number's depth
                let level = match &number {
                    Some(n) => n.split('.').count() as u32 + 1,
                    None => level,
                };
                close(&mut stack, &mut spec, level);
                stack.push(Section {
                    number,
                    title,
                    level,
                    prov,
                    blocks: Vec::new(),
                    children: Vec::new(),
                });
            }
            Elem::Para(text) => {
                if let Some(label) = equation_label(&text) {
                    equation_no += 1;
                    let label = label.unwrap_or_else(|| format!("Equation {equation_no}"));
                    push_block(
                        &mut stack,
                        &mut spec.preamble,
                        Block::Equation { label, text, prov },
                    );
                } else {
                    push_block(
                        &mut stack,
                        &mut spec.preamble,
                        Block::Paragraph { text, prov },
                    );
                }
            }
            Elem::Item(text) => {
                if items.is_empty() {
                    items_prov = prov;
                }
                items_prov.line_end = prov.line_end;
                items.push(text);
            }
            Elem::Code(text) => {
                push_block(&mut stack, &mut spec.preamble, Block::Code { text, prov })
            }
            Elem::Caption(c) => {
                let lower = c.to_lowercase();
                if lower.starts_with("figure") || lower.starts_with("fig.") {
                    figure_no += 1;
                    let (label, caption) = split_caption(&c, &format!("Figure {figure_no}"));
                    push_block(
                        &mut stack,
                        &mut spec.preamble,
                        Block::Figure {
                            label,
                            caption,
                            prov,
                        },
                    );
                } else {
                    // a table caption: attach to the next table, or to the one just before it
                    let attached = match stack
                        .last_mut()
                        .map(|s| &mut s.blocks)
                        .unwrap_or(&mut spec.preamble)
                        .last_mut()
                    {
                        Some(Block::Table(t))
                            if t.caption.is_none()
                                && t.prov.line_end + 3 >= prov.line_start
                                && t.prov.page == prov.page =>
                        {
                            t.caption = Some(c.clone());
                            true
                        }
                        _ => false,
                    };
                    if !attached {
                        pending_caption = Some((c, prov));
                    }
                }
            }
            Elem::Table { header, rows } => {
                let mut caption = pending_caption.take().map(|(c, _)| c);
                // a short label right above a table ("STATUS fields", set in bold in the PDF,
                // where the styling is lost) is its caption
                let blocks = match stack.last_mut() {
                    Some(s) => &mut s.blocks,
                    None => &mut spec.preamble,
                };
                if caption.is_none()
                    && let Some(Block::Paragraph { text, prov: p }) = blocks.last()
                    && text.split_whitespace().count() <= 6
                    && !text.ends_with(['.', ':', ';', ','])
                    && p.page == prov.page
                    && p.line_end + 2 >= prov.line_start
                {
                    caption = Some(text.clone());
                    blocks.pop();
                }
                let kind = typing::classify_rows(&header, &rows);
                push_block(
                    &mut stack,
                    &mut spec.preamble,
                    Block::Table(Table {
                        caption,
                        kind,
                        header,
                        rows,
                        prov,
                    }),
                );
            }
        }
    }
    if !items.is_empty() {
        push_block(
            &mut stack,
            &mut spec.preamble,
            Block::List {
                items,
                prov: items_prov,
            },
        );
    }
    close(&mut stack, &mut spec, 0);
    // a PDF's or text file's title is its first short line when no heading names it
    if spec.title.is_none()
        && let Some(Block::Paragraph { text, .. }) = spec.preamble.first()
        && text.len() <= 100
        && !text.ends_with('.')
    {
        spec.title = Some(text.clone());
    }
    typing::extract(&mut spec, warnings);
    spec
}

fn equation_label(text: &str) -> Option<Option<String>> {
    static EQ: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^(?:(Equation\s+\d+[.:]?)\s*(.*)|.*\((\d+)\)\s*$)").unwrap()
    });
    let t = text.trim();
    let c = EQ.captures(t)?;
    if let Some(l) = c.get(1) {
        return Some(Some(l.as_str().trim_end_matches([':', '.']).to_string()));
    }
    // "y = a + b (3)": an equation number at the end of a short line with an equals sign
    if t.contains('=') && t.len() < 120 {
        return Some(c.get(3).map(|n| format!("Equation {}", n.as_str())));
    }
    None
}

fn split_caption(c: &str, default: &str) -> (String, String) {
    static CAP: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^((?:Figure|Fig\.|Table)\s*[A-Z]?[\d.-]*)\s*[:.–—-]?\s*(.*)$").unwrap()
    });
    match CAP.captures(c.trim()) {
        Some(m) => (m[1].trim().to_string(), m[2].trim().to_string()),
        None => (default.to_string(), c.trim().to_string()),
    }
}
