//! A VCD read as a stream (the `vcd` crate): only the variables a trace asks for are kept, as
//! change lists, and reading stops at a budget of stored bytes (the rest of a huge file is not
//! held in memory; the report says where analysis stopped).

use std::collections::{BTreeSet, HashMap};
use std::io::BufRead;
use std::path::Path;

use vcd::{Command, IdCode, ScopeItem};

use super::logic::V;

/// One variable's changes: (time index, digits most significant first, full width).
#[derive(Debug, Clone)]
pub struct Track {
    pub width: u32,
    pub changes: Vec<(u32, Box<str>)>,
}

#[derive(Debug, Clone, Default)]
pub struct Waves {
    /// `1ps`, `10ns`…
    pub timescale: String,
    /// The timestamps of the file, in order; a time index points here.
    pub times: Vec<u64>,
    /// Full hierarchical name (`tb.dut.q`) → track.
    pub vars: HashMap<String, usize>,
    pub tracks: Vec<Track>,
    /// Every scope of the file (`tb`, `tb.dut`, …).
    pub scopes: BTreeSet<String>,
    /// Reading stopped at this time: the budget of stored values was spent.
    pub truncated_at: Option<u64>,
}

impl Waves {
    /// Read `path`, keeping the variables whose full name `keep` accepts, up to `budget` bytes
    /// of stored values.
    pub fn read(path: &Path, keep: &dyn Fn(&str) -> bool, budget: usize) -> Result<Waves, String> {
        let f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::from_reader(std::io::BufReader::with_capacity(1 << 16, f), keep, budget)
            .map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn from_reader<R: BufRead>(
        r: R,
        keep: &dyn Fn(&str) -> bool,
        budget: usize,
    ) -> Result<Waves, String> {
        Self::from_reader_window(r, keep, budget, None)
    }

    /// Read only the time steps in `window` (first..=last time): the values before it are
    /// folded into its first step, and reading stops after it — a window at the end of a huge
    /// file keeps little in memory.
    pub fn read_window(
        path: &Path,
        keep: &dyn Fn(&str) -> bool,
        budget: usize,
        window: (u64, u64),
    ) -> Result<Waves, String> {
        let f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::from_reader_window(
            std::io::BufReader::with_capacity(1 << 16, f),
            keep,
            budget,
            Some(window),
        )
        .map_err(|e| format!("{}: {e}", path.display()))
    }

    fn from_reader_window<R: BufRead>(
        r: R,
        keep: &dyn Fn(&str) -> bool,
        budget: usize,
        window: Option<(u64, u64)>,
    ) -> Result<Waves, String> {
        let mut p = vcd::Parser::new(r);
        let header = p
            .parse_header()
            .map_err(|e| format!("not a VCD file: {e}"))?;
        let mut w = Waves {
            timescale: header
                .timescale
                .map(|(n, u)| format!("{n}{u}"))
                .unwrap_or_default(),
            ..Waves::default()
        };
        let mut by_code: HashMap<IdCode, usize> = HashMap::new();
        fn walk(
            items: &[ScopeItem],
            prefix: &str,
            keep: &dyn Fn(&str) -> bool,
            w: &mut Waves,
            by_code: &mut HashMap<IdCode, usize>,
        ) {
            for it in items {
                match it {
                    ScopeItem::Scope(s) => {
                        let name = if prefix.is_empty() {
                            s.identifier.clone()
                        } else {
                            format!("{prefix}.{}", s.identifier)
                        };
                        w.scopes.insert(name.clone());
                        walk(&s.items, &name, keep, w, by_code);
                    }
                    ScopeItem::Var(v) => {
                        let name = format!("{prefix}.{}", v.reference);
                        if !keep(&name) {
                            continue;
                        }
                        let t = *by_code.entry(v.code).or_insert_with(|| {
                            w.tracks.push(Track {
                                width: v.size,
                                changes: Vec::new(),
                            });
                            w.tracks.len() - 1
                        });
                        w.vars.insert(name, t);
                    }
                    _ => {}
                }
            }
        }
        walk(&header.items, "", keep, &mut w, &mut by_code);
        let mut spent = 0usize;
        let mut now: Option<u32> = None;
        // before the window: the last value of each track, folded into the window's first step
        let mut before = window.is_some_and(|(from, _)| from > 0);
        let mut carried: HashMap<usize, String> = HashMap::new();
        for cmd in p {
            let cmd = cmd.map_err(|e| format!("malformed VCD: {e}"))?;
            let (code, digits): (IdCode, String) = match cmd {
                Command::Timestamp(t) => {
                    if let Some((from, to)) = window {
                        if t > to {
                            break;
                        }
                        if t < from {
                            before = true;
                            continue;
                        }
                        if before {
                            before = false;
                            w.times.push(t);
                            let ti = (w.times.len() - 1) as u32;
                            now = Some(ti);
                            for (track, d) in carried.drain() {
                                w.tracks[track].changes.push((ti, d.into_boxed_str()));
                            }
                            continue;
                        }
                    }
                    if spent > budget {
                        w.truncated_at = Some(t);
                        break;
                    }
                    w.times.push(t);
                    now = Some((w.times.len() - 1) as u32);
                    continue;
                }
                // only what is kept is turned into text
                Command::ChangeScalar(c, v) if by_code.contains_key(&c) => (c, v.to_string()),
                Command::ChangeVector(c, v) if by_code.contains_key(&c) => (c, v.to_string()),
                _ => continue,
            };
            let t = by_code[&code];
            if before {
                carried.insert(t, digits);
                continue;
            }
            let ti = match now {
                Some(i) => i,
                None => {
                    w.times.push(0);
                    now = Some(0);
                    0
                }
            };
            let track = &mut w.tracks[t];
            spent += digits.len() + 16;
            let d: Box<str> = digits.into_boxed_str();
            match track.changes.last_mut() {
                // the value at the end of a time step is what counts
                Some(last) if last.0 == ti => last.1 = d,
                _ => track.changes.push((ti, d)),
            }
        }
        Ok(w)
    }

    /// The digits of track `t` at the end of time index `ti` (None before its first change).
    pub fn digits(&self, t: usize, ti: u32) -> Option<&str> {
        let ch = &self.tracks[t].changes;
        let i = ch.partition_point(|(x, _)| *x <= ti);
        (i > 0).then(|| &*ch[i - 1].1)
    }

    /// The full-width digits of `name` at `ti` (extended as VCD says).
    pub fn full(&self, name: &str, ti: u32) -> Option<String> {
        let t = *self.vars.get(name)?;
        let d = self.digits(t, ti)?;
        let w = self.tracks[t].width as usize;
        if d.len() >= w {
            return Some(d[d.len() - w..].to_string());
        }
        let fill = match d.as_bytes().first() {
            Some(b'x' | b'X') => 'x',
            Some(b'z' | b'Z') => 'z',
            _ => '0',
        };
        Some(
            std::iter::repeat_n(fill, w - d.len())
                .chain(d.chars())
                .collect(),
        )
    }

    /// The value of `name` at `ti`, when it is at most 128 bits.
    pub fn value(&self, name: &str, ti: u32) -> Option<V> {
        let t = *self.vars.get(name)?;
        V::from_digits(self.digits(t, ti)?, self.tracks[t].width)
    }

    /// Time indices at which `name` rose (`pos`) or fell.
    pub fn edges(&self, name: &str, pos: bool) -> Vec<u32> {
        let Some(&t) = self.vars.get(name) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut prev: Option<char> = None;
        for (ti, d) in &self.tracks[t].changes {
            let c = d.chars().last().unwrap_or('x');
            let edge = if pos {
                c == '1' && prev != Some('1')
            } else {
                c == '0' && prev.is_some_and(|p| p != '0')
            };
            if edge {
                out.push(*ti);
            }
            prev = Some(c);
        }
        out
    }
}

/// Digits as hex where they are all known, `x` digits where a nibble has an unknown bit.
pub fn hex(digits: &str) -> String {
    if digits.len() == 1 {
        return digits.to_string();
    }
    let pad = (4 - digits.len() % 4) % 4;
    let padded: String = std::iter::repeat_n('0', pad)
        .chain(digits.chars())
        .collect();
    padded
        .as_bytes()
        .chunks(4)
        .map(|c| {
            if c.iter().all(|b| *b == b'0' || *b == b'1') {
                let n = c.iter().fold(0, |a, b| a * 2 + (b - b'0') as u32);
                char::from_digit(n, 16).unwrap_or('?')
            } else if c.iter().all(|b| *b == b'z' || *b == b'Z') {
                'z'
            } else {
                'x'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const VCD: &str = "$timescale 1ps $end\n$scope module tb $end\n$var wire 1 ! clk $end\n\
        $scope module dut $end\n$var reg 4 \" q [3:0] $end\n$upscope $end\n$upscope $end\n\
        $enddefinitions $end\n#0\n$dumpvars\nbx \"\n0!\n$end\n#5\n1!\nb1 \"\nb10 \"\n#10\n0!\n#15\n1!\nb11 \"\n";

    #[test]
    fn reads_changes_and_edges() {
        let w = Waves::from_reader(VCD.as_bytes(), &|_| true, 1 << 20).unwrap();
        assert_eq!(w.times, vec![0, 5, 10, 15]);
        assert_eq!(w.timescale, "1ps");
        assert!(w.scopes.contains("tb.dut"));
        // the last change of a time step is its value
        assert_eq!(w.full("tb.dut.q", 1).as_deref(), Some("0010"));
        assert_eq!(w.full("tb.dut.q", 2).as_deref(), Some("0010"));
        assert_eq!(w.full("tb.dut.q", 0).as_deref(), Some("xxxx"));
        assert_eq!(w.value("tb.dut.q", 3).unwrap().v, 3);
        assert_eq!(w.edges("tb.clk", true), vec![1, 3]);
        assert_eq!(w.edges("tb.clk", false), vec![2]);
        assert_eq!(hex("00101111"), "2f");
        assert_eq!(hex("x0101"), "x5");
    }

    #[test]
    fn only_what_is_kept_and_within_budget() {
        let w = Waves::from_reader(VCD.as_bytes(), &|n| n.starts_with("tb.dut."), 1 << 20).unwrap();
        assert!(w.vars.contains_key("tb.dut.q") && !w.vars.contains_key("tb.clk"));
        let w = Waves::from_reader(VCD.as_bytes(), &|_| true, 10).unwrap();
        assert!(w.truncated_at.is_some());
    }

    #[test]
    fn a_window_folds_earlier_values_into_its_first_step() {
        let w =
            Waves::from_reader_window(VCD.as_bytes(), &|_| true, 1 << 20, Some((10, 10))).unwrap();
        assert_eq!(w.times, vec![10]);
        assert_eq!(w.full("tb.dut.q", 0).as_deref(), Some("0010"));
        assert_eq!(w.full("tb.clk", 0).as_deref(), Some("0"));
        let w =
            Waves::from_reader_window(VCD.as_bytes(), &|_| true, 1 << 20, Some((0, 5))).unwrap();
        assert_eq!(w.times, vec![0, 5]);
        assert_eq!(w.full("tb.dut.q", 1).as_deref(), Some("0010"));
    }

    #[test]
    fn not_a_vcd_is_an_error() {
        assert!(Waves::from_reader(&b"hello"[..], &|_| true, 100).is_err());
    }
}
