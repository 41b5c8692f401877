//! Waveforms as pictures: a [`WaveTable`] drawn as a self-contained SVG (1-bit signals as
//! lines, buses as hex segments, unknown values hatched red, samples that differ from the
//! expected values marked with the expected value beneath), and the table of a window of a
//! VCD file for `rtlsmith wave`.

use std::fmt::Write as _;
use std::path::Path;

use super::wave::{self, Waves};
use super::{WaveRow, WaveTable};

/// At most this many time steps are drawn from a VCD window.
pub const MAX_STEPS: usize = 400;

const ROW: f64 = 30.0;
/// A row with expected values is taller: the expected value is written under a mismatch.
const ROW_EXPECTED: f64 = 44.0;
const HEAD: f64 = 34.0;
const PAD: f64 = 8.0;

/// Text escaped for XML and HTML.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

fn is_bit(row: &WaveRow) -> bool {
    match row.width {
        1 => true,
        0 => row
            .values
            .iter()
            .all(|v| matches!(v.as_str(), "0" | "1" | "x" | "z" | "X" | "Z" | "-")),
        _ => false,
    }
}

/// An expected value that says something (not unknown, not unrecorded).
fn known(v: &str) -> bool {
    !v.is_empty() && v != "-" && !v.chars().all(|c| matches!(c, 'x' | 'X'))
}

/// The samples of `row` that differ from a known expected value.
pub fn mismatches(row: &WaveRow) -> Vec<usize> {
    let Some(e) = &row.expected else {
        return Vec::new();
    };
    (0..row.values.len())
        .filter(|&i| e.get(i).is_some_and(|x| known(x) && *x != row.values[i]))
        .collect()
}

/// The table as an SVG picture. `mark`: the time step to mark (the first mismatch).
pub fn render(t: &WaveTable, mark: Option<usize>, title: &str) -> String {
    let name_w = t
        .signals
        .iter()
        .map(|s| s.name.chars().count())
        .chain(std::iter::once(t.timescale.len() + 7))
        .max()
        .unwrap_or(4)
        .max(4) as f64
        * 7.4
        + 2.0 * PAD;
    let longest = t
        .signals
        .iter()
        .flat_map(|s| s.values.iter().chain(s.expected.iter().flatten()))
        .map(|v| v.len())
        .chain(t.times.iter().map(|x| x.to_string().len().min(8)))
        .max()
        .unwrap_or(1) as f64;
    // room for "exp VALUE" under a mismatch
    let min = if t.signals.iter().any(|s| s.expected.is_some()) {
        44.0
    } else {
        28.0
    };
    let col = (longest * 7.2 + 14.0).clamp(min, 140.0);
    let rows_h: f64 = t
        .signals
        .iter()
        .map(|s| {
            if s.expected.is_some() {
                ROW_EXPECTED
            } else {
                ROW
            }
        })
        .sum();
    let width = name_w + col * t.times.len() as f64 + PAD;
    let height = HEAD + rows_h + PAD + 16.0;
    let x_of = |i: usize| name_w + col * i as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="wave" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="ui-monospace,Menlo,Consolas,monospace" font-size="12"><title>{}</title><rect width="100%" height="100%" fill="#fff"/>"##,
        esc(title)
    );
    // time axis: a label every few columns so they do not overlap
    let every = ((t
        .times
        .iter()
        .map(|x| x.to_string().len())
        .max()
        .unwrap_or(1) as f64
        * 7.0
        + 6.0)
        / col)
        .ceil()
        .max(1.0) as usize;
    let _ = write!(
        s,
        r##"<text x="{PAD}" y="16" fill="#555">time{}</text>"##,
        if t.timescale.is_empty() {
            String::new()
        } else {
            format!(" ({})", esc(&t.timescale))
        }
    );
    for (i, tm) in t.times.iter().enumerate() {
        let x = x_of(i);
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" y1="{HEAD}" x2="{x:.1}" y2="{:.1}" stroke="#eee"/>"##,
            HEAD + rows_h
        );
        if i % every == 0 {
            let _ = write!(
                s,
                r##"<text class="time" x="{:.1}" y="16" fill="#555">{tm}</text>"##,
                x + 2.0
            );
        }
    }
    if let Some(m) = mark.filter(|m| *m < t.times.len()) {
        let x = x_of(m);
        let _ = write!(
            s,
            r##"<rect class="first-mismatch" data-time="{}" x="{x:.1}" y="{:.1}" width="{col:.1}" height="{:.1}" fill="#fde2e2"/><line x1="{x:.1}" y1="20" x2="{x:.1}" y2="{:.1}" stroke="#c00" stroke-dasharray="4 3"/>"##,
            t.times[m],
            HEAD - 6.0,
            rows_h + 6.0,
            HEAD + rows_h
        );
    }
    let mut y = HEAD;
    for row in &t.signals {
        let h = if row.expected.is_some() {
            ROW_EXPECTED
        } else {
            ROW
        };
        let _ = write!(
            s,
            r##"<g class="signal" data-signal="{}" transform="translate(0,{y:.1})"><text x="{PAD}" y="19" fill="#222">{}</text>"##,
            esc(&row.name),
            esc(&row.name)
        );
        let (top, bot) = (5.0, ROW - 7.0);
        let mid = (top + bot) / 2.0;
        if is_bit(row) {
            let mut path = String::new();
            let mut prev: Option<f64> = None;
            for (i, v) in row.values.iter().enumerate() {
                let (x0, x1) = (x_of(i), x_of(i + 1));
                let level = match v.as_str() {
                    "1" => Some(top),
                    "0" => Some(bot),
                    "z" | "Z" => Some(mid),
                    _ => None,
                };
                match level {
                    Some(l) => {
                        match prev {
                            Some(_) => {
                                let _ = write!(path, "L{x0:.1},{l:.1}");
                            }
                            None => {
                                let _ = write!(path, "M{x0:.1},{l:.1}");
                            }
                        }
                        let _ = write!(path, "L{x1:.1},{l:.1}");
                    }
                    None if v == "-" => {}
                    None => {
                        let _ = write!(
                            s,
                            r##"<rect class="unknown" x="{x0:.1}" y="{top}" width="{col:.1}" height="{:.1}" fill="#f4b4b4"/>"##,
                            bot - top
                        );
                    }
                }
                prev = level;
            }
            if !path.is_empty() {
                let _ = write!(
                    s,
                    r##"<path d="{path}" fill="none" stroke="#0a7d28" stroke-width="1.6"/>"##
                );
            }
        } else {
            let mut i = 0;
            while i < row.values.len() {
                let v = &row.values[i];
                let mut j = i + 1;
                while j < row.values.len() && row.values[j] == *v {
                    j += 1;
                }
                if v != "-" {
                    let (x0, x1) = (x_of(i), x_of(j));
                    let k = 3.0_f64.min((x1 - x0) / 2.0);
                    let unknown = v.contains(['x', 'X']);
                    let _ = write!(
                        s,
                        r##"<polygon class="{}" points="{x0:.1},{mid:.1} {:.1},{top} {:.1},{top} {x1:.1},{mid:.1} {:.1},{bot} {:.1},{bot}" fill="{}" stroke="#0a7d28"/>"##,
                        if unknown { "unknown" } else { "bus" },
                        x0 + k,
                        x1 - k,
                        x1 - k,
                        x0 + k,
                        if unknown { "#f4b4b4" } else { "#e6f4ea" }
                    );
                    if (v.len() as f64) * 7.2 < x1 - x0 - 4.0 {
                        let _ = write!(
                            s,
                            r##"<text class="value" x="{:.1}" y="{:.1}" text-anchor="middle" fill="#111">{}</text>"##,
                            (x0 + x1) / 2.0,
                            mid + 4.0,
                            esc(v)
                        );
                    }
                }
                i = j;
            }
        }
        if let Some(e) = &row.expected {
            for i in mismatches(row) {
                let x = x_of(i);
                let _ = write!(
                    s,
                    r##"<rect class="mismatch" data-time="{}" data-expected="{}" data-actual="{}" x="{:.1}" y="1" width="{:.1}" height="{:.1}" fill="none" stroke="#c00" stroke-width="2"/><text class="expected" x="{:.1}" y="{:.1}" text-anchor="middle" fill="#c00" font-size="10">{}</text>"##,
                    t.times[i],
                    esc(&e[i]),
                    esc(&row.values[i]),
                    x + 1.0,
                    col - 2.0,
                    h - 3.0,
                    x + col / 2.0,
                    h - 4.0,
                    esc(&format!("exp {}", e[i]))
                );
            }
        }
        s.push_str("</g>");
        y += h;
    }
    let _ = write!(
        s,
        r##"<text x="{PAD}" y="{:.1}" fill="#777" font-size="10">red box: differs from the expected value (written beneath); red fill: unknown (x)</text></svg>"##,
        height - 5.0
    );
    s
}

/// The table as text, one line per time step (columns: time, then each signal; the expected
/// value in brackets where it differs).
pub fn text(t: &WaveTable) -> String {
    let mut head = vec!["time".to_string()];
    head.extend(t.signals.iter().map(|s| s.name.clone()));
    let mut rows = vec![head];
    for (i, tm) in t.times.iter().enumerate() {
        let mut r = vec![tm.to_string()];
        for s in &t.signals {
            let v = &s.values[i];
            r.push(match &s.expected {
                Some(e) if known(&e[i]) && e[i] != *v => format!("{v}[{}]", e[i]),
                _ => v.clone(),
            });
        }
        rows.push(r);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].len()).max().unwrap_or(1))
        .collect();
    let mut out = String::new();
    for r in rows {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v:>w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// A signal of a VCD by name: the full hierarchical name, or the shortest one ending in
/// `.NAME`.
pub fn resolve<'a>(waves: &'a Waves, name: &str) -> Result<&'a str, String> {
    if let Some((k, _)) = waves.vars.get_key_value(name) {
        return Ok(k);
    }
    let suffix = format!(".{name}");
    let mut hits: Vec<&str> = waves
        .vars
        .keys()
        .filter(|k| k.ends_with(&suffix))
        .map(|k| k.as_str())
        .collect();
    hits.sort_by_key(|k| (k.matches('.').count(), *k));
    hits.first().copied().ok_or_else(|| {
        let mut all: Vec<&str> = waves.vars.keys().map(|k| k.as_str()).collect();
        all.sort();
        all.truncate(20);
        format!(
            "no signal `{name}` in the VCD; it has: {}",
            if all.is_empty() {
                "no variables".to_string()
            } else {
                all.join(", ")
            }
        )
    })
}

/// What `rtlsmith wave` draws: `signals` (names as [`resolve`] takes them), each optionally
/// with the signal holding its expected values, over the time steps in `from..=to`.
pub struct WindowRequest<'a> {
    pub signals: &'a [String],
    pub expected: &'a [(String, String)],
    pub from: Option<u64>,
    pub to: Option<u64>,
}

/// The table of a VCD window, and notes (a window cut to [`MAX_STEPS`]).
pub fn window(path: &Path, req: &WindowRequest) -> Result<(WaveTable, Vec<String>), String> {
    // the names are resolved against the header (read up to the first time step), then only
    // those signals are kept
    let header = Waves::read(path, &|_| true, 0)?;
    let mut wanted: Vec<(String, Option<String>)> = Vec::new();
    for name in req.signals {
        let e = match req.expected.iter().find(|(a, _)| a == name) {
            Some((_, e)) => Some(resolve(&header, e)?.to_string()),
            None => None,
        };
        wanted.push((resolve(&header, name)?.to_string(), e));
    }
    let keep: std::collections::BTreeSet<&str> = wanted
        .iter()
        .flat_map(|(a, e)| std::iter::once(a.as_str()).chain(e.as_deref()))
        .collect();
    let from = req.from.unwrap_or(0);
    let to = req.to.unwrap_or(u64::MAX);
    if from > to {
        return Err(format!("--from {from} is after --to {to}"));
    }
    let all = Waves::read_window(path, &|n| keep.contains(n), 512 << 20, (from, to))?;
    let mut notes = Vec::new();
    if let Some(t) = all.truncated_at {
        notes.push(format!("the VCD is large: read up to time {t}"));
    }
    let mut tis: Vec<u32> = (0..all.times.len() as u32)
        .filter(|i| (from..=to).contains(&all.times[*i as usize]))
        .collect();
    if tis.is_empty() {
        return Err(format!(
            "no time step of {} lies in {from}..{} (the times are in the VCD's units, its timescale is {})",
            path.display(),
            if to == u64::MAX {
                "end".to_string()
            } else {
                to.to_string()
            },
            if all.timescale.is_empty() {
                "not given"
            } else {
                &all.timescale
            }
        ));
    }
    if tis.len() > MAX_STEPS {
        notes.push(format!(
            "{} time steps in the window; drawn: the first {MAX_STEPS} (narrow --from/--to)",
            tis.len()
        ));
        tis.truncate(MAX_STEPS);
    }
    let show = |full: &str| -> Vec<String> {
        tis.iter()
            .map(|ti| {
                all.full(full, *ti)
                    .map(|d| wave::hex(&d))
                    .unwrap_or_else(|| "-".into())
            })
            .collect()
    };
    let mut rows = Vec::new();
    for (name, (full, e)) in req.signals.iter().zip(&wanted) {
        rows.push(WaveRow {
            name: name.clone(),
            width: all.vars.get(full).map_or(0, |t| all.tracks[*t].width),
            values: show(full),
            expected: e.as_deref().map(show),
        });
    }
    let first = rows
        .iter()
        .filter_map(|r| mismatches(r).first().copied())
        .min()
        .unwrap_or(0);
    Ok((
        WaveTable {
            times: tis.iter().map(|i| all.times[*i as usize]).collect(),
            signals: rows,
            first,
            timescale: all.timescale.clone(),
        },
        notes,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> WaveTable {
        WaveTable {
            times: vec![0, 5, 10, 15],
            signals: vec![
                WaveRow {
                    name: "clk".into(),
                    width: 1,
                    values: vec!["0".into(), "1".into(), "0".into(), "1".into()],
                    expected: None,
                },
                WaveRow {
                    name: "q<".into(),
                    width: 4,
                    values: vec!["x".into(), "2".into(), "2".into(), "3".into()],
                    expected: Some(vec!["x".into(), "2".into(), "3".into(), "3".into()]),
                },
            ],
            first: 2,
            timescale: "1ps".into(),
        }
    }

    #[test]
    fn draws_lines_buses_and_marks_mismatches() {
        let svg = render(&table(), Some(2), "t");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains(r#"data-signal="clk""#));
        // names are escaped
        assert!(svg.contains(r#"data-signal="q&lt;""#));
        // the bus's known values are written, the unknown one is hatched
        assert!(svg.contains(">2</text>") && svg.contains(r#"class="unknown""#));
        // one mismatch, at time 10, with the expected value beneath
        assert_eq!(svg.matches(r#"class="mismatch""#).count(), 1);
        assert!(svg.contains(r#"data-time="10" data-expected="3" data-actual="2""#));
        assert!(svg.contains(">exp 3</text>"));
        assert!(svg.contains(r#"class="first-mismatch" data-time="10""#));
    }

    #[test]
    fn unknown_expected_values_are_not_mismatches() {
        let t = table();
        assert_eq!(mismatches(&t.signals[1]), vec![2]);
        assert!(mismatches(&t.signals[0]).is_empty());
    }
}
