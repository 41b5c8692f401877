//! Layout analysis of plain text (a text file, or one page of `pdftotext -layout`): headings
//! from numbering ("2.1 Core Parameters", "Appendix A") or underlines, captions, list items,
//! tables from column alignment, and paragraphs with hyphenation and line wraps repaired.

use std::sync::LazyLock;

use regex::Regex;

use super::{Elem, Located, Provenance, split_heading};

static NUMBERED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\d+(?:\.\d+)*\.?|[A-Z](?:\.\d+)+\.?|(?:Appendix|Annex)\s+[A-Z][.:]?)\s+\S")
        .unwrap()
});
static CAPTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:Table|Figure|Fig\.)\s+[A-Z]?[\d.-]+\s*[:.–—-]?\s").unwrap());
static ITEM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:[-•*–◦▪]|\(?[0-9]{1,2}[.)]|\(?[a-z][.)])\s+(.*)$").unwrap());
static GAP: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\S(?:\s{2,})\S").unwrap());
static MD_HEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(#{1,6})\s+(.+?)\s*#*\s*$").unwrap());

/// Cells of a line split at runs of two or more spaces, with their start columns.
pub(crate) fn cells(line: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && chars[i] == ' ' {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        let start = i;
        let mut end = i;
        while i < chars.len() {
            if chars[i] == ' ' && (i + 1 >= chars.len() || chars[i + 1] == ' ') {
                break;
            }
            i += 1;
            end = i;
        }
        out.push((
            start,
            chars[start..end]
                .iter()
                .collect::<String>()
                .trim()
                .to_string(),
        ));
    }
    out
}

fn is_heading(line: &str, next: Option<&str>) -> Option<(u32, Option<String>, String)> {
    let t = line.trim();
    if t.is_empty() || t.len() > 90 {
        return None;
    }
    if let Some(c) = MD_HEADING.captures(t) {
        let (n, title) = split_heading(&c[2]);
        return Some((c[1].len() as u32, n, title));
    }
    // underlined with === or ---
    if let Some(n) = next {
        let u = n.trim();
        if u.len() >= 3
            && u.len() + 2 >= t.len()
            && (u.chars().all(|c| c == '=') || u.chars().all(|c| c == '-'))
        {
            let (num, title) = split_heading(t);
            return Some((if u.starts_with('=') { 1 } else { 2 }, num, title));
        }
    }
    if NUMBERED.is_match(t)
        && !t.ends_with('.')
        && !t.ends_with(',')
        && !t.ends_with(';')
        && GAP.find(t).is_none()
    {
        let (num, title) = split_heading(t);
        let first = title.chars().next()?;
        // a heading's title starts with a capital and is short; "3 cycles later" is not one
        if num.is_some() && first.is_uppercase() && title.split_whitespace().count() <= 10 {
            let level = num
                .as_deref()
                .map_or(1, |n| n.split('.').count() as u32 + 1);
            return Some((level, num, title));
        }
    }
    None
}

/// Join wrapped lines into one paragraph, repairing hyphenation (`configu-` + `rable`).
pub(crate) fn join_lines(lines: &[&str]) -> String {
    let mut out = String::new();
    for l in lines {
        let t = l.trim();
        if t.is_empty() {
            continue;
        }
        if out.is_empty() {
            out.push_str(t);
        } else if out.ends_with('-')
            && out[..out.len() - 1]
                .chars()
                .last()
                .is_some_and(|c| c.is_alphabetic())
            && t.chars().next().is_some_and(|c| c.is_lowercase())
        {
            out.pop();
            out.push_str(t);
        } else {
            out.push(' ');
            out.push_str(t);
        }
    }
    out
}

/// A table found at `lines[start..]`: (end index, header, rows), if the lines there line up in
/// two or more columns over two or more rows.
fn table_at(lines: &[&str], start: usize) -> Option<(usize, Vec<String>, Vec<Vec<String>>)> {
    let head = split_header(cells(lines[start]), lines[start], &lines[start + 1..]);
    if head.len() < 2 || head.iter().any(|(_, c)| c.len() > 40) {
        return None;
    }
    let cols: Vec<usize> = head.iter().map(|(p, _)| *p).collect();
    let col_of = |pos: usize| -> usize {
        let mut best = 0;
        for (i, c) in cols.iter().enumerate() {
            if pos + 2 >= *c {
                best = i;
            }
        }
        best
    };
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut i = start + 1;
    let mut blank_run = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.trim().is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                break;
            }
            i += 1;
            continue;
        }
        let cs = split_at_columns(cells(line), line, &cols);
        // ruling lines of a drawn table
        if line.trim().chars().all(|c| "-=+|_ ".contains(c)) {
            i += 1;
            continue;
        }
        let aligned = cs
            .iter()
            .filter(|(p, _)| cols.iter().any(|c| p.abs_diff(*c) <= 2))
            .count();
        let first_col = col_of(cs[0].0);
        if cs.len() >= 2
            && aligned >= 2.min(cs.len())
            && cs[0].0 + 2 >= cols[0]
            && aligned * 2 >= cs.len()
        {
            // a new row
            let mut row = vec![String::new(); cols.len()];
            for (p, text) in cs {
                let c = col_of(p);
                if !row[c].is_empty() {
                    row[c].push(' ');
                }
                row[c].push_str(&text);
            }
            rows.push(row);
            blank_run = 0;
        } else if first_col > 0 && !rows.is_empty() && cs.iter().all(|(p, _)| *p + 2 >= cols[1]) {
            // a wrapped cell continues the previous row
            let last = rows.last_mut().expect("non-empty");
            for (p, text) in cs {
                let c = col_of(p);
                let joined = join_lines(&[&last[c], &text]);
                last[c] = joined;
            }
            blank_run = 0;
        } else if blank_run == 0
            && cs.len() == 1
            && cs[0].0 + 2 >= cols[0]
            && cs[0].0 <= cols[0] + 2
            && rows.last().is_some_and(|r| continues(&r[0], &cs[0].1))
        {
            // the first cell wraps onto a line of its own (`Transmitter Holding` /
            // `Register (THR)`, `Receiver Buffer Reg-` / `ister (RBR)`)
            let last = rows.last_mut().expect("non-empty");
            last[0] = join_lines(&[&last[0], &cs[0].1]);
        } else if blank_run == 0
            && cs.len() == 1
            && !rows.is_empty()
            && cs[0].0 + 2 >= cols[0]
            && cs[0].0 <= cols[0] + 2
            && !rows.is_empty()
            && cols.len() >= 2
        {
            // a first-column-only line (a merged cell, e.g. "Reserved"): its own row
            let mut row = vec![String::new(); cols.len()];
            row[0] = cs[0].1.clone();
            rows.push(row);
        } else {
            break;
        }
        i += 1;
    }
    if rows.is_empty() {
        return None;
    }
    // a table needs its columns used: most rows fill at least two cells
    let filled = rows
        .iter()
        .filter(|r| r.iter().filter(|c| !c.is_empty()).count() >= 2)
        .count();
    if filled * 2 < rows.len() || (rows.len() < 2 && head.len() < 3) {
        return None;
    }
    let header = head.into_iter().map(|(_, c)| c).collect();
    // trailing blank lines are not part of the table
    let mut end = i;
    while end > start && lines[end - 1].trim().is_empty() {
        end -= 1;
    }
    Some((end, header, rows))
}

/// A header cell that holds two column titles set one space apart (`Direction Description`
/// above narrow columns) is split where the rows below start a column: at least half of the
/// next lines (up to eight) have a cell starting at a word boundary inside it.
fn split_header(head: Vec<(usize, String)>, line: &str, below: &[&str]) -> Vec<(usize, String)> {
    let body: Vec<Vec<(usize, String)>> = below
        .iter()
        .take_while(|l| !l.trim().is_empty())
        .take(8)
        .map(|l| cells(l))
        .filter(|c| c.len() >= 2)
        .collect();
    if body.len() < 2 {
        return head;
    }
    let chars: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    for (start, text) in head {
        let end = start + text.chars().count();
        let mut cuts: Vec<usize> = (start + 1..end)
            .filter(|&p| chars.get(p - 1) == Some(&' ') && chars.get(p) != Some(&' '))
            .filter(|&p| {
                let starting = body
                    .iter()
                    .filter(|r| r.iter().any(|(q, _)| q.abs_diff(p) <= 1))
                    .count();
                starting * 2 >= body.len()
            })
            .collect();
        cuts.dedup();
        let mut from = start;
        for c in cuts.into_iter().chain([end]) {
            let piece: String = chars[from..c].iter().collect();
            out.push((from, piece.trim().to_string()));
            from = c;
        }
    }
    out
}

/// A row cell that runs over the start of a header column at a word boundary (`stx_pad_o 1`
/// under `Port  Width` set one space apart) is two cells — when the split gives the row
/// exactly one cell per column (a merged cell such as `Reserved: read as zero` stays whole).
fn split_at_columns(cs: Vec<(usize, String)>, line: &str, cols: &[usize]) -> Vec<(usize, String)> {
    if cs.len() >= cols.len() {
        return cs;
    }
    let chars: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    for (start, text) in cs.iter().cloned() {
        let end = start + text.chars().count();
        let mut from = start;
        for &c in cols.iter().filter(|&&c| c > start && c < end) {
            // the word nearest the column's start (values may sit a character or two off)
            let cut = [c, c + 1, c.saturating_sub(1), c + 2]
                .into_iter()
                .find(|&p| {
                    p > from.max(start) + 1
                        && p < end
                        && chars.get(p - 1) == Some(&' ')
                        && chars.get(p) != Some(&' ')
                });
            if let Some(p) = cut {
                let piece: String = chars[from..p].iter().collect();
                out.push((from, piece.trim().to_string()));
                from = p;
            }
        }
        let piece: String = chars[from..end].iter().collect();
        out.push((from, piece.trim().to_string()));
    }
    if out.len() == cols.len() { out } else { cs }
}

/// Whether a first-column-only line continues the row above's first cell rather than starting
/// a row of its own (a merged cell such as `Reserved`): the cell above ends in a hyphen, or
/// the line starts in lower case or with `(`, or ends with an abbreviation in parentheses.
fn continues(above: &str, line: &str) -> bool {
    let t = line.trim();
    above.ends_with('-')
        || t.starts_with(|c: char| c.is_lowercase() || c == '(')
        || (t.ends_with(')') && t.contains('(') && !above.contains('('))
}

/// Analyse one page (or a whole text file). Line numbers are 1-based within `text`.
pub(crate) fn read_page(text: &str, page: Option<u32>) -> Vec<Located> {
    let lines: Vec<&str> = text.lines().collect();
    let prov = |a: usize, b: usize| Provenance {
        page,
        line_start: a as u32 + 1,
        line_end: b as u32 + 1,
    };
    let mut out = Vec::new();
    let mut i = 0;
    let mut in_code = false;
    let mut code: Vec<&str> = Vec::new();
    let mut code_start = 0;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim();
        if t.starts_with("```") {
            if in_code {
                out.push(Located {
                    elem: Elem::Code(code.join("\n")),
                    prov: prov(code_start, i),
                });
                code.clear();
            } else {
                code_start = i;
            }
            in_code = !in_code;
            i += 1;
            continue;
        }
        if in_code {
            code.push(line);
            i += 1;
            continue;
        }
        if t.is_empty() || t.chars().all(|c| "=-_".contains(c)) {
            i += 1;
            continue;
        }
        if let Some((level, number, title)) = is_heading(line, lines.get(i + 1).copied()) {
            out.push(Located {
                elem: Elem::Heading {
                    level,
                    number,
                    title,
                },
                prov: prov(i, i),
            });
            i += 1;
            continue;
        }
        if CAPTION.is_match(t) {
            out.push(Located {
                elem: Elem::Caption(t.to_string()),
                prov: prov(i, i),
            });
            i += 1;
            continue;
        }
        let bullet = t.starts_with(['•', '-', '*', '–', '◦', '▪']);
        if let Some((end, header, rows)) = table_at(&lines, i).filter(|_| !bullet) {
            out.push(Located {
                elem: Elem::Table { header, rows },
                prov: prov(i, end.saturating_sub(1)),
            });
            i = end;
            continue;
        }
        if let Some(c) = ITEM.captures(t) {
            let start = i;
            let mut parts = vec![c.get(1).map_or("", |m| m.as_str())];
            let indent = line.len() - line.trim_start().len();
            i += 1;
            while i < lines.len() {
                let l = lines[i];
                let li = l.len() - l.trim_start().len();
                if l.trim().is_empty() || ITEM.is_match(l.trim()) || li <= indent {
                    break;
                }
                parts.push(l);
                i += 1;
            }
            out.push(Located {
                elem: Elem::Item(join_lines(&parts)),
                prov: prov(start, i - 1),
            });
            continue;
        }
        // a paragraph: up to a blank line or something else
        let start = i;
        let mut parts = vec![line];
        i += 1;
        while i < lines.len() {
            let l = lines[i];
            let lt = l.trim();
            if lt.is_empty()
                || is_heading(l, lines.get(i + 1).copied()).is_some()
                || CAPTION.is_match(lt)
                || ITEM.is_match(lt)
                || lt.starts_with("```")
                || table_at(&lines, i).is_some_and(|(_, h, _)| h.len() >= 2 && cells(l).len() >= 3)
            {
                break;
            }
            parts.push(l);
            i += 1;
        }
        out.push(Located {
            elem: Elem::Para(join_lines(&parts)),
            prov: prov(start, i - 1),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_tables_items_and_paragraphs() {
        let text = "2.1 Core Parameters\n\nThe core has a configu-\nrable divider and a\nsmall FIFO.\n\nTable 2: Parameters\nName        Type      Default   Description\nCLK_DIV     integer   16        Clock cycles per bit;\n                                must be at least 4\nDEPTH       integer   8         FIFO depth\n\n- first point\n- second point that is\n  wrapped\n";
        let e = read_page(text, Some(3));
        let kinds: Vec<&Elem> = e.iter().map(|l| &l.elem).collect();
        assert!(
            matches!(kinds[0], Elem::Heading { number: Some(n), title, .. } if n == "2.1" && title == "Core Parameters")
        );
        assert_eq!(
            kinds[1],
            &Elem::Para("The core has a configurable divider and a small FIFO.".into())
        );
        assert!(matches!(kinds[2], Elem::Caption(c) if c.starts_with("Table 2")));
        match kinds[3] {
            Elem::Table { header, rows } => {
                assert_eq!(header, &["Name", "Type", "Default", "Description"]);
                assert_eq!(rows.len(), 2);
                assert_eq!(rows[0][3], "Clock cycles per bit; must be at least 4");
                assert_eq!(rows[1][0], "DEPTH");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(kinds[4], &Elem::Item("first point".into()));
        assert_eq!(kinds[5], &Elem::Item("second point that is wrapped".into()));
        assert_eq!(
            e[0].prov,
            Provenance {
                page: Some(3),
                line_start: 1,
                line_end: 1
            }
        );
    }

    #[test]
    fn sentences_are_not_headings() {
        assert!(is_heading("3 cycles after reset the core is ready.", None).is_none());
        assert!(is_heading("10 The FIFO", None).is_some());
        assert!(is_heading("Appendix A Register Summary", None).is_some());
        assert!(is_heading("Introduction", Some("============")).is_some());
    }
}
