//! A candidate fix is a whole module or whole always blocks, never a line patch: this puts it
//! into the design's text (the module of the same name replaced; an always block replaces the
//! block with the same event control, or the only one).

use std::sync::LazyLock;

use regex::Regex;

/// The text with comments and strings blanked byte for byte (offsets stay those of `src`).
fn mask(src: &str) -> Vec<u8> {
    let b = src.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                out[i] = b' ';
                i += 1;
            }
        } else if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                if b[i] != b'\n' {
                    out[i] = b' ';
                }
                i += 1;
            }
            let stop = (i + 2).min(b.len());
            out[i..stop].fill(b' ');
            i += 2;
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                out[i] = b' ';
                if b[i] == b'\\' && i + 1 < b.len() {
                    out[i + 1] = b' ';
                    i += 1;
                }
                i += 1;
            }
            i += 1;
        } else {
            if !b[i].is_ascii() {
                out[i] = b' ';
            }
            i += 1;
        }
    }
    out
}

static MODULE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bmodule\s+([A-Za-z_][A-Za-z0-9_$]*)").unwrap());
static ENDMODULE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\bendmodule\b").unwrap());
static ALWAYS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\balways(_ff|_comb|_latch)?\b").unwrap());
static ITEM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(always(_ff|_comb|_latch)?|assign|initial|endmodule|wire|reg|logic|integer|localparam|parameter|genvar|generate|function|task)\b").unwrap()
});
static BEGIN_END: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b(begin|end)\b").unwrap());

/// Byte ranges of each module: (name, start, end after `endmodule`).
fn modules(src: &str) -> Vec<(String, usize, usize)> {
    let m = String::from_utf8(mask(src)).unwrap_or_default();
    let mut out = Vec::new();
    for c in MODULE.captures_iter(&m) {
        let start = c.get(0).map_or(0, |x| x.start());
        if let Some(e) = ENDMODULE.find_at(&m, start) {
            out.push((c[1].to_string(), start, e.end()));
        }
    }
    out
}

/// The always blocks of `src[from..to]`: (start, end, normalized header).
fn always_blocks(src: &str, from: usize, to: usize) -> Vec<(usize, usize, String)> {
    let m = String::from_utf8(mask(src)).unwrap_or_default();
    let mut out = Vec::new();
    let mut pos = from;
    while let Some(a) = ALWAYS.find_at(&m, pos) {
        if a.start() >= to {
            break;
        }
        // the event control: `@(...)`, `@*` or nothing (always_comb)
        let mut i = a.end();
        let bytes = m.as_bytes();
        while i < to && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i < to && bytes[i] == b'@' {
            i += 1;
            while i < to && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < to && bytes[i] == b'(' {
                let mut depth = 0;
                while i < to {
                    match bytes[i] {
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                i += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
            } else if i < to && bytes[i] == b'*' {
                i += 1;
            }
        }
        let header: String = m[a.start()..i]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let mut j = i;
        while j < to && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        let end = if m[j..to].starts_with("begin")
            && !m[j + 5..to].starts_with(|c: char| c.is_alphanumeric() || c == '_')
        {
            let mut depth = 0i32;
            let mut e = to;
            for t in BEGIN_END.find_iter(&m[j..to]) {
                depth += if t.as_str() == "begin" { 1 } else { -1 };
                if depth == 0 {
                    e = j + t.end();
                    break;
                }
            }
            e
        } else {
            ITEM.find_at(&m, j).map_or(to, |x| x.start().min(to))
        };
        out.push((a.start(), end, header));
        pos = end.max(a.end());
    }
    out
}

/// Put a reply into `design`, whose module `target` is being repaired: whole modules replace
/// their namesakes (one of them must be `target`); otherwise always blocks replace the blocks
/// of `target` with the same event control (or its only one). Err says why the reply is not a
/// usable fix.
pub fn splice(design: &str, target: &str, reply: &str) -> Result<String, String> {
    let mods = modules(reply);
    if !mods.is_empty() {
        if !mods.iter().any(|(n, _, _)| n == target) {
            return Err(format!(
                "the reply defines {} but not {target}",
                mods.iter()
                    .map(|m| m.0.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let mut out = design.to_string();
        for (name, s, e) in &mods {
            let new = &reply[*s..*e];
            match modules(&out).into_iter().find(|(n, _, _)| n == name) {
                Some((_, ds, de)) => out.replace_range(ds..de, new),
                None if name == target => {
                    return Err(format!("the design has no module {target}"));
                }
                None => {
                    out.push('\n');
                    out.push_str(new);
                    out.push('\n');
                }
            }
        }
        return Ok(out);
    }
    let blocks = always_blocks(reply, 0, reply.len());
    if blocks.is_empty() {
        return Err("the reply is neither a whole module nor whole always blocks".into());
    }
    let mut out = design.to_string();
    for (s, e, header) in blocks.iter().rev() {
        let new = reply[*s..*e].trim_end().to_string();
        let (_, ms, me) = modules(&out)
            .into_iter()
            .find(|(n, _, _)| n == target)
            .ok_or_else(|| format!("the design has no module {target}"))?;
        let existing = always_blocks(&out, ms, me);
        let same: Vec<_> = existing.iter().filter(|b| &b.2 == header).collect();
        let (ds, de) = match (same.as_slice(), existing.as_slice()) {
            ([one], _) => (one.0, one.1),
            ([], [only]) => (only.0, only.1),
            _ => {
                return Err(format!(
                    "an always block of the reply (`{header}`) matches no single block of {target}: reply with the whole module"
                ));
            }
        };
        let tail = out[ds..de].len() - out[ds..de].trim_end().len();
        out.replace_range(ds..de - tail, &new);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DESIGN: &str = "// top\nmodule TopModule(input clk, input reset, input [7:0] d, output reg [7:0] q);\n  always @(posedge clk) begin\n    if (reset) q <= 8'd1; // wrong\n    else q <= d;\n  end\nendmodule\n\nmodule helper(input a, output b);\n  assign b = a;\nendmodule\n";

    #[test]
    fn whole_module_replaces_its_namesake() {
        let reply = "module TopModule(input clk, input reset, input [7:0] d, output reg [7:0] q);\n  always @(posedge clk) q <= reset ? 8'd0 : d;\nendmodule";
        let out = splice(DESIGN, "TopModule", reply).unwrap();
        assert!(
            out.contains("reset ? 8'd0 : d") && !out.contains("8'd1"),
            "{out}"
        );
        assert!(out.contains("module helper"), "{out}");
        assert!(splice(DESIGN, "TopModule", "module other; endmodule").is_err());
    }

    #[test]
    fn always_block_replaces_the_block_with_its_event_control() {
        let reply =
            "always @( posedge clk ) begin\n    if (reset) q <= 8'd0;\n    else q <= d;\n  end";
        let out = splice(DESIGN, "TopModule", reply).unwrap();
        assert!(out.contains("q <= 8'd0;") && !out.contains("8'd1"), "{out}");
        assert_eq!(out.matches("always").count(), 1, "{out}");
        assert!(out.contains("endmodule\n\nmodule helper"), "{out}");
        // a block without begin/end, and a design whose block has none
        let d2 = "module m(input clk, input a, output reg y);\n  always @(posedge clk) if (a) y <= 1; else y <= 0;\n  assign z = a;\nendmodule\n";
        let out = splice(d2, "m", "always @(posedge clk) y <= a;").unwrap();
        assert!(
            out.contains("always @(posedge clk) y <= a;\n  assign z = a;"),
            "{out}"
        );
        assert!(splice(DESIGN, "TopModule", "assign q = d;").is_err());
    }
}
