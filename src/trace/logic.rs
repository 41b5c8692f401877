//! Four-state values and the expressions of conditions, evaluated with recorded values: what a
//! trace needs to tell which branch of an `if` or `case` ran at a given time.
//!
//! Values up to 128 bits are evaluated; anything wider, a function call, or an operand the
//! waveform does not hold gives "unknown", and the caller then keeps both branches
//! (conservative: a statement is never dropped from a slice on a guess). Widths follow the
//! operands' own widths (the largest of the two for a binary operator), which is Verilog's
//! rule for the comparisons and bit operations conditions are made of; signedness is ignored.

use std::collections::HashMap;

/// A value of `w` bits: `v` the bits, `x` the bits that are X or Z (or wildcards in a case
/// item). `w` is at most 128.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct V {
    pub w: u32,
    pub v: u128,
    pub x: u128,
}

fn mask(w: u32) -> u128 {
    if w >= 128 {
        u128::MAX
    } else {
        (1u128 << w) - 1
    }
}

impl V {
    pub fn known(w: u32, v: u128) -> V {
        V {
            w,
            v: v & mask(w),
            x: 0,
        }
    }

    fn unknown(w: u32) -> V {
        V {
            w,
            v: 0,
            x: mask(w),
        }
    }

    /// From VCD digits (`0`, `1`, `x`, `z`, most significant first), extended to `width` as VCD
    /// does (with the leftmost digit when it is X or Z, with 0 otherwise). None when wider than
    /// 128 bits.
    pub fn from_digits(digits: &str, width: u32) -> Option<V> {
        if width > 128 || width == 0 {
            return None;
        }
        let d = digits.as_bytes();
        let fill = matches!(d.first(), Some(b'x' | b'X' | b'z' | b'Z') if d.len() < width as usize);
        let mut out = V::known(width, 0);
        for bit in 0..width {
            let from_right = bit as usize;
            let c = if from_right < d.len() {
                d[d.len() - 1 - from_right]
            } else if fill {
                b'x'
            } else {
                b'0'
            };
            match c {
                b'1' => out.v |= 1 << bit,
                b'0' => {}
                _ => out.x |= 1 << bit,
            }
        }
        Some(out)
    }

    /// True, false, or unknown (an X bit and no known 1).
    pub fn truth(&self) -> Option<bool> {
        if self.v & !self.x != 0 {
            Some(true)
        } else if self.x == 0 {
            Some(false)
        } else {
            None
        }
    }

    fn resize(self, w: u32) -> V {
        V {
            w,
            v: self.v & mask(w),
            x: self.x & mask(w),
        }
    }
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(V),
    Id(String),
    Unary(&'static str, Box<Expr>),
    Bin(&'static str, Box<Expr>, Box<Expr>),
    Tern(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `a[i]`
    Index(Box<Expr>, Box<Expr>),
    /// `a[m:l]`
    Range(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `a[b +: w]` (`true`) or `a[b -: w]`
    Part(Box<Expr>, Box<Expr>, Box<Expr>, bool),
    Concat(Vec<Expr>),
    Repl(Box<Expr>, Vec<Expr>),
    /// A call this evaluator does not model (`$signed(a)` and `$unsigned(a)` are modelled).
    Call(String, Vec<Expr>),
}

/// What identifiers are: a signal's value at the time of evaluation, or a parameter.
pub trait Env {
    fn value(&self, name: &str) -> Option<V>;
}

impl Env for HashMap<String, V> {
    fn value(&self, name: &str) -> Option<V> {
        self.get(name).copied()
    }
}

const BINARY: [(&str, u8); 24] = [
    ("||", 1),
    ("&&", 2),
    ("|", 3),
    ("^", 4),
    ("~^", 4),
    ("^~", 4),
    ("&", 5),
    ("==", 6),
    ("!=", 6),
    ("===", 6),
    ("!==", 6),
    ("<", 7),
    ("<=", 7),
    (">", 7),
    (">=", 7),
    ("<<", 8),
    (">>", 8),
    ("<<<", 8),
    (">>>", 8),
    ("+", 9),
    ("-", 9),
    ("*", 10),
    ("/", 10),
    ("%", 10),
];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(V),
    Id(String),
    Op(&'static str),
}

const OPS: [&str; 40] = [
    "<<<", ">>>", "===", "!==", "~^", "^~", "~&", "~|", "||", "&&", "==", "!=", "<=", ">=", "<<",
    ">>", "+:", "-:", "**", "|", "^", "&", "<", ">", "+", "-", "*", "/", "%", "!", "~", "(", ")",
    "[", "]", "{", "}", ":", "?", ",",
];

fn lex(s: &str) -> Option<Vec<Tok>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || c == b'\'' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
                i += 1;
            }
            let size: Option<u32> = if i > start {
                s[start..i].replace('_', "").parse().ok()
            } else {
                None
            };
            if i < b.len() && b[i] == b'\'' {
                i += 1;
                if i < b.len() && (b[i] | 0x20) == b's' {
                    i += 1;
                }
                let base = b.get(i)? | 0x20;
                i += 1;
                while i < b.len() && b[i].is_ascii_whitespace() {
                    i += 1;
                }
                let ds = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'?')
                {
                    i += 1;
                }
                let digits: String = s[ds..i].chars().filter(|c| *c != '_').collect();
                out.push(Tok::Num(number(size.unwrap_or(32), base, &digits)?));
            } else {
                let v: u128 = s[start..i].replace('_', "").parse().ok()?;
                out.push(Tok::Num(V::known(32.max(128 - v.leading_zeros()), v)));
            }
        } else if c.is_ascii_alphabetic() || c == b'_' || c == b'$' || c == b'\\' {
            let start = i;
            if c == b'\\' {
                while i < b.len() && !b[i].is_ascii_whitespace() {
                    i += 1;
                }
            } else {
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric()
                        || b[i] == b'_'
                        || b[i] == b'$'
                        || b[i] == b'.')
                {
                    i += 1;
                }
            }
            out.push(Tok::Id(s[start..i].to_string()));
        } else {
            let op = OPS.iter().find(|o| s[i..].starts_with(**o))?;
            i += op.len();
            out.push(Tok::Op(op));
        }
    }
    Some(out)
}

/// A based literal's digits (`x`, `z`, `?` allowed) as a value of `size` bits.
fn number(size: u32, base: u8, digits: &str) -> Option<V> {
    if size == 0 || size > 128 {
        return None;
    }
    let bits_per = match base {
        b'b' => 1,
        b'o' => 3,
        b'h' => 4,
        b'd' => {
            if digits
                .chars()
                .all(|c| matches!(c, 'x' | 'X' | 'z' | 'Z' | '?'))
            {
                return Some(V::unknown(size));
            }
            return Some(V::known(size, digits.parse().ok()?));
        }
        _ => return None,
    };
    let mut v = 0u128;
    let mut x = 0u128;
    for c in digits.chars() {
        v = v.checked_shl(bits_per)?;
        x = x.checked_shl(bits_per)?;
        match c {
            'x' | 'X' | 'z' | 'Z' | '?' => x |= (1 << bits_per) - 1,
            _ => v |= c.to_digit(1 << bits_per)? as u128,
        }
    }
    // an x or z leftmost digit extends
    let width_given = digits.len() as u32 * bits_per;
    if width_given < size && matches!(digits.chars().next(), Some('x' | 'X' | 'z' | 'Z' | '?')) {
        x |= mask(size) & !mask(width_given);
    }
    Some(V {
        w: size,
        v: v & mask(size) & !x,
        x: x & mask(size),
    })
}

/// Parse an expression as written; None when it is not one this evaluator reads.
pub fn parse(s: &str) -> Option<Expr> {
    let toks = lex(s)?;
    let mut p = Parser { t: &toks, i: 0 };
    let e = p.ternary()?;
    (p.i == toks.len()).then_some(e)
}

struct Parser<'a> {
    t: &'a [Tok],
    i: usize,
}

impl Parser<'_> {
    fn op(&self) -> Option<&'static str> {
        match self.t.get(self.i) {
            Some(Tok::Op(o)) => Some(o),
            _ => None,
        }
    }

    fn eat(&mut self, op: &str) -> bool {
        if self.op() == Some(op) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn ternary(&mut self) -> Option<Expr> {
        let c = self.binary(1)?;
        if self.eat("?") {
            let a = self.ternary()?;
            if !self.eat(":") {
                return None;
            }
            let b = self.ternary()?;
            return Some(Expr::Tern(Box::new(c), Box::new(a), Box::new(b)));
        }
        Some(c)
    }

    fn binary(&mut self, level: u8) -> Option<Expr> {
        if level > 10 {
            return self.unary();
        }
        let mut l = self.binary(level + 1)?;
        while let Some(op) = self.op() {
            if !BINARY.iter().any(|(o, p)| *o == op && *p == level) {
                break;
            }
            self.i += 1;
            let r = self.binary(level + 1)?;
            l = Expr::Bin(op, Box::new(l), Box::new(r));
        }
        Some(l)
    }

    fn unary(&mut self) -> Option<Expr> {
        for op in ["!", "~", "-", "+", "&", "|", "^", "~&", "~|", "~^", "^~"] {
            if self.eat(op) {
                let e = self.unary()?;
                return Some(Expr::Unary(op, Box::new(e)));
            }
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Option<Expr> {
        let mut e = self.primary()?;
        while self.eat("[") {
            let a = self.ternary()?;
            if self.eat(":") {
                let b = self.ternary()?;
                e = Expr::Range(Box::new(e), Box::new(a), Box::new(b));
            } else if self.eat("+:") {
                let b = self.ternary()?;
                e = Expr::Part(Box::new(e), Box::new(a), Box::new(b), true);
            } else if self.eat("-:") {
                let b = self.ternary()?;
                e = Expr::Part(Box::new(e), Box::new(a), Box::new(b), false);
            } else {
                e = Expr::Index(Box::new(e), Box::new(a));
            }
            if !self.eat("]") {
                return None;
            }
        }
        Some(e)
    }

    fn list(&mut self, close: &str) -> Option<Vec<Expr>> {
        let mut v = vec![self.ternary()?];
        while self.eat(",") {
            v.push(self.ternary()?);
        }
        self.eat(close).then_some(v)
    }

    fn primary(&mut self) -> Option<Expr> {
        let t = self.t.get(self.i)?.clone();
        self.i += 1;
        match t {
            Tok::Num(v) => Some(Expr::Num(v)),
            Tok::Id(name) => {
                if self.eat("(") {
                    let args = if self.eat(")") {
                        Vec::new()
                    } else {
                        self.list(")")?
                    };
                    return Some(Expr::Call(name, args));
                }
                Some(Expr::Id(name))
            }
            Tok::Op("(") => {
                let e = self.ternary()?;
                self.eat(")").then_some(e)
            }
            Tok::Op("{") => {
                let first = self.ternary()?;
                if self.eat("{") {
                    let inner = self.list("}")?;
                    return self.eat("}").then(|| Expr::Repl(Box::new(first), inner));
                }
                let mut v = vec![first];
                while self.eat(",") {
                    v.push(self.ternary()?);
                }
                self.eat("}").then_some(Expr::Concat(v))
            }
            _ => None,
        }
    }
}

/// Evaluate; None when something in it is unknown to this evaluator (not an X value, which
/// evaluates to X bits).
pub fn eval(e: &Expr, env: &dyn Env) -> Option<V> {
    Some(match e {
        Expr::Num(v) => *v,
        Expr::Id(n) => env.value(n)?,
        Expr::Call(n, args) if (n == "$signed" || n == "$unsigned") && args.len() == 1 => {
            eval(&args[0], env)?
        }
        Expr::Call(..) => return None,
        Expr::Unary(op, a) => unary(op, eval(a, env)?),
        Expr::Bin(op, a, b) => {
            let a = eval(a, env)?;
            // short circuits
            if *op == "&&" && a.truth() == Some(false) {
                return Some(V::known(1, 0));
            }
            if *op == "||" && a.truth() == Some(true) {
                return Some(V::known(1, 1));
            }
            binary(op, a, eval(b, env)?)?
        }
        Expr::Tern(c, a, b) => match eval(c, env)?.truth() {
            Some(true) => eval(a, env)?,
            Some(false) => eval(b, env)?,
            None => {
                let (a, b) = (eval(a, env)?, eval(b, env)?);
                let w = a.w.max(b.w);
                let (a, b) = (a.resize(w), b.resize(w));
                V {
                    w,
                    v: a.v & b.v,
                    x: a.x | b.x | (a.v ^ b.v),
                }
            }
        },
        Expr::Index(a, i) => {
            let a = eval(a, env)?;
            let i = eval(i, env)?;
            if i.x != 0 {
                return Some(V::unknown(1));
            }
            // the base's declared range is not known here: bits are taken from 0 up
            let i = u32::try_from(i.v).ok()?;
            if i >= a.w {
                return Some(V::unknown(1));
            }
            V {
                w: 1,
                v: (a.v >> i) & 1,
                x: (a.x >> i) & 1,
            }
        }
        Expr::Range(a, m, l) => {
            let a = eval(a, env)?;
            let (m, l) = (const_u32(m, env)?, const_u32(l, env)?);
            let (hi, lo) = (m.max(l), m.min(l));
            if hi >= a.w {
                return None;
            }
            let w = hi - lo + 1;
            V {
                w,
                v: (a.v >> lo) & mask(w),
                x: (a.x >> lo) & mask(w),
            }
        }
        Expr::Part(a, base, width, up) => {
            let a = eval(a, env)?;
            let (b, w) = (const_u32(base, env)?, const_u32(width, env)?);
            let lo = if *up { b } else { (b + 1).checked_sub(w)? };
            if w == 0 || lo + w > a.w {
                return None;
            }
            V {
                w,
                v: (a.v >> lo) & mask(w),
                x: (a.x >> lo) & mask(w),
            }
        }
        Expr::Concat(parts) => {
            let mut out = V::known(0, 0);
            for p in parts {
                let p = eval(p, env)?;
                let w = out.w + p.w;
                if w > 128 {
                    return None;
                }
                out = V {
                    w,
                    v: (out.v << p.w) | p.v,
                    x: (out.x << p.w) | p.x,
                };
            }
            out
        }
        Expr::Repl(n, parts) => {
            let n = const_u32(n, env)?;
            let one = eval(&Expr::Concat(parts.clone()), env)?;
            let mut out = V::known(0, 0);
            for _ in 0..n {
                if out.w + one.w > 128 {
                    return None;
                }
                out = V {
                    w: out.w + one.w,
                    v: (out.v << one.w) | one.v,
                    x: (out.x << one.w) | one.x,
                };
            }
            out
        }
    })
}

fn const_u32(e: &Expr, env: &dyn Env) -> Option<u32> {
    let v = eval(e, env)?;
    if v.x != 0 {
        return None;
    }
    u32::try_from(v.v).ok()
}

fn bit(b: bool) -> V {
    V::known(1, b as u128)
}

fn unary(op: &str, a: V) -> V {
    let m = mask(a.w);
    match op {
        "!" => match a.truth() {
            Some(t) => bit(!t),
            None => V::unknown(1),
        },
        "~" => V {
            w: a.w,
            v: !a.v & m & !a.x,
            x: a.x,
        },
        "-" if a.x == 0 => V::known(a.w, a.v.wrapping_neg()),
        "+" => a,
        "&" | "~&" => {
            let r = if !a.v & !a.x & m != 0 {
                Some(false) // a bit known 0
            } else if a.x == 0 {
                Some(true)
            } else {
                None
            };
            match r {
                Some(t) => bit(if op == "~&" { !t } else { t }),
                None => V::unknown(1),
            }
        }
        "|" | "~|" => match a.truth() {
            Some(t) => bit(if op == "~|" { !t } else { t }),
            None => V::unknown(1),
        },
        "^" | "~^" | "^~" if a.x == 0 => {
            let p = a.v.count_ones() % 2 == 1;
            bit(if op == "^" { p } else { !p })
        }
        _ => V::unknown(if matches!(op, "-" | "~") { a.w } else { 1 }),
    }
}

fn binary(op: &str, a: V, b: V) -> Option<V> {
    let w = a.w.max(b.w);
    let (a, b) = (a.resize(w), b.resize(w));
    let m = mask(w);
    let known = a.x == 0 && b.x == 0;
    Some(match op {
        "&" => {
            let zero = (!a.v & !a.x) | (!b.v & !b.x);
            V {
                w,
                v: a.v & b.v,
                x: (a.x | b.x) & !zero & m,
            }
        }
        "|" => {
            let one = (a.v & !a.x) | (b.v & !b.x);
            V {
                w,
                v: one,
                x: (a.x | b.x) & !one & m,
            }
        }
        "^" | "~^" | "^~" => {
            let x = a.x | b.x;
            let v = a.v ^ b.v;
            let v = if op == "^" { v } else { !v };
            V {
                w,
                v: v & !x & m,
                x,
            }
        }
        "&&" | "||" => match (a.truth(), b.truth()) {
            (Some(p), Some(q)) => bit(if op == "&&" { p && q } else { p || q }),
            (Some(false), _) | (_, Some(false)) if op == "&&" => bit(false),
            (Some(true), _) | (_, Some(true)) if op == "||" => bit(true),
            _ => V::unknown(1),
        },
        "===" => bit(a == b),
        "!==" => bit(a != b),
        _ if !known => {
            if matches!(op, "==" | "!=" | "<" | "<=" | ">" | ">=") {
                // X bits: unequal where the known bits already differ
                let differ = (a.v ^ b.v) & !a.x & !b.x;
                if matches!(op, "==" | "!=") && differ != 0 {
                    return Some(bit(op == "!="));
                }
                V::unknown(1)
            } else {
                V::unknown(w)
            }
        }
        "==" => bit(a.v == b.v),
        "!=" => bit(a.v != b.v),
        "<" => bit(a.v < b.v),
        "<=" => bit(a.v <= b.v),
        ">" => bit(a.v > b.v),
        ">=" => bit(a.v >= b.v),
        "+" => V::known(w, a.v.wrapping_add(b.v)),
        "-" => V::known(w, a.v.wrapping_sub(b.v)),
        "*" => V::known(w, a.v.wrapping_mul(b.v)),
        "/" if b.v != 0 => V::known(w, a.v / b.v),
        "%" if b.v != 0 => V::known(w, a.v % b.v),
        "/" | "%" => V::unknown(w),
        "<<" | "<<<" => V::known(a.w, a.v.checked_shl(u32::try_from(b.v).ok()?).unwrap_or(0)),
        ">>" | ">>>" => V::known(a.w, a.v.checked_shr(u32::try_from(b.v).ok()?).unwrap_or(0)),
        _ => return None,
    })
}

/// Whether `value` matches case item `item` (`case`: all bits equal, X included; `casez` and
/// `casex`: the item's X/Z/? bits match anything).
pub fn case_matches(value: V, item: V, wildcard: bool) -> Option<bool> {
    let w = value.w.max(item.w);
    let (a, b) = (value.resize(w), item.resize(w));
    if wildcard {
        let care = !b.x & mask(w);
        if a.x & care != 0 {
            return None;
        }
        Some((a.v ^ b.v) & care == 0)
    } else {
        Some(a == b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(s: &str, env: &[(&str, V)]) -> Option<V> {
        let env: HashMap<String, V> = env.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        eval(&parse(s).unwrap_or_else(|| panic!("parse {s}")), &env)
    }

    #[test]
    fn conditions_evaluate_as_verilog_does() {
        let a = V::known(4, 0b1010);
        let s = V::known(2, 2);
        assert_eq!(ev("a == 4'hA", &[("a", a)]).unwrap().truth(), Some(true));
        assert_eq!(
            ev("a[1] && !a[0]", &[("a", a)]).unwrap().truth(),
            Some(true)
        );
        assert_eq!(
            ev("a[3:2] == 2'b10", &[("a", a)]).unwrap().truth(),
            Some(true)
        );
        assert_eq!(ev("&a", &[("a", a)]).unwrap().truth(), Some(false));
        assert_eq!(
            ev("~a == 4'b0101", &[("a", a)]).unwrap().truth(),
            Some(true)
        );
        assert_eq!(
            ev("{a, s} == 6'b101010", &[("a", a), ("s", s)])
                .unwrap()
                .truth(),
            Some(true)
        );
        assert_eq!(
            ev("s == IDLE", &[("s", s), ("IDLE", V::known(32, 2))])
                .unwrap()
                .truth(),
            Some(true)
        );
        assert_eq!(
            ev("a + 1 > 4'd10", &[("a", a)]).unwrap().truth(),
            Some(true)
        );
        assert_eq!(
            ev("(a >> 1) == 5", &[("a", a)]).unwrap().truth(),
            Some(true)
        );
        assert_eq!(
            ev("s ? 1'b1 : 1'b0", &[("s", s)]).unwrap().truth(),
            Some(true)
        );
        assert_eq!(
            ev("a[s +: 2] == 2'b10", &[("a", a), ("s", s)])
                .unwrap()
                .truth(),
            Some(true)
        );
        // X: unknown, unless the known bits decide
        let xs = V::from_digits("x1", 2).unwrap();
        assert_eq!(ev("s == 2'b11", &[("s", xs)]).unwrap().truth(), None);
        assert_eq!(ev("s == 2'b00", &[("s", xs)]).unwrap().truth(), Some(false));
        assert_eq!(
            ev("s[0] || s[1]", &[("s", xs)]).unwrap().truth(),
            Some(true)
        );
        // what is not modelled is unknown, not wrong
        assert_eq!(ev("f(a)", &[("a", a)]), None);
        assert_eq!(ev("b", &[]), None);
    }

    #[test]
    fn vcd_digits_extend_as_vcd_says() {
        assert_eq!(V::from_digits("1", 4), Some(V::known(4, 1)));
        assert_eq!(V::from_digits("x", 3).unwrap().x, 0b111);
        assert_eq!(V::from_digits("z01", 4).unwrap().x, 0b1100);
    }

    #[test]
    fn case_items_match_with_wildcards() {
        let v = V::known(4, 0b1011);
        let item = parse("4'b1?11")
            .and_then(|e| eval(&e, &HashMap::new()))
            .unwrap();
        assert_eq!(case_matches(v, item, true), Some(true));
        assert_eq!(case_matches(v, item, false), Some(false));
        assert_eq!(case_matches(v, V::known(4, 11), false), Some(true));
    }
}
