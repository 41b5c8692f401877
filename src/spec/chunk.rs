//! Sections rendered as compact Markdown with their citations, split under a token budget, so
//! a planner can ask for "the section about the command register" and cite what it used.

use serde::Serialize;

use super::{Block, Section, Spec};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Chunk {
    /// `§3.2 Command Register, p. 7`
    pub citation: String,
    /// The section path: `3 Registers > 3.2 Command Register`.
    pub path: String,
    pub markdown: String,
    /// Estimated tokens (about four characters each).
    pub tokens: usize,
    /// Blocks (paragraphs, tables, …) in the chunk; a chunk over the budget has just one.
    pub blocks: usize,
}

pub fn estimate_tokens(s: &str) -> usize {
    s.len().div_ceil(4)
}

fn render_block(b: &Block, out: &mut String) {
    match b {
        Block::Paragraph { text, .. } => {
            out.push_str(text);
            out.push_str("\n\n");
        }
        Block::List { items, .. } => {
            for i in items {
                out.push_str(&format!("- {i}\n"));
            }
            out.push('\n');
        }
        Block::Table(t) => {
            if let Some(c) = &t.caption {
                out.push_str(&format!("*{c}*\n\n"));
            }
            out.push_str(&format!("| {} |\n", t.header.join(" | ")));
            out.push_str(&format!("|{}\n", "---|".repeat(t.header.len())));
            for r in &t.rows {
                out.push_str(&format!(
                    "| {} |\n",
                    r.iter()
                        .map(|c| c.replace('|', "\\|"))
                        .collect::<Vec<_>>()
                        .join(" | ")
                ));
            }
            out.push('\n');
        }
        Block::Figure { label, caption, .. } => out.push_str(&format!("[{label}: {caption}]\n\n")),
        Block::Equation { label, text, .. } => out.push_str(&format!("[{label}] `{text}`\n\n")),
        Block::Code { text, .. } => out.push_str(&format!("```\n{text}\n```\n\n")),
    }
}

/// One or more chunks per section (a section larger than `budget` tokens is split between
/// blocks; a single block larger than the budget becomes a chunk of its own).
pub fn chunks(spec: &Spec, budget: usize) -> Vec<Chunk> {
    let mut out = Vec::new();
    fn walk(s: &Section, path: &mut Vec<String>, budget: usize, out: &mut Vec<Chunk>) {
        let name = match &s.number {
            Some(n) => format!("{n} {}", s.title),
            None => s.title.clone(),
        };
        path.push(name.clone());
        let citation = format!("{} {}, {}", s.cite(), s.title, s.prov.cite());
        let head = format!("{} {name}\n\n", "#".repeat(s.level.clamp(1, 6) as usize));
        let mut cur = head.clone();
        let mut part = 1;
        let mut count = 0;
        for b in &s.blocks {
            let mut piece = String::new();
            render_block(b, &mut piece);
            if estimate_tokens(&cur) + estimate_tokens(&piece) > budget && count > 0 {
                out.push(Chunk {
                    citation: format!("{citation} (part {part})"),
                    path: path.join(" > "),
                    tokens: estimate_tokens(&cur),
                    markdown: std::mem::replace(&mut cur, head.clone()),
                    blocks: std::mem::take(&mut count),
                });
                part += 1;
            }
            cur.push_str(&piece);
            count += 1;
        }
        if count > 0 || s.children.is_empty() {
            let citation = if part > 1 {
                format!("{citation} (part {part})")
            } else {
                citation
            };
            out.push(Chunk {
                citation,
                path: path.join(" > "),
                tokens: estimate_tokens(&cur),
                markdown: cur,
                blocks: count,
            });
        }
        for c in &s.children {
            walk(c, path, budget, out);
        }
        path.pop();
    }
    // text before the first heading (all of a task text without headings) is a chunk too,
    // cited by its lines
    if !spec.preamble.is_empty() {
        let mut md = String::new();
        for b in &spec.preamble {
            render_block(b, &mut md);
        }
        let first = spec.preamble.first().map(block_prov).unwrap_or_default();
        out.push(Chunk {
            citation: format!("preamble, {}", first.cite()),
            path: "preamble".into(),
            tokens: estimate_tokens(&md),
            markdown: md,
            blocks: spec.preamble.len(),
        });
    }
    for s in &spec.sections {
        walk(s, &mut Vec::new(), budget, &mut out);
    }
    out
}

fn block_prov(b: &Block) -> super::Provenance {
    match b {
        Block::Paragraph { prov, .. }
        | Block::List { prov, .. }
        | Block::Figure { prov, .. }
        | Block::Equation { prov, .. }
        | Block::Code { prov, .. } => *prov,
        Block::Table(t) => t.prov,
    }
}

/// The chunks that best answer a query ("the section about the line control register"):
/// words weighted by how rare they are across the chunks (TF-IDF), words in a chunk's title
/// and path counting more, and an acronym of consecutive query words (line control register →
/// LCR) in a title counting most — datasheets name registers by their acronyms.
pub fn search<'a>(chunks: &'a [Chunk], query: &str, limit: usize) -> Vec<&'a Chunk> {
    const STOP: &[&str] = &[
        "the", "a", "an", "of", "about", "section", "for", "and", "to", "in", "on", "what", "is",
        "how",
    ];
    let words: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .map(str::to_lowercase)
        .filter(|w| w.len() > 1 && !STOP.contains(&w.as_str()))
        .collect();
    let mut acronyms = Vec::new();
    for i in 0..words.len() {
        for j in i + 2..=words.len() {
            acronyms.push(
                words[i..j]
                    .iter()
                    .filter_map(|w| w.chars().next())
                    .collect::<String>()
                    .to_uppercase(),
            );
        }
    }
    let lowered: Vec<(String, String)> = chunks
        .iter()
        .map(|c| {
            // titles: the section path, the citation, and table captions (`*Table 3: …*`)
            let captions: Vec<&str> = c.markdown.lines().filter(|l| l.starts_with('*')).collect();
            (
                c.markdown.to_lowercase(),
                format!("{} {} {}", c.path, c.citation, captions.join(" ")),
            )
        })
        .collect();
    let n = chunks.len() as f64;
    let idf = |w: &str| {
        let df = lowered.iter().filter(|(b, _)| b.contains(w)).count() as f64;
        ((n + 1.0) / (df + 1.0)).ln() + 0.1
    };
    let weights: Vec<f64> = words.iter().map(|w| idf(w)).collect();
    let mut scored: Vec<(f64, &Chunk)> = chunks
        .iter()
        .zip(&lowered)
        .map(|(c, (body, head))| {
            let head_l = head.to_lowercase();
            let mut score: f64 = words
                .iter()
                .zip(&weights)
                .map(|(w, wt)| {
                    (body.matches(w.as_str()).count().min(3) as f64
                        + 3.0 * f64::from(u8::from(head_l.contains(w.as_str()))))
                        * wt
                })
                .sum();
            let head_words: Vec<&str> = head.split(|ch: char| !ch.is_alphanumeric()).collect();
            if acronyms.iter().any(|a| head_words.contains(&a.as_str())) {
                score += 10.0;
            }
            (score, c)
        })
        .filter(|(s, _)| *s > 0.0)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(limit).map(|(_, c)| c).collect()
}

/// The whole spec as compact Markdown with citations (for `ingest --format md`).
pub fn to_markdown(spec: &Spec) -> String {
    let mut s = String::new();
    if let Some(t) = &spec.title {
        s.push_str(&format!("<!-- {} -->\n\n", t));
    }
    for c in chunks(spec, usize::MAX) {
        s.push_str(&format!("<!-- {} -->\n", c.citation));
        s.push_str(&c.markdown);
    }
    s
}

/// A short summary of a Spec for a terminal: source, sections, tables by kind, interfaces,
/// ports, parameters and registers (what `rtlsmith ingest` prints without `--format`).
pub fn summary(s: &Spec) -> String {
    let mut t = String::new();
    t.push_str(&format!(
        "{}: {} ({}{}), read with {}\n",
        s.source.path,
        s.title.as_deref().unwrap_or("(untitled)"),
        s.source.format,
        s.source
            .pages
            .map(|p| format!(", {p} pages"))
            .unwrap_or_default(),
        s.source.reader
    ));
    let secs = s.all_sections();
    t.push_str(&format!("  sections: {}\n", secs.len()));
    for sec in secs.iter().filter(|x| x.level <= 2).take(40) {
        t.push_str(&format!(
            "    {}{} {}\n",
            "  ".repeat(sec.level.saturating_sub(1) as usize),
            sec.number.as_deref().unwrap_or("-"),
            sec.title
        ));
    }
    let tables = s.tables();
    let kinds = |k: super::TableKind| tables.iter().filter(|t| t.kind == k).count();
    t.push_str(&format!(
        "  tables: {} ({} ports, {} parameters, {} registers, {} bit fields, {} other)\n",
        tables.len(),
        kinds(super::TableKind::Ports),
        kinds(super::TableKind::Parameters),
        kinds(super::TableKind::Registers),
        kinds(super::TableKind::Fields),
        kinds(super::TableKind::Other)
    ));
    for (iface, n) in s.interfaces() {
        t.push_str(&format!(
            "  interface {}: {n} ports\n",
            if iface.is_empty() {
                "(unnamed)"
            } else {
                &iface
            }
        ));
    }
    let names: Vec<&str> = s.ports.iter().map(|p| p.name.as_str()).collect();
    t.push_str(&format!(
        "  ports ({}): {}\n",
        names.len(),
        names.join(", ")
    ));
    let names: Vec<&str> = s.parameters.iter().map(|p| p.name.as_str()).collect();
    t.push_str(&format!(
        "  parameters ({}): {}\n",
        names.len(),
        names.join(", ")
    ));
    let regs: Vec<String> = s
        .registers
        .iter()
        .map(|r| {
            format!(
                "{}@{}{}",
                r.name,
                r.offset.as_deref().unwrap_or("?"),
                if r.fields.is_empty() {
                    String::new()
                } else {
                    format!(" ({} fields)", r.fields.len())
                }
            )
        })
        .collect();
    t.push_str(&format!(
        "  registers ({}): {}\n",
        regs.len(),
        regs.join(", ")
    ));
    t
}
