//! PDF through poppler's `pdftotext -layout` (chosen over the Rust PDF crates: it keeps table
//! columns aligned, handles real-world PDFs without panicking, and runs ~600 pages/s here; see
//! the README). Pages are read in batches of 50 so a 500-page standard stays within a bounded
//! amount of memory; running headers, footers and page numbers are removed; two-column pages
//! are split at their gutter; tables that continue on the next page are joined.

use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;
use std::time::Duration;

use regex::Regex;

use super::{Elem, IngestError, Located, layout};
use crate::process::{self, CommandSpec};

pub(crate) struct PdfText {
    pub pages: u32,
    pub reader: String,
    pub elems: Vec<Located>,
    pub warnings: Vec<String>,
}

const BATCH: u32 = 50;

fn run(spec: &CommandSpec) -> Result<process::Output, IngestError> {
    let rt = tokio::runtime::Handle::try_current();
    let fut = process::run(spec);
    let out = match rt {
        Ok(h) => tokio::task::block_in_place(|| h.block_on(fut)),
        Err(_) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                IngestError::unreadable(Path::new(&spec.program), e.to_string(), "internal error")
            })?
            .block_on(fut),
    };
    out.map_err(|e| {
        IngestError::unreadable(
            Path::new(&spec.program),
            e.to_string(),
            "check that poppler-utils works (pdftotext -v)",
        )
    })
}

fn tool(name: &str, path: &Path) -> Result<CommandSpec, IngestError> {
    let prog = process::find_program(name).ok_or_else(|| IngestError::ToolMissing {
        tool: name.to_string(),
    })?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut spec = CommandSpec::new(prog, dir).timeout(Duration::from_secs(120));
    spec.keep_head = 48 << 20;
    spec.keep_tail = 0;
    spec.output_limit = 64 << 20;
    Ok(spec)
}

pub(crate) fn read(path: &Path) -> Result<PdfText, IngestError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| IngestError::unreadable(path, e.to_string(), "check the path"))?;
    if meta.len() == 0 {
        return Err(IngestError::unreadable(
            path,
            "the file is empty",
            "export the spec to PDF again",
        ));
    }
    let abs = process::absolute(path);
    let info = run(&tool("pdfinfo", path)?.arg(&abs))?;
    let info_text = info.combined();
    if info_text.contains("Incorrect password")
        || info_text
            .lines()
            .any(|l| l.starts_with("Encrypted:") && l.contains("yes") && !l.contains("copy:yes"))
    {
        return Err(IngestError::unreadable(
            path,
            "the PDF is encrypted",
            "decrypt it first (for example: qpdf --decrypt in.pdf out.pdf) and ingest the result",
        ));
    }
    if !info.exit.success() {
        let first = info_text
            .lines()
            .next()
            .unwrap_or("pdfinfo failed")
            .to_string();
        return Err(IngestError::unreadable(
            path,
            format!("not a readable PDF ({first})"),
            "the file is damaged or truncated: download or export it again",
        ));
    }
    let pages: u32 = info_text
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    if pages == 0 {
        return Err(IngestError::unreadable(
            path,
            "the PDF has no pages",
            "export the spec to PDF again",
        ));
    }
    let version = run(&tool("pdftotext", path)?.arg("-v"))
        .ok()
        .and_then(|o| o.combined().lines().next().map(str::to_string))
        .unwrap_or_else(|| "pdftotext".into());

    let mut page_texts: Vec<String> = Vec::with_capacity(pages.min(BATCH) as usize);
    let mut all: Vec<Vec<Located>> = Vec::new();
    let mut warnings = Vec::new();
    let mut chars = 0usize;
    let mut first = 1;
    // headers/footers are learnt from the first batch and applied to all
    let mut repeated: Option<HashMap<String, usize>> = None;
    let mut open_table: Option<Vec<String>> = None;
    while first <= pages {
        let last = (first + BATCH - 1).min(pages);
        let out = run(&tool("pdftotext", path)?
            .args([
                "-layout",
                "-enc",
                "UTF-8",
                "-f",
                &first.to_string(),
                "-l",
                &last.to_string(),
            ])
            .arg(&abs)
            .arg("-"))?;
        if !out.exit.success() {
            let err = out.stderr.text();
            return Err(IngestError::unreadable(
                path,
                format!(
                    "pdftotext failed on pages {first}-{last}: {}",
                    err.lines().next().unwrap_or("")
                ),
                "the file may be damaged: open it in a viewer to check",
            ));
        }
        let text = out.stdout.text();
        page_texts.clear();
        page_texts.extend(text.split('\u{c}').map(str::to_string));
        page_texts.truncate((last - first + 1) as usize);
        let rep = repeated.get_or_insert_with(|| repeated_lines(&page_texts));
        for (k, t) in page_texts.iter().enumerate() {
            let page = first + k as u32;
            let cleaned = strip_running(t, rep, page);
            chars += cleaned.trim().len();
            let mut cleaned = split_columns(&cleaned);
            // a table that ended the previous page may go on here without its header: lend it
            // the header, set at this page's column positions, so that even a single continued
            // row is read as a row of that table
            let lent = match open_table.as_ref().and_then(|h| lend_header(h, &cleaned)) {
                Some(line) => {
                    let mut lines: Vec<&str> = cleaned.lines().collect();
                    let first = lines.iter().position(|l| !l.trim().is_empty()).unwrap_or(0);
                    if first > 0 {
                        // the blank line above the row takes the header: line numbers stay
                        lines[first - 1] = &line;
                        cleaned = lines.join("\n");
                        false
                    } else {
                        cleaned = format!("{line}\n{cleaned}");
                        true
                    }
                }
                None => false,
            };
            let mut elems = layout::read_page(&cleaned, Some(page));
            if lent {
                for e in &mut elems {
                    e.prov.line_start = e.prov.line_start.saturating_sub(1).max(1);
                    e.prov.line_end = e.prov.line_end.saturating_sub(1).max(1);
                }
            }
            open_table = match elems.last() {
                Some(Located {
                    elem: Elem::Table { header, .. },
                    ..
                }) => Some(header.clone()),
                _ => None,
            };
            all.push(elems);
        }
        first = last + 1;
    }
    if chars == 0 {
        return Err(IngestError::unreadable(
            path,
            "the PDF has no text layer (its pages are images)",
            "run OCR first (for example: ocrmypdf in.pdf out.pdf) and ingest the result",
        ));
    }
    if chars < 20 * pages as usize {
        warnings.push(format!(
            "little text for {pages} pages: some pages may be scanned images (OCR them)"
        ));
    }
    Ok(PdfText {
        pages,
        reader: format!("{version} -layout"),
        elems: join_pages(all),
        warnings,
    })
}

/// When the first text line of `page` has as many cells as `header` (and is not the header
/// repeated), the header written at that line's column positions.
fn lend_header(header: &[String], page: &str) -> Option<String> {
    let first = page.lines().find(|l| !l.trim().is_empty())?;
    let cells = layout::cells(first);
    if cells.len() != header.len()
        || cells.len() < 2
        || cells.iter().map(|(_, c)| c).eq(header.iter())
    {
        return None;
    }
    let mut line = String::new();
    for (i, (pos, _)) in cells.iter().enumerate() {
        while line.chars().count() < *pos {
            line.push(' ');
        }
        let room = cells
            .get(i + 1)
            .map_or(usize::MAX, |(next, _)| next.saturating_sub(*pos + 2))
            .max(1);
        line.extend(header[i].chars().take(room));
        line.push_str("  ");
    }
    Some(line.trim_end().to_string())
}

static PAGE_NO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:page\s*)?[-–—]?\s*\d{1,4}\s*[-–—]?\s*(?:(?:of|/)\s*\d{1,4})?\s*$")
        .unwrap()
});

fn norm(l: &str) -> String {
    l.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect()
}

/// Candidate running lines: the first and last two lines of text on a page — not sentences
/// (body text ends with a full stop; running headers and footers do not).
fn edge_lines(page: &str) -> Vec<&str> {
    let lines: Vec<&str> = page.lines().filter(|l| !l.trim().is_empty()).collect();
    let n = lines.len();
    let mut v: Vec<&str> = lines.iter().take(2).copied().collect();
    v.extend(lines.iter().skip(n.saturating_sub(2).max(2)).copied());
    v.retain(|l| !l.trim_end().ends_with('.'));
    v
}

/// Lines (digits normalised) that open or close at least half of the pages: running headers
/// and footers.
fn repeated_lines(pages: &[String]) -> HashMap<String, usize> {
    let mut count: HashMap<String, usize> = HashMap::new();
    for p in pages {
        let mut seen = std::collections::HashSet::new();
        for l in edge_lines(p) {
            let k = norm(l);
            if seen.insert(k.clone()) {
                *count.entry(k).or_default() += 1;
            }
        }
    }
    let need = (pages.len() / 2).max(2);
    count.retain(|_, c| *c >= need);
    count
}

/// Whether a line carries the page's own number as a token of its own (`-2-`, `Page 2`,
/// `2 of 9`): the mark of a running header or footer, even one that appears only once.
fn numbers_the_page(line: &str, page: u32) -> bool {
    let n = page.to_string();
    let tokens: Vec<&str> = line.split_whitespace().collect();
    tokens.iter().enumerate().any(|(i, t)| {
        let bare = t.trim_matches(|c: char| "-–—()[]|".contains(c));
        bare == n
            && (t.len() > n.len()
                || tokens.len() == 1
                || i > 0 && tokens[i - 1].eq_ignore_ascii_case("page")
                || tokens.get(i + 1).is_some_and(|x| *x == "of" || *x == "/"))
    })
}

fn strip_running(page: &str, repeated: &HashMap<String, usize>, number: u32) -> String {
    let edges: Vec<&str> = edge_lines(page);
    page.lines()
        .map(|l| {
            let is_edge = edges.iter().any(|e| std::ptr::eq(*e, l));
            if is_edge
                && (repeated.contains_key(&norm(l))
                    || PAGE_NO.is_match(l)
                    || numbers_the_page(l, number))
            {
                ""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A two-column page has a gutter: a column of spaces crossing most text lines, with text on
/// both sides. Such a page is read left column first.
fn split_columns(page: &str) -> String {
    let lines: Vec<Vec<char>> = page.lines().map(|l| l.chars().collect()).collect();
    let text_lines: Vec<&Vec<char>> = lines
        .iter()
        .filter(|l| l.iter().any(|c| !c.is_whitespace()))
        .collect();
    if text_lines.len() < 12 {
        return page.to_string();
    }
    let width = text_lines.iter().map(|l| l.len()).max().unwrap_or(0);
    if width < 60 {
        return page.to_string();
    }
    let blank = |l: &Vec<char>, c: usize| {
        (c.saturating_sub(1)..=c + 1).all(|i| l.get(i).is_none_or(|ch| *ch == ' '))
    };
    let mut best = (0usize, 0usize);
    for c in (width / 3)..(2 * width / 3) {
        let both = text_lines
            .iter()
            .filter(|l| {
                blank(l, c)
                    && l[..c.min(l.len())].iter().any(|ch| *ch != ' ')
                    && l.iter().skip(c + 1).any(|ch| *ch != ' ')
            })
            .count();
        let crossing = text_lines.iter().filter(|l| !blank(l, c)).count();
        if crossing * 10 <= text_lines.len() && both > best.1 {
            best = (c, both);
        }
    }
    if best.1 * 2 < text_lines.len() {
        return page.to_string();
    }
    let c = best.0;
    let mut left = Vec::new();
    let mut right = Vec::new();
    for l in &lines {
        let (a, b) = if l.len() > c {
            (
                l[..c].iter().collect::<String>(),
                l[c..].iter().collect::<String>(),
            )
        } else {
            (l.iter().collect(), String::new())
        };
        left.push(a.trim_end().to_string());
        right.push(b.trim_end().to_string());
    }
    // the right column's indentation is relative to the gutter
    let indent = right
        .iter()
        .filter(|r| !r.trim().is_empty())
        .map(|r| r.len() - r.trim_start().len())
        .min()
        .unwrap_or(0);
    let right: Vec<String> = right
        .into_iter()
        .map(|r| {
            if r.len() >= indent {
                r[indent..].to_string()
            } else {
                r
            }
        })
        .collect();
    let mut out = left;
    out.push(String::new());
    out.extend(right);
    out.join("\n")
}

/// Join a table that runs over a page break (its header repeated, or not).
fn join_pages(pages: Vec<Vec<Located>>) -> Vec<Located> {
    let mut out: Vec<Located> = Vec::new();
    for page in pages {
        let mut it = page.into_iter().peekable();
        if let Some(first) = it.peek()
            && let Elem::Table { header, rows } = &first.elem
            && let Some(Located {
                elem:
                    Elem::Table {
                        header: ph,
                        rows: prows,
                    },
                prov,
            }) = out.last_mut()
            && header.len() == ph.len()
        {
            if header != ph {
                prows.push(header.clone());
            }
            prows.extend(rows.iter().cloned());
            prov.line_end = first.prov.line_end;
            it.next();
        }
        // a paragraph cut by the page break continues in lower case on the next page
        if let Some(first) = it.peek()
            && let Elem::Para(next) = &first.elem
            && next.starts_with(|c: char| c.is_lowercase())
            && let Some(Located {
                elem: Elem::Para(prev),
                prov,
            }) = out.last_mut()
            && !prev.ends_with(['.', ':', '!', '?'])
        {
            *prev = layout::join_lines(&[prev.as_str(), next.as_str()]);
            prov.line_end = first.prov.line_end;
            it.next();
        }
        out.extend(it);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_column_pages_are_read_left_column_first() {
        let mut page = String::new();
        for i in 0..14 {
            page.push_str(&format!(
                "left column line {i:02} text here      right column line {i:02} more\n"
            ));
        }
        let out = split_columns(&page);
        let lines: Vec<&str> = out.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines[0], "left column line 00 text here");
        assert_eq!(lines[13], "left column line 13 text here");
        assert_eq!(lines[14], "right column line 00 more");
        // a one-column page with a table is left alone
        let table = "Name      Dir   Width   Description\n".repeat(14);
        assert_eq!(split_columns(&table), table);
    }

    #[test]
    fn running_lines_and_page_numbers() {
        let pages: Vec<String> = (1..=4)
            .map(|p| {
                format!("ACME Corp   Datasheet rev 1\n\nBody text of page {p}.\n\nPage {p} of 4\n")
            })
            .collect();
        let rep = repeated_lines(&pages);
        let cleaned = strip_running(&pages[2], &rep, 3);
        assert!(
            !cleaned.contains("ACME") && !cleaned.contains("Page 3"),
            "{cleaned}"
        );
        assert!(cleaned.contains("Body text of page 3."));
        assert!(numbers_the_page(
            "APB register file      -2-      rtlsmith",
            2
        ));
        assert!(numbers_the_page("Confidential     Page 7", 7));
        assert!(!numbers_the_page("Set bit 2 to enable the FIFO", 2));
    }
}
