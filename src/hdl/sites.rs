//! Where a single fault can be planted, found with sv-parser: every binary operator, constant
//! (widths and slices included), `if` condition, `?:`, blocking or non-blocking assignment,
//! assignment under a reset, signal read (another of the same width), and pair of neighbouring
//! `case` labels, with the edit that turns it into a plausible bug.

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
    let mut widths: Vec<(String, String)> = Vec::new();
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
                if let (Some(a), Some(b)) = (a, b) {
                    ctx.swap(&a, &b, "swapped-ternary");
                }
            }
            RefNode::ModuleDeclarationAnsi(_) | RefNode::ModuleDeclarationNonansi(_) => {
                widths = declared_widths(&tree, n.clone());
            }
            RefNode::NonblockingAssignment(x) => {
                ctx.edit(&x.nodes.1.nodes.0, "blocking-swap", "=".into());
                ctx.wrong_signals(RefNode::Expression(&x.nodes.3), &widths);
            }
            RefNode::NetAssignment(x) => {
                ctx.wrong_signals(RefNode::Expression(&x.nodes.2), &widths);
            }
            RefNode::OperatorAssignment(x) => {
                ctx.wrong_signals(RefNode::Expression(&x.nodes.2), &widths);
            }
            RefNode::CaseStatementNormal(x) => {
                // the labels of two neighbouring arms swapped
                let labels: Vec<Option<(usize, usize, u32, String)>> = std::iter::once(&x.nodes.3)
                    .chain(x.nodes.4.iter())
                    .map(|it| match it {
                        sv_parser::CaseItem::NonDefault(d) => {
                            let items = d.nodes.0.contents();
                            let first = token_span(&tree, RefNode::CaseItemExpression(items[0]))?;
                            let last = token_span(
                                &tree,
                                RefNode::CaseItemExpression(items[items.len() - 1]),
                            )?;
                            if !ctx.agrees(&first) || !ctx.agrees(&last) {
                                return None;
                            }
                            let whole: String =
                                text[first.start..last.end].split_whitespace().collect();
                            Some((first.start, last.end, first.line, whole))
                        }
                        sv_parser::CaseItem::Default(_) => None,
                    })
                    .collect();
                for pair in labels.windows(2) {
                    if let [Some(a), Some(b)] = pair {
                        fn span(x: &(usize, usize, u32, String)) -> TokenSpan<'_> {
                            TokenSpan {
                                start: x.0,
                                end: x.1,
                                line: x.2,
                                tokens: vec![x.3.as_str()],
                            }
                        }
                        ctx.swap(&span(a), &span(b), "wrong-case-item");
                    }
                }
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

    /// Two spans of the file exchanged (both as the parser read them).
    fn swap(&mut self, a: &TokenSpan, b: &TokenSpan, operator: &'static str) {
        if a.end > b.start || !self.agrees(a) || !self.agrees(b) {
            return;
        }
        let t = |s: usize, e: usize| &self.text[s..e];
        let mutated = format!(
            "{}{}{}",
            t(b.start, b.end),
            t(a.end, b.start),
            t(a.start, a.end)
        );
        let original = t(a.start, b.end).to_string();
        if mutated == original {
            return;
        }
        self.out.push(Site {
            start: a.start,
            end: b.end,
            line: a.line,
            operator,
            original,
            mutated,
        });
    }

    /// Each plain signal read in `expr` replaced by another signal of the module declared with
    /// the same dimensions (the next one by name).
    fn wrong_signals(&mut self, expr: RefNode, widths: &[(String, String)]) {
        for n in expr {
            let RefNode::Primary(p) = n else { continue };
            let Some(sp) = token_span(self.tree, RefNode::Primary(p)) else {
                continue;
            };
            let [name] = sp.tokens[..] else { continue };
            let Some((_, dims)) = widths.iter().find(|(n, _)| n == name) else {
                continue;
            };
            let same: Vec<&str> = widths
                .iter()
                .filter(|(n, d)| d == dims && n != name)
                .map(|(n, _)| n.as_str())
                .collect();
            let Some(other) = same.iter().find(|o| **o > name).or(same.first()) else {
                continue;
            };
            let other = other.to_string();
            self.range(Some(sp), "wrong-signal", |_| other);
        }
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

/// The signals a module declares (ports, nets, variables) with their packed dimensions as
/// written (`[3:0]`, or empty for one bit), sorted by name.
fn declared_widths(tree: &SyntaxTree, module: RefNode) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut last_dims = String::new();
    for n in module {
        let decl = matches!(
            n,
            RefNode::AnsiPortDeclaration(_)
                | RefNode::InputDeclaration(_)
                | RefNode::OutputDeclaration(_)
                | RefNode::InoutDeclaration(_)
                | RefNode::NetDeclaration(_)
                | RefNode::DataDeclaration(_)
        );
        if !decl {
            continue;
        }
        let mut dims = String::new();
        let mut names = Vec::new();
        // `input [3:0] a, b`: b's declaration is its name alone, and inherits a's dimensions
        let bare = matches!(n, RefNode::AnsiPortDeclaration(_))
            && token_span(tree, n.clone()).is_some_and(|sp| sp.tokens.len() == 1);
        for m in n.clone() {
            match m {
                RefNode::PackedDimension(_) => {
                    if let Some(sp) = token_span(tree, m) {
                        dims.push_str(&sp.tokens.concat());
                    }
                }
                RefNode::PortIdentifier(_)
                | RefNode::NetIdentifier(_)
                | RefNode::VariableIdentifier(_) => {
                    if let Some(sp) = token_span(tree, m) {
                        names.push(sp.tokens.concat());
                    }
                }
                _ => {}
            }
        }
        if bare {
            dims = last_dims.clone();
        } else if matches!(n, RefNode::AnsiPortDeclaration(_)) {
            last_dims = dims.clone();
        }
        for name in names {
            out.push((name, dims.clone()));
        }
    }
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    out
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
    fn case_labels_are_swapped_between_neighbouring_arms() {
        let src = "module m(input [1:0] s, output reg [1:0] y);\n\
                   always @* case (s)\n  2'd0: y = 2'd3;\n  2'd1, 2'd2: y = 2'd1;\n  default: y = 2'd0;\nendcase\nendmodule\n";
        let s = sites(src, Path::new("m.v")).unwrap();
        let c: Vec<&Site> = s
            .iter()
            .filter(|x| x.operator == "wrong-case-item")
            .collect();
        assert_eq!(c.len(), 1, "{s:#?}");
        assert_eq!(c[0].line, 3);
        assert!(
            c[0].apply(src)
                .contains("2'd1, 2'd2: y = 2'd3;\n  2'd0: y = 2'd1;"),
            "{}",
            c[0].apply(src)
        );
    }

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
        // a and b are both [3:0]: each read of one can become the other
        let w: Vec<&Site> = s.iter().filter(|x| x.operator == "wrong-signal").collect();
        assert!(
            w.iter().any(|x| x.original == "a" && x.mutated == "b"),
            "{w:#?}"
        );
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
