//! Where a single fault can be planted, found with sv-parser: every binary operator, constant,
//! `if` condition, `?:`, blocking or non-blocking assignment, and assignment under a reset, with
//! the edit that turns it into a plausible bug.

use std::path::Path;

use sv_parser::{Locate, NodeEvent, RefNode, SyntaxTree};

use crate::hdl::{HdlError, TokenSpan, parse_tree, token_span};

/// One possible single edit of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// Byte range replaced.
    pub start: usize,
    pub end: usize,
    /// 1-based line of the edit.
    pub line: u32,
    pub operator: &'static str,
    pub original: String,
    pub mutated: String,
}

impl Site {
    /// The file's text with this edit.
    pub fn apply(&self, text: &str) -> String {
        format!(
            "{}{}{}",
            &text[..self.start],
            self.mutated,
            &text[self.end..]
        )
    }
}

/// Every site of `text` (named `path` in messages), in file order.
pub fn sites(text: &str, path: &Path) -> Result<Vec<Site>, HdlError> {
    let tree = parse_tree(text, path).map_err(|e| match e {
        HdlError::Parse {
            path,
            line,
            message,
        } => HdlError::Parse {
            path,
            line,
            message: format!("{message}; sv-parser cannot read it, so no mutation sites are known"),
        },
        other => other,
    })?;
    let mut out = Vec::new();
    let mut in_size = 0usize;
    let mut ctx = Ctx {
        tree: &tree,
        text,
        out: &mut out,
    };
    for ev in tree.into_iter().event() {
        let n = match ev {
            NodeEvent::Enter(RefNode::Size(_)) => {
                in_size += 1;
                continue;
            }
            NodeEvent::Leave(RefNode::Size(_)) => {
                in_size -= 1;
                continue;
            }
            NodeEvent::Enter(n) => n,
            NodeEvent::Leave(_) => continue,
        };
        match n {
            RefNode::BinaryOperator(x) => {
                let l = &x.nodes.0.nodes.0;
                let swaps: &[&str] = match ctx.at(l).as_str() {
                    "&" => &["|", "^"],
                    "|" => &["&", "^"],
                    "^" => &["&", "|"],
                    "+" => &["-"],
                    "-" => &["+"],
                    "==" => &["!="],
                    "!=" => &["=="],
                    "<" => &[">"],
                    ">" => &["<"],
                    "&&" => &["||"],
                    "||" => &["&&"],
                    _ => &[],
                };
                for s in swaps {
                    ctx.edit(l, "binary-operator", s.to_string());
                }
            }
            RefNode::BinaryValue(x) => {
                let l = &x.nodes.0;
                let v = ctx.at(l);
                if let Some(i) = v.rfind(['0', '1']) {
                    let mut b = v.clone().into_bytes();
                    b[i] = if b[i] == b'0' { b'1' } else { b'0' };
                    ctx.edit(l, "bit-flip", String::from_utf8(b).unwrap_or(v));
                }
            }
            RefNode::HexValue(x) => ctx.off_by_one(&x.nodes.0, 16),
            RefNode::UnsignedNumber(x) if in_size == 0 => ctx.off_by_one(&x.nodes.0, 10),
            RefNode::ConditionalStatement(x) => {
                let cond = token_span(&tree, RefNode::CondPredicate(&x.nodes.2.nodes.1));
                let reset = cond
                    .as_ref()
                    .is_some_and(|c| is_reset_condition(&c.tokens.concat()));
                ctx.range(cond, "inverted-if", |t| format!("!({t})"));
                // an assignment under a reset condition, dropped
                if reset {
                    for st in RefNode::StatementOrNull(&x.nodes.3) {
                        if let RefNode::NonblockingAssignment(_) | RefNode::BlockingAssignment(_) =
                            st
                        {
                            let a = token_span(&tree, st);
                            ctx.range(a, "dropped-reset-assignment", |_| String::new());
                        }
                    }
                }
            }
            RefNode::ConditionalExpression(x) => {
                let a = token_span(&tree, RefNode::Expression(&x.nodes.3));
                let b = token_span(&tree, RefNode::Expression(&x.nodes.5));
                if let (Some(a), Some(b)) = (a, b)
                    && a.end <= b.start
                    && ctx.agrees(&a)
                    && ctx.agrees(&b)
                {
                    let t = |s: usize, e: usize| &text[s..e];
                    ctx.out.push(Site {
                        start: a.start,
                        end: b.end,
                        line: a.line,
                        operator: "swapped-ternary",
                        original: t(a.start, b.end).to_string(),
                        mutated: format!(
                            "{}{}{}",
                            t(b.start, b.end),
                            t(a.end, b.start),
                            t(a.start, a.end)
                        ),
                    });
                }
            }
            RefNode::NonblockingAssignment(x) => {
                ctx.edit(&x.nodes.1.nodes.0, "blocking-swap", "=".into());
            }
            RefNode::AssignmentOperator(x) => {
                let l = &x.nodes.0.nodes.0;
                if ctx.at(l) == "=" {
                    ctx.edit(l, "blocking-swap", "<=".into());
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

struct Ctx<'a> {
    tree: &'a SyntaxTree,
    text: &'a str,
    out: &'a mut Vec<Site>,
}

impl Ctx<'_> {
    fn at(&self, l: &Locate) -> String {
        self.tree.get_str(l).unwrap_or("").to_string()
    }

    /// Replace the token at `l` — only where the parsed text and the file agree (a macro or
    /// an include shifts the preprocessed text).
    fn edit(&mut self, l: &Locate, operator: &'static str, mutated: String) {
        let original = self.at(l);
        if self.text.get(l.offset..l.offset + l.len) != Some(original.as_str()) {
            return;
        }
        self.out.push(Site {
            start: l.offset,
            end: l.offset + l.len,
            line: l.line,
            operator,
            original,
            mutated,
        });
    }

    /// Whether the file's text at `sp` is the parsed tokens (a macro or an include shifts the
    /// parsed text away from the file's).
    fn agrees(&self, sp: &TokenSpan) -> bool {
        self.text
            .get(sp.start..sp.end)
            .is_some_and(|t| t.split_whitespace().collect::<String>() == sp.tokens.concat())
    }

    /// Replace the whole span (given the text it covers) — only where the parsed text and the
    /// file agree, as for a single token.
    fn range(
        &mut self,
        span: Option<TokenSpan>,
        operator: &'static str,
        mutated: impl FnOnce(&str) -> String,
    ) {
        let Some(sp) = span.filter(|sp| self.agrees(sp)) else {
            return;
        };
        let original = &self.text[sp.start..sp.end];
        self.out.push(Site {
            start: sp.start,
            end: sp.end,
            line: sp.line,
            operator,
            mutated: mutated(original),
            original: original.to_string(),
        });
    }

    /// A constant one more and one less (a digit string in `radix`, `_` allowed).
    fn off_by_one(&mut self, l: &Locate, radix: u32) {
        let t = self.at(l);
        let digits: String = t.chars().filter(|c| *c != '_').collect();
        let Ok(v) = u64::from_str_radix(&digits, radix) else {
            return;
        };
        let fmt = |x: u64| {
            if radix == 16 {
                format!("{x:x}")
            } else {
                x.to_string()
            }
        };
        self.edit(l, "constant", fmt(v.wrapping_add(1)));
        if v > 0 {
            self.edit(l, "constant", fmt(v - 1));
        }
    }
}

/// `rst`, `reset`, `rst_n`, `!rst_n`, `areset`… as the whole condition.
fn is_reset_condition(cond: &str) -> bool {
    let c: String = cond
        .chars()
        .filter(|ch| !ch.is_whitespace() && *ch != '!' && *ch != '~')
        .collect();
    let c = c.to_ascii_lowercase();
    c.contains("rst") || c.contains("reset")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operator_finds_its_sites() {
        let src = "module m(input clk, input rst, input [3:0] a, b, output reg [3:0] q, output y);\n\
                   assign y = (a == b) ? a[0] & b[0] : 1'b0;\n\
                   always @(posedge clk) begin\n\
                     if (rst) q <= 4'hA;\n\
                     else q <= a + 4'd3;\n\
                   end\n\
                   endmodule\n";
        let s = sites(src, Path::new("m.v")).unwrap();
        let ops = |op: &str| s.iter().filter(|x| x.operator == op).count();
        assert!(ops("binary-operator") >= 4, "{s:#?}");
        assert_eq!(ops("swapped-ternary"), 1);
        assert_eq!(ops("inverted-if"), 1);
        assert_eq!(ops("dropped-reset-assignment"), 1);
        assert_eq!(ops("blocking-swap"), 2);
        assert!(ops("bit-flip") >= 1 && ops("constant") >= 2);
        for site in &s {
            let m = site.apply(src);
            assert_ne!(m, src, "{site:?}");
            assert_eq!(&src[site.start..site.end], site.original);
        }
        let t = s.iter().find(|x| x.operator == "swapped-ternary").unwrap();
        assert_eq!(t.mutated, "1'b0 : a[0] & b[0]");
        let d = s
            .iter()
            .find(|x| x.operator == "dropped-reset-assignment")
            .unwrap();
        assert_eq!((d.original.as_str(), d.line), ("q <= 4'hA", 4));
    }
}
