//! The page around a report: one self-contained HTML file (inline CSS, inline script, inline
//! SVG; nothing is fetched), and the small helpers the sections share.

use std::fmt::Write as _;

pub use crate::trace::svg::esc;

const CSS: &str = r#"
:root { --ok:#0a7d28; --bad:#b3261e; --warn:#8a5a00; --mute:#666; --line:#ddd; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1b1b1b; }
header.top { background: #1f2937; color: #fff; padding: 14px 24px; }
header.top h1 { margin: 0; font-size: 20px; }
header.top .sub { color: #cbd5e1; font-size: 13px; }
main { padding: 8px 24px 40px; max-width: 1500px; }
h2 { border-bottom: 1px solid var(--line); padding-bottom: 4px; margin-top: 28px; }
h3 { margin: 18px 0 6px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f3f4f6; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th[data-dir="asc"]::after { content: " \25B2"; font-size: 10px; }
table.sortable th[data-dir="desc"]::after { content: " \25BC"; font-size: 10px; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: var(--ok); font-weight: 600; }
.fail, .error, .compile_error, .timeout, .refused { color: var(--bad); font-weight: 600; }
.skipped { color: var(--mute); }
tr.diff td { background: #fff7d6; }
tr.disagree td { background: #fde2e2; }
.erratum { color: var(--warn); font-weight: 600; }
.scripted { background: #fff0c2; border: 1px solid #e0b100; padding: 2px 6px; border-radius: 3px; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 2px 14px; margin: 8px 0; }
dl.facts dt { color: var(--mute); }
dl.facts dd { margin: 0; }
details { border: 1px solid var(--line); border-radius: 4px; margin: 6px 0; padding: 4px 8px; }
details > summary { cursor: pointer; }
pre { background: #f8f8f8; padding: 8px; overflow: auto; max-height: 420px; font-size: 12px; }
.wavebox { overflow-x: auto; border: 1px solid var(--line); margin: 6px 0; }
.note { color: var(--mute); font-size: 13px; }
.verdict { font-size: 18px; font-weight: 700; }
svg.graph .node rect { fill: #e8f0fe; stroke: #3b6fd8; }
svg.graph .node.failed rect { fill: #fde2e2; stroke: var(--bad); }
svg.graph .node:hover rect { fill: #cfe0ff; }
svg.graph .node { cursor: pointer; }
"#;

const JS: &str = r#"
(function () {
  function key(td) {
    if (!td) return '';
    var v = td.getAttribute('data-sort');
    if (v === null) v = td.textContent.trim();
    var n = parseFloat(v);
    return (v !== '' && !isNaN(n) && isFinite(v)) ? n : v.toLowerCase();
  }
  function sortBy(table, col, dir) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[col]), y = key(b.cells[col]);
      var c = (typeof x === typeof y) ? (x < y ? -1 : x > y ? 1 : 0) : (typeof x === 'number' ? -1 : 1);
      return dir === 'desc' ? -c : c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      if (i === col) th.setAttribute('data-dir', dir); else th.removeAttribute('data-dir');
    });
  }
  document.querySelectorAll('table.sortable').forEach(function (t) {
    Array.prototype.forEach.call(t.tHead.rows[0].cells, function (th, i) {
      th.addEventListener('click', function () {
        sortBy(t, i, th.getAttribute('data-dir') === 'asc' ? 'desc' : 'asc');
      });
    });
  });
  function open(id, scroll) {
    var d = document.getElementById(id);
    if (!d) return;
    d.open = true;
    if (scroll) d.scrollIntoView({block: 'nearest'});
  }
  document.querySelectorAll('[data-open]').forEach(function (n) {
    n.addEventListener('click', function () { open(n.getAttribute('data-open'), true); });
  });
  // #sort=TABLE:COLUMN:asc|desc and #open=ID,ID… (joined with &) as the page loads: a
  // sorted view or an opened record can be linked to
  location.hash.replace(/^#/, '').split('&').forEach(function (part) {
    var kv = part.split('=');
    if (kv[0] === 'sort' && kv[1]) {
      var p = decodeURIComponent(kv[1]).split(':');
      var t = document.getElementById(p[0]);
      if (t) sortBy(t, parseInt(p[1], 10) || 0, p[2] === 'desc' ? 'desc' : 'asc');
    } else if (kv[0] === 'open' && kv[1]) {
      decodeURIComponent(kv[1]).split(',').forEach(function (id) { open(id, false); });
    }
  });
  document.body.setAttribute('data-ready', '1');
})();
"#;

/// The whole page.
pub fn page(title: &str, subtitle: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"generator\" content=\"rtlsmith {}\"><title>{}</title><style>{CSS}</style></head><body><header class=\"top\"><h1>{}</h1><div class=\"sub\">{}</div></header><main>{body}</main><script>{JS}</script></body></html>\n",
        env!("CARGO_PKG_VERSION"),
        esc(title),
        esc(title),
        esc(subtitle)
    )
}

/// A definition list of facts (values already HTML).
pub fn facts(items: &[(&str, String)]) -> String {
    let mut s = String::from("<dl class=\"facts\">");
    for (k, v) in items {
        let _ = write!(s, "<dt>{}</dt><dd>{v}</dd>", esc(k));
    }
    s.push_str("</dl>");
    s
}

/// Text cut to `max` bytes (at a character boundary), saying how much was left out.
pub fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n… ({} more bytes in the file)",
        &text[..end],
        text.len() - end
    )
}

/// A `<pre>` block of escaped, clipped text.
pub fn pre(text: &str) -> String {
    format!("<pre>{}</pre>", esc(&clip(text, 20_000)))
}

/// A horizontal bar chart: one group per label, one bar per series (`values[label][series]`).
pub fn bar_chart(
    id: &str,
    labels: &[(String, String)],
    series: &[String],
    values: &[Vec<usize>],
) -> String {
    const COLORS: [&str; 6] = [
        "#3b6fd8", "#e07b00", "#2e9d5b", "#a23bd8", "#c0392b", "#6b7280",
    ];
    let max = values.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let bar_h = 14.0;
    let group_h = bar_h * series.len() as f64 + 10.0;
    let label_w = labels
        .iter()
        .map(|(_, l)| l.chars().count())
        .max()
        .unwrap_or(4) as f64
        * 7.0
        + 16.0;
    let plot_w = 420.0;
    let legend_h = if series.len() > 1 { 20.0 } else { 0.0 };
    let h = legend_h + group_h * labels.len().max(1) as f64 + 6.0;
    let w = label_w + plot_w + 60.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{}\" class=\"chart\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" font-size=\"12\" font-family=\"system-ui,sans-serif\">",
        esc(id)
    );
    if series.len() > 1 {
        let mut x = label_w;
        for (k, name) in series.iter().enumerate() {
            let _ = write!(
                s,
                "<rect x=\"{x:.0}\" y=\"4\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{:.0}\" y=\"13\">{}</text>",
                COLORS[k % COLORS.len()],
                x + 14.0,
                esc(name)
            );
            x += 24.0 + name.chars().count() as f64 * 7.0;
        }
    }
    if labels.is_empty() {
        let _ = write!(
            s,
            "<text x=\"4\" y=\"{:.0}\" fill=\"#666\">no failures</text>",
            legend_h + 14.0
        );
    }
    for (g, (code, label)) in labels.iter().enumerate() {
        let y0 = legend_h + g as f64 * group_h;
        let _ = write!(
            s,
            "<text x=\"4\" y=\"{:.1}\">{}</text>",
            y0 + group_h / 2.0 + 2.0,
            esc(label)
        );
        for (k, name) in series.iter().enumerate() {
            let v = values[g][k];
            let bw = plot_w * v as f64 / max;
            let y = y0 + 4.0 + k as f64 * bar_h;
            let _ = write!(
                s,
                "<g class=\"bar\" data-code=\"{}\" data-run=\"{k}\" data-count=\"{v}\"><title>{}: {} — {v}</title><rect x=\"{label_w:.1}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\">{v}</text></g>",
                esc(code),
                esc(name),
                esc(label),
                bar_h - 2.0,
                COLORS[k % COLORS.len()],
                label_w + bw + 4.0,
                y + bar_h - 4.0
            );
        }
    }
    s.push_str("</svg>");
    s
}
