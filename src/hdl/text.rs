//! Token-level reading of Verilog: comments and strings, module and instance names, renaming,
//! a port summary. It needs no parser to accept the text, so it serves where a candidate must
//! be judged even when it does not parse (a model's half-written module, a deliberately odd
//! one); everything that can wait for a parse uses [`super::parse`] instead.

use std::sync::LazyLock;

use regex::Regex;

/// Remove `//` and `/* */` comments, keeping line structure and string literals.
pub fn strip_comments(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let mut in_str = false;
    while i < b.len() {
        let c = b[i];
        if in_str {
            out.push(c as char);
            if c == b'\\' && i + 1 < b.len() {
                out.push(b[i + 1] as char);
                i += 2;
                continue;
            }
            if c == b'"' || c == b'\n' {
                in_str = false;
            }
            i += 1;
        } else if c == b'"' {
            in_str = true;
            out.push('"');
            i += 1;
        } else if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                if b[i] == b'\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 2;
        } else {
            // keep non-ASCII bytes as they are (push the whole UTF-8 sequence)
            let ch_len = utf8_len(c);
            out.push_str(&String::from_utf8_lossy(&b[i..(i + ch_len).min(b.len())]));
            i += ch_len;
        }
    }
    out
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xff => 4,
        _ => 1,
    }
}

/// Remove string literals' contents (after comments are gone).
pub fn strip_strings(src: &str) -> String {
    static STR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#""(?:[^"\\\n]|\\.)*""#).unwrap());
    STR.replace_all(src, "\"\"").into_owned()
}

static MODULE_DECL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^\s*module\s+([A-Za-z_][A-Za-z0-9_$]*)").unwrap());

/// Names of the modules a source declares, in order.
pub fn declared_modules(src: &str) -> Vec<String> {
    let clean = strip_comments(src);
    MODULE_DECL
        .captures_iter(&clean)
        .map(|c| c[1].to_string())
        .collect()
}

/// Rename the declaration `module from` to `module to` (whole word only).
pub fn rename_module(src: &str, from: &str, to: &str) -> String {
    let re = Regex::new(&format!(r"\bmodule(\s+){}\b", regex::escape(from))).unwrap();
    re.replace_all(src, |c: &regex::Captures| format!("module{}{to}", &c[1]))
        .into_owned()
}

static INSTANCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?m)^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:#\s*\([^;]*?\))?\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(",
    )
    .unwrap()
});

const NOT_MODULES: &[&str] = &[
    "module",
    "input",
    "output",
    "inout",
    "wire",
    "reg",
    "logic",
    "assign",
    "always",
    "initial",
    "if",
    "else",
    "for",
    "while",
    "case",
    "casez",
    "casex",
    "function",
    "task",
    "begin",
    "end",
    "return",
    "integer",
    "int",
    "bit",
    "repeat",
    "forever",
    "final",
    "generate",
    "genvar",
    "localparam",
    "parameter",
    "typedef",
    "automatic",
    "default",
    "posedge",
    "negedge",
    "or",
    "and",
    "not",
    "wait",
    "fork",
    "join",
];

/// `(module, instance)` pairs instantiated in `src` (gate primitives and keywords excluded).
pub fn instantiations(src: &str) -> Vec<(String, String)> {
    let clean = strip_comments(src);
    INSTANCE
        .captures_iter(&clean)
        .filter(|c| !NOT_MODULES.contains(&&c[1]) && !NOT_MODULES.contains(&&c[2]))
        .map(|c| (c[1].to_string(), c[2].to_string()))
        .collect()
}

/// A one-line port summary of the first module header in `src`: `in: a[7:0], b; out: y`.
pub fn summarize_ports(src: &str) -> String {
    let clean = strip_comments(src);
    let Some(m) = MODULE_DECL.find(&clean) else {
        return String::new();
    };
    let rest = &clean[m.end()..];
    // skip a parameter list `#( ... )`, then take the port list up to `);`
    let rest = match rest.trim_start().strip_prefix('#') {
        Some(r) => {
            let mut depth = 0;
            let mut end = 0;
            for (i, ch) in r.char_indices() {
                match ch {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = i + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            &r[end..]
        }
        None => rest,
    };
    let Some(open) = rest.find('(') else {
        return String::new();
    };
    let header = &rest[open + 1..rest.find(");").unwrap_or(rest.len())];
    // non-ANSI headers name the ports only; their directions are declared in the body
    let body_decls: String;
    let body = if ["input", "output", "inout"]
        .iter()
        .any(|k| header.contains(k))
    {
        header
    } else {
        static DECL: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"(?m)^\s*(?:input|output|inout)\b[^;]*;").unwrap());
        let end = rest.find("endmodule").unwrap_or(rest.len());
        body_decls = DECL
            .find_iter(&rest[..end])
            .map(|m| m.as_str().trim_end_matches(';').trim().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        &body_decls
    };
    let mut ins = Vec::new();
    let mut outs = Vec::new();
    let mut dir = "";
    let mut width = String::new();
    for seg in body.split(',') {
        let seg = seg.trim();
        let words: Vec<&str> = seg.split_whitespace().collect();
        if let Some(d) = words
            .iter()
            .find(|w| ["input", "output", "inout"].contains(w))
        {
            dir = d;
            width = match (seg.find('['), seg.rfind(']')) {
                (Some(a), Some(b)) if b > a => seg[a..=b].replace(' ', ""),
                _ => String::new(),
            };
        }
        let name: String = seg
            .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .find(|w| !w.is_empty())
            .unwrap_or("")
            .to_string();
        if name.is_empty() || dir.is_empty() {
            continue;
        }
        let item = format!("{name}{width}");
        if dir == "input" {
            ins.push(item);
        } else {
            outs.push(item);
        }
    }
    format!("in: {}; out: {}", ins.join(", "), outs.join(", "))
}
