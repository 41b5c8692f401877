//! The stimulus: every input but the clock, every cycle — seeded random values (uniform over
//! the port's width, from a generator of our own so the same seed gives the same stimulus on
//! every simulator and every machine), the reset asserted for the first cycles and then now and
//! then, and directed cycles from a `--vectors` file first.

use std::collections::BTreeMap;
use std::path::Path;

use super::{CosimError, Port, Reset};

/// A port value as 32-bit words, least significant first (`(width + 31) / 32` of them).
pub type Value = Vec<u32>;

/// The stimulus of a run: for each cycle, the value of each driven input (in port order).
#[derive(Debug, Clone, PartialEq)]
pub struct Stimulus {
    /// The driven inputs (every input but the clock), in the order of each cycle's values.
    pub inputs: Vec<Port>,
    pub cycles: Vec<Vec<Value>>,
    /// Cycle from which outputs are compared.
    pub compare_from: usize,
}

/// splitmix64: small, fast, and the same everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e3779b97f4a7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
        z ^ (z >> 31)
    }

    /// A uniform value in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn value(&mut self, width: u32) -> Value {
        let mut v: Value = (0..words(width)).map(|_| self.next_u64() as u32).collect();
        mask(&mut v, width);
        v
    }
}

pub fn words(width: u32) -> usize {
    width.div_ceil(32) as usize
}

/// Clear the bits above `width`.
pub fn mask(v: &mut Value, width: u32) {
    let n = words(width);
    v.resize(n, 0);
    let top = width % 32;
    if top != 0
        && let Some(last) = v.last_mut()
    {
        *last &= (1u32 << top) - 1;
    }
}

/// Hex, most significant digit first, `(width + 3) / 4` digits.
pub fn to_hex(v: &[u32], width: u32) -> String {
    let mut s: String = v.iter().rev().map(|w| format!("{w:08x}")).collect();
    let digits = width.div_ceil(4) as usize;
    if s.len() > digits {
        s = s[s.len() - digits..].to_string();
    }
    s
}

/// Parse a JSON value (a number, or a string of hex with an optional `0x`, or decimal digits
/// with a `d` prefix is not accepted: hex only) into a value of `width` bits.
pub fn parse_value(v: &serde_json::Value, width: u32) -> Result<Value, String> {
    let mut out: Value = match v {
        serde_json::Value::Number(n) => {
            let x = n
                .as_u64()
                .ok_or_else(|| format!("{n} is not a non-negative integer"))?;
            vec![x as u32, (x >> 32) as u32]
        }
        serde_json::Value::Bool(b) => vec![u32::from(*b)],
        serde_json::Value::String(s) => {
            let h = s.trim().trim_start_matches("0x").trim_start_matches("0X");
            let h: String = h.chars().filter(|c| *c != '_').collect();
            if h.is_empty() || !h.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(format!("`{s}` is not a hex value"));
            }
            let mut words = Vec::new();
            let mut end = h.len();
            while end > 0 {
                let start = end.saturating_sub(8);
                words.push(u32::from_str_radix(&h[start..end], 16).map_err(|e| e.to_string())?);
                end = start;
            }
            words
        }
        other => return Err(format!("{other} is not a value (a number or a hex string)")),
    };
    let n = words(width);
    let top = width % 32;
    let fits = out.iter().enumerate().all(|(i, w)| {
        if i + 1 < n {
            true
        } else if i + 1 == n {
            top == 0 || *w >> top == 0
        } else {
            *w == 0
        }
    });
    if !fits {
        return Err(format!("the value does not fit in {width} bit(s)"));
    }
    out.resize(n, 0);
    Ok(out)
}

/// How the stimulus is made.
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    pub inputs: &'a [Port],
    pub reset: Option<&'a Reset>,
    pub reset_cycles: usize,
    pub reset_prob: f64,
    pub cycles: usize,
    pub seed: u64,
    pub warmup: usize,
    pub vectors: Option<&'a Path>,
}

impl Plan<'_> {
    pub fn build(&self) -> Result<Stimulus, CosimError> {
        let mut rng = Rng::new(self.seed);
        let mut cycles: Vec<Vec<Value>> = Vec::new();
        if let Some(path) = self.vectors {
            cycles = read_vectors(path, self.inputs)?;
        }
        let directed = cycles.len();
        let reset_at = self
            .reset
            .and_then(|r| self.inputs.iter().position(|p| p.name == r.name));
        while cycles.len() < self.cycles.max(directed) {
            let c = cycles.len();
            let mut row: Vec<Value> = self.inputs.iter().map(|p| rng.value(p.width)).collect();
            if let (Some(i), Some(r)) = (reset_at, self.reset) {
                let assert = c - directed < self.reset_cycles || rng.unit() < self.reset_prob;
                let on = assert != r.active_low;
                row[i] = vec![u32::from(on)];
            }
            cycles.push(row);
        }
        // outputs are compared once the reset has been applied: across a rising edge, or at
        // once for an asynchronous reset
        let compare_from = match (reset_at, self.reset) {
            (Some(i), Some(r)) => cycles
                .iter()
                .position(|row| (row[i][0] & 1 == 1) != r.active_low)
                .map_or(cycles.len(), |c| c + usize::from(!r.asynchronous)),
            _ => 0,
        }
        .max(self.warmup);
        Ok(Stimulus {
            inputs: self.inputs.to_vec(),
            cycles,
            compare_from,
        })
    }
}

/// Directed cycles: JSONL, one object per cycle mapping input names to values; inputs a line
/// leaves out keep their previous value (0 at first).
fn read_vectors(path: &Path, inputs: &[Port]) -> Result<Vec<Vec<Value>>, CosimError> {
    let text = std::fs::read_to_string(path).map_err(|e| CosimError::Vectors {
        path: path.to_path_buf(),
        line: None,
        message: e.to_string(),
    })?;
    let mut prev: Vec<Value> = inputs.iter().map(|p| vec![0; words(p.width)]).collect();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |message: String| CosimError::Vectors {
            path: path.to_path_buf(),
            line: Some(i + 1),
            message,
        };
        let obj: BTreeMap<String, serde_json::Value> =
            serde_json::from_str(line).map_err(|e| bad(format!("not a JSON object: {e}")))?;
        for (k, v) in &obj {
            let Some(j) = inputs.iter().position(|p| &p.name == k) else {
                let names: Vec<&str> = inputs.iter().map(|p| p.name.as_str()).collect();
                return Err(bad(format!(
                    "`{k}` is not a driven input (inputs: {})",
                    names.join(", ")
                )));
            };
            prev[j] = parse_value(v, inputs[j].width).map_err(|m| bad(format!("{k}: {m}")))?;
        }
        out.push(prev.clone());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(name: &str, width: u32) -> Port {
        Port {
            name: name.into(),
            input: true,
            width,
        }
    }

    #[test]
    fn same_seed_same_stimulus_and_values_fit_their_width() {
        let inputs = [port("rst", 1), port("a", 3), port("w", 70)];
        let reset = Reset {
            name: "rst".into(),
            active_low: false,
            asynchronous: false,
        };
        let plan = Plan {
            inputs: &inputs,
            reset: Some(&reset),
            reset_cycles: 2,
            reset_prob: 0.0,
            cycles: 50,
            seed: 7,
            warmup: 0,
            vectors: None,
        };
        let a = plan.build().unwrap();
        assert_eq!(a, plan.build().unwrap());
        assert_eq!(a.cycles.len(), 50);
        assert_eq!(a.compare_from, 1);
        assert_eq!(
            (a.cycles[0][0][0], a.cycles[1][0][0], a.cycles[2][0][0]),
            (1, 1, 0)
        );
        for row in &a.cycles {
            assert!(row[1][0] < 8);
            assert_eq!(row[2].len(), 3);
            assert!(row[2][2] < 64);
        }
        let other = Plan {
            seed: 8,
            ..plan.clone()
        }
        .build()
        .unwrap();
        assert_ne!(a.cycles, other.cycles);
    }

    #[test]
    fn vectors_come_first_and_bad_lines_are_named() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("v.jsonl");
        std::fs::write(&f, "{\"a\": 5}\n\n{\"w\": \"0x1_0000_0000_0000_0001\"}\n").unwrap();
        let inputs = [port("a", 3), port("w", 70)];
        let plan = Plan {
            inputs: &inputs,
            reset: None,
            reset_cycles: 2,
            reset_prob: 0.0,
            cycles: 4,
            seed: 1,
            warmup: 0,
            vectors: Some(&f),
        };
        let s = plan.build().unwrap();
        assert_eq!(s.cycles.len(), 4);
        assert_eq!(s.cycles[0], vec![vec![5], vec![0, 0, 0]]);
        assert_eq!(s.cycles[1], vec![vec![5], vec![1, 0, 1]]);
        std::fs::write(&f, "{\"a\": 9}\n").unwrap();
        let e = plan.build().unwrap_err().to_string();
        assert!(
            e.contains("v.jsonl:1") && e.contains("does not fit in 3 bit"),
            "{e}"
        );
        std::fs::write(&f, "{\"a\": 1}\n{\"b\": 1}\n").unwrap();
        let e = plan.build().unwrap_err().to_string();
        assert!(
            e.contains("v.jsonl:2") && e.contains("`b` is not a driven input"),
            "{e}"
        );
        std::fs::write(&f, "[1,2]\n").unwrap();
        assert!(
            plan.build()
                .unwrap_err()
                .to_string()
                .contains("not a JSON object")
        );
    }

    #[test]
    fn hex_is_as_wide_as_the_port() {
        assert_eq!(to_hex(&[0xab], 8), "ab");
        assert_eq!(to_hex(&[1], 1), "1");
        assert_eq!(to_hex(&[1, 0, 0x20], 70), "200000000000000001");
    }
}
