//! Constant expressions of parameters and port widths, evaluated as Verilog does for the
//! integers that size a design: `WIDTH-1`, `2*N+1`, `$clog2(DEPTH)`, `8'hff`, `A > B ? A : B`.
//! Values are 64-bit signed; anything else (a function call, a string, `x`/`z` digits) is an
//! error naming what could not be evaluated.

use std::collections::HashMap;

/// Evaluate `expr` with the given parameter values.
pub fn eval(expr: &str, params: &HashMap<String, i64>) -> Result<i64, String> {
    let toks = lex(expr)?;
    let mut p = Parser {
        toks: &toks,
        pos: 0,
        params,
    };
    let v = p.ternary()?;
    if p.pos != toks.len() {
        return Err(format!("unexpected `{}` in `{expr}`", toks[p.pos].text()));
    }
    Ok(v)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(i64),
    Ident(String),
    Op(&'static str),
}

impl Tok {
    fn text(&self) -> String {
        match self {
            Tok::Num(n) => n.to_string(),
            Tok::Ident(s) => s.clone(),
            Tok::Op(o) => o.to_string(),
        }
    }
}

const OPS: [&str; 27] = [
    "**", "<<<", ">>>", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "+", "-", "*", "/", "%",
    "<", ">", "(", ")", "?", ":", "&", "|", "^", "~", "!",
];

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let b: Vec<char> = s.chars().filter(|c| !c.is_whitespace()).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || c == '\'' {
            // decimal, or [size]'[s]base digits
            let start = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == '_') {
                i += 1;
            }
            if i < b.len() && b[i] == '\'' {
                i += 1;
                if i < b.len() && (b[i] == 's' || b[i] == 'S') {
                    i += 1;
                }
                let base = b.get(i).copied().unwrap_or('d').to_ascii_lowercase();
                let radix = match base {
                    'h' => 16,
                    'd' => 10,
                    'o' => 8,
                    'b' => 2,
                    _ => return Err(format!("bad number in `{s}`")),
                };
                i += 1;
                let ds = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == '_') {
                    i += 1;
                }
                let digits: String = b[ds..i].iter().filter(|c| **c != '_').collect();
                let v = i64::from_str_radix(&digits, radix).map_err(|_| {
                    format!(
                        "cannot evaluate the number `{}`",
                        b[start..i].iter().collect::<String>()
                    )
                })?;
                out.push(Tok::Num(v));
            } else {
                let digits: String = b[start..i].iter().filter(|c| **c != '_').collect();
                out.push(Tok::Num(
                    digits
                        .parse()
                        .map_err(|_| format!("number out of range in `{s}`"))?,
                ));
            }
        } else if c.is_ascii_alphabetic() || c == '_' || c == '$' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == '_' || b[i] == '$') {
                i += 1;
            }
            out.push(Tok::Ident(b[start..i].iter().collect()));
        } else {
            let rest: String = b[i..b.len().min(i + 3)].iter().collect();
            let op = OPS
                .iter()
                .find(|o| rest.starts_with(**o))
                .ok_or_else(|| format!("cannot evaluate `{s}` (at `{c}`)"))?;
            out.push(Tok::Op(op));
            i += op.len();
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: &'a [Tok],
    pos: usize,
    params: &'a HashMap<String, i64>,
}

impl Parser<'_> {
    fn peek_op(&self) -> Option<&'static str> {
        match self.toks.get(self.pos) {
            Some(Tok::Op(o)) => Some(o),
            _ => None,
        }
    }

    fn eat(&mut self, op: &str) -> bool {
        if self.peek_op() == Some(op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn ternary(&mut self) -> Result<i64, String> {
        let c = self.binary(0)?;
        if self.eat("?") {
            let a = self.ternary()?;
            if !self.eat(":") {
                return Err("`?` without `:`".into());
            }
            let b = self.ternary()?;
            return Ok(if c != 0 { a } else { b });
        }
        Ok(c)
    }

    /// Precedence climbing over the binary operators, lowest first.
    fn binary(&mut self, level: usize) -> Result<i64, String> {
        const LEVELS: [&[&str]; 10] = [
            &["||"],
            &["&&"],
            &["|"],
            &["^"],
            &["&"],
            &["==", "!="],
            &["<", "<=", ">", ">="],
            &["<<", ">>", "<<<", ">>>"],
            &["+", "-"],
            &["*", "/", "%"],
        ];
        if level == LEVELS.len() {
            return self.power();
        }
        let mut v = self.binary(level + 1)?;
        while let Some(op) = self.peek_op().filter(|o| LEVELS[level].contains(o)) {
            self.pos += 1;
            let r = self.binary(level + 1)?;
            v = apply(op, v, r)?;
        }
        Ok(v)
    }

    fn power(&mut self) -> Result<i64, String> {
        let base = self.unary()?;
        if self.eat("**") {
            let e = self.power()?;
            return u32::try_from(e)
                .ok()
                .and_then(|e| base.checked_pow(e))
                .ok_or_else(|| format!("{base} ** {e} is out of range"));
        }
        Ok(base)
    }

    fn unary(&mut self) -> Result<i64, String> {
        if self.eat("-") {
            return Ok(-self.unary()?);
        }
        if self.eat("+") {
            return self.unary();
        }
        if self.eat("!") {
            return Ok(i64::from(self.unary()? == 0));
        }
        if self.eat("~") {
            return Ok(!self.unary()?);
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<i64, String> {
        let t = self
            .toks
            .get(self.pos)
            .cloned()
            .ok_or("unexpected end of expression")?;
        self.pos += 1;
        match t {
            Tok::Num(n) => Ok(n),
            Tok::Op("(") => {
                let v = self.ternary()?;
                if !self.eat(")") {
                    return Err("missing `)`".into());
                }
                Ok(v)
            }
            Tok::Ident(name) if name == "$clog2" => {
                if !self.eat("(") {
                    return Err("$clog2 without `(`".into());
                }
                let v = self.ternary()?;
                if !self.eat(")") {
                    return Err("missing `)`".into());
                }
                Ok(clog2(v))
            }
            Tok::Ident(name) => self
                .params
                .get(&name)
                .copied()
                .ok_or_else(|| format!("`{name}` is not a parameter with a known value")),
            Tok::Op(o) => Err(format!("unexpected `{o}`")),
        }
    }
}

fn apply(op: &str, a: i64, b: i64) -> Result<i64, String> {
    let shift = |b: i64| u32::try_from(b).ok().filter(|s| *s < 64);
    Ok(match op {
        "||" => i64::from(a != 0 || b != 0),
        "&&" => i64::from(a != 0 && b != 0),
        "|" => a | b,
        "^" => a ^ b,
        "&" => a & b,
        "==" => i64::from(a == b),
        "!=" => i64::from(a != b),
        "<" => i64::from(a < b),
        "<=" => i64::from(a <= b),
        ">" => i64::from(a > b),
        ">=" => i64::from(a >= b),
        "<<" | "<<<" => shift(b).map_or(0, |s| a << s),
        ">>" => shift(b).map_or(0, |s| ((a as u64) >> s) as i64),
        ">>>" => shift(b).map_or(if a < 0 { -1 } else { 0 }, |s| a >> s),
        "+" => a.wrapping_add(b),
        "-" => a.wrapping_sub(b),
        "*" => a.wrapping_mul(b),
        "/" => a.checked_div(b).ok_or("division by zero")?,
        "%" => a.checked_rem(b).ok_or("division by zero")?,
        _ => return Err(format!("operator `{op}`")),
    })
}

/// Ceiling of log2, as `$clog2` (0 and 1 give 0).
pub fn clog2(v: i64) -> i64 {
    if v <= 1 {
        0
    } else {
        64 - i64::from((v - 1).leading_zeros())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, i64)]) -> HashMap<String, i64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn widths_and_parameters() {
        let ps = p(&[("WIDTH", 8), ("DEPTH", 16)]);
        assert_eq!(eval("WIDTH - 1", &ps), Ok(7));
        assert_eq!(eval("2*WIDTH+1", &ps), Ok(17));
        assert_eq!(eval("$clog2(DEPTH)", &ps), Ok(4));
        assert_eq!(eval("$clog2(DEPTH+1)", &ps), Ok(5));
        assert_eq!(eval("8'hff", &ps), Ok(255));
        assert_eq!(eval("4 'b10_10", &ps), Ok(10));
        assert_eq!(eval("WIDTH > 4 ? WIDTH : 4", &ps), Ok(8));
        assert_eq!(eval("1 << 3 - 1", &ps), Ok(4));
        assert_eq!(eval("2 ** 3 ** 2", &ps), Ok(512));
        assert_eq!(eval("-(3)", &ps), Ok(-3));
        assert!(eval("N-1", &ps).unwrap_err().contains("`N`"));
        assert!(eval("1/0", &ps).is_err());
        assert!(eval("(1", &ps).is_err());
    }
}
