//! Dynamic backward slices and spectrum scores.
//!
//! The slice of an output at a time is the set of statements that ran and fed its value: for
//! a combinational writer (a continuous assignment, a combinational block, a port connection)
//! the writers whose guards held at that time, then what they read at the same time; for a
//! register, the writers that ran at the last edge of their block at or before that time
//! (guards evaluated with the values just before the edge — what the block saw — except the
//! edge's own signals), then what they read just before that edge, one register step deeper.
//! A register that held its value is followed back to the edge that last wrote it. The
//! conditions that were evaluated on the way (whether or not they let the write through) are
//! in the slice too, with what they read: a condition that wrongly blocked a write is a
//! suspect. A condition that cannot be evaluated (an X, an expression not modelled) counts as
//! holding: statements are never dropped on a guess.
//!
//! Each statement is then scored over the failing and passing observations by a spectrum
//! formula ([`Formula`]).

use std::collections::HashMap;
use std::rc::Rc;

use super::design::{FCond, FProcess, Flat};
use super::logic::{self, Env, V};
use super::wave::Waves;

/// A set of statement indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bits(Vec<u64>);

impl Bits {
    pub fn new(n: usize) -> Bits {
        Bits(vec![0; n.div_ceil(64)])
    }
    pub fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    pub fn has(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }
    fn union(&mut self, o: &Bits) {
        for (a, b) in self.0.iter_mut().zip(&o.0) {
            *a |= *b;
        }
    }
}

/// A multiplicative hasher for the slicer's small integer keys (SipHash, the default, was most
/// of the analysis time).
#[derive(Default, Clone, Copy)]
pub struct IntHasher(u64);

impl std::hash::Hasher for IntHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(*b as u64);
        }
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(i as u64);
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u64(i as u64);
    }
}

type IntMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<IntHasher>>;

/// How values are read for an evaluation: at the end of a time step, or just before an edge
/// (the edge's own signals excepted).
struct At<'a> {
    waves: &'a Waves,
    flat: &'a Flat,
    scope: &'a str,
    ti: u32,
    before_edge: Option<&'a [String]>,
}

impl Env for At<'_> {
    fn value(&self, name: &str) -> Option<V> {
        let full = format!("{}.{name}", self.scope);
        if let Some(v) = self.flat.params.get(&full) {
            return Some(*v);
        }
        let ti = match self.before_edge {
            Some(own) if !own.contains(&full) => self.ti.checked_sub(1)?,
            _ => self.ti,
        };
        self.waves.value(&full, ti)
    }
}

pub struct Slicer<'a> {
    flat: &'a Flat,
    waves: &'a Waves,
    /// Register steps followed back.
    pub depth: u32,
    /// Edges of each clocked block, sorted.
    edges: Vec<Vec<u32>>,
    /// Signal names interned: name → id; per statement what it reads; per signal its writers;
    /// per block its event signals.
    ids: HashMap<String, u32>,
    reads: Vec<Vec<u32>>,
    writers: Vec<Vec<usize>>,
    events: Vec<Vec<u32>>,
    memo: IntMap<(u32, u32, u32), Rc<Bits>>,
    cond_memo: IntMap<(usize, u32, bool), Option<bool>>,
}

/// How far back a held register is followed, in edges of its block.
const HOLD_SEARCH: usize = 64;

impl<'a> Slicer<'a> {
    pub fn new(flat: &'a Flat, waves: &'a Waves, depth: u32) -> Slicer<'a> {
        let edges = flat
            .processes
            .iter()
            .map(|p| match p {
                FProcess::Clocked(ev) => {
                    let mut v: Vec<u32> = ev
                        .iter()
                        .flat_map(|(pos, s)| waves.edges(s, *pos))
                        .collect();
                    v.sort_unstable();
                    v.dedup();
                    v
                }
                _ => Vec::new(),
            })
            .collect();
        let mut ids: HashMap<String, u32> = HashMap::new();
        let id = |n: &str, ids: &mut HashMap<String, u32>| -> u32 {
            let next = ids.len() as u32;
            *ids.entry(n.to_string()).or_insert(next)
        };
        let reads: Vec<Vec<u32>> = flat
            .stmts
            .iter()
            .map(|s| s.reads.iter().map(|r| id(r, &mut ids)).collect())
            .collect();
        let events: Vec<Vec<u32>> = flat
            .processes
            .iter()
            .map(|p| match p {
                FProcess::Clocked(ev) => ev.iter().map(|(_, n)| id(n, &mut ids)).collect(),
                _ => Vec::new(),
            })
            .collect();
        for s in &flat.stmts {
            for w in &s.writes {
                id(w, &mut ids);
            }
        }
        let mut writers = vec![Vec::new(); ids.len()];
        for (i, s) in flat.stmts.iter().enumerate() {
            for w in &s.writes {
                writers[ids[w] as usize].push(i);
            }
        }
        Slicer {
            flat,
            waves,
            depth,
            edges,
            ids,
            reads,
            writers,
            events,
            memo: IntMap::default(),
            cond_memo: IntMap::default(),
        }
    }

    /// Whether condition `c` held (its own outcome, not its guards') at `ti`.
    fn cond_value(&mut self, c: usize, ti: u32, before_edge: bool) -> Option<bool> {
        if let Some(v) = self.cond_memo.get(&(c, ti, before_edge)) {
            return *v;
        }
        let s = &self.flat.stmts[c];
        let own: Vec<String> = match s.process.map(|p| &self.flat.processes[p]) {
            Some(FProcess::Clocked(ev)) if before_edge => {
                ev.iter().map(|(_, n)| n.clone()).collect()
            }
            _ => Vec::new(),
        };
        let env = At {
            waves: self.waves,
            flat: self.flat,
            scope: &s.scope,
            ti,
            before_edge: before_edge.then_some(&own[..]),
        };
        let r = match &s.cond {
            None => None,
            Some(FCond::If(e)) => e
                .as_ref()
                .and_then(|e| logic::eval(e, &env))
                .and_then(|v| v.truth()),
            Some(FCond::CaseArm {
                expr,
                arms,
                index,
                wildcard,
            }) => (|| {
                let v = logic::eval(expr.as_ref()?, &env)?;
                let mut chosen = None;
                'arms: for (k, arm) in arms.iter().enumerate() {
                    if let Some(items) = arm {
                        for it in items {
                            let iv = logic::eval(it.as_ref()?, &env)?;
                            if logic::case_matches(v, iv, *wildcard)? {
                                chosen = Some(k);
                                break 'arms;
                            }
                        }
                    }
                }
                let chosen = chosen.or_else(|| arms.iter().position(|a| a.is_none()));
                Some(chosen == Some(*index))
            })(),
        };
        self.cond_memo.insert((c, ti, before_edge), r);
        r
    }

    /// The guards of statement `i` evaluated in order: (whether it ran, the conditions that
    /// were evaluated).
    fn ran(&mut self, i: usize, ti: u32, before_edge: bool) -> (bool, Vec<usize>) {
        let mut seen = Vec::new();
        for k in 0..self.flat.stmts[i].guards.len() {
            let (c, want) = self.flat.stmts[i].guards[k];
            seen.push(c);
            if let Some(v) = self.cond_value(c, ti, before_edge)
                && v != want
            {
                return (false, seen);
            }
        }
        (true, seen)
    }

    /// The slice of signal `name` at time index `ti`, `depth` register steps left.
    pub fn signal(&mut self, name: &str, ti: u32, depth: u32) -> Rc<Bits> {
        match self.ids.get(name) {
            Some(id) => self.slice(*id, ti, depth),
            None => Rc::new(Bits::new(self.flat.stmts.len())),
        }
    }

    fn slice(&mut self, id: u32, ti: u32, depth: u32) -> Rc<Bits> {
        let key = (id, ti, depth);
        if let Some(b) = self.memo.get(&key) {
            return b.clone();
        }
        let n = self.flat.stmts.len();
        // a combinational loop meets itself empty
        self.memo.insert(key, Rc::new(Bits::new(n)));
        let mut out = Bits::new(n);
        let mut clocked: Vec<usize> = Vec::new();
        for k in 0..self.writers[id as usize].len() {
            let w = self.writers[id as usize][k];
            let p = self.flat.stmts[w].process;
            match p.map(|p| &self.flat.processes[p]) {
                Some(FProcess::Clocked(_)) => clocked.push(w),
                _ => {
                    let (ran, conds) = self.ran(w, ti, false);
                    for c in conds {
                        self.add(&mut out, c, ti, depth);
                    }
                    if ran {
                        self.add(&mut out, w, ti, depth);
                    }
                }
            }
        }
        if !clocked.is_empty() && depth > 0 {
            let mut by_process: Vec<(usize, Vec<usize>)> = Vec::new();
            for w in clocked {
                if let Some(p) = self.flat.stmts[w].process {
                    match by_process.iter_mut().find(|(q, _)| *q == p) {
                        Some((_, ws)) => ws.push(w),
                        None => by_process.push((p, vec![w])),
                    }
                }
            }
            for (p, ws) in by_process {
                let edges = &self.edges[p];
                let last = edges.partition_point(|e| *e <= ti);
                let recent: Vec<u32> = edges[..last]
                    .iter()
                    .rev()
                    .take(HOLD_SEARCH)
                    .copied()
                    .collect();
                // the conditions evaluated at the latest edge are in the slice (one that kept
                // the register from being written is a suspect); further back, only the edge
                // that last wrote it
                for (k, e) in recent.into_iter().enumerate() {
                    let mut any = false;
                    for &w in &ws {
                        let (ran, conds) = self.ran(w, e, true);
                        if k == 0 || ran {
                            for c in conds {
                                self.add_before_edge(&mut out, c, e, depth - 1);
                            }
                        }
                        if ran {
                            any = true;
                            self.add_before_edge(&mut out, w, e, depth - 1);
                        }
                    }
                    if any {
                        break;
                    }
                }
            }
        }
        let out = Rc::new(out);
        self.memo.insert(key, out.clone());
        out
    }

    /// Statement `i` and the slices of what it reads at `ti`.
    fn add(&mut self, out: &mut Bits, i: usize, ti: u32, depth: u32) {
        if out.has(i) {
            return;
        }
        out.set(i);
        for k in 0..self.reads[i].len() {
            let r = self.reads[i][k];
            let s = self.slice(r, ti, depth);
            out.union(&s);
        }
    }

    /// Statement `i` of a clocked block that ran at edge `e`: what it read just before (the
    /// edge's own signals at the edge).
    fn add_before_edge(&mut self, out: &mut Bits, i: usize, e: u32, depth: u32) {
        if out.has(i) {
            return;
        }
        out.set(i);
        let own = self.flat.stmts[i]
            .process
            .map(|p| self.events[p].clone())
            .unwrap_or_default();
        for k in 0..self.reads[i].len() {
            let r = self.reads[i][k];
            let at = if own.contains(&r) {
                e
            } else {
                e.saturating_sub(1)
            };
            let s = self.slice(r, at, depth);
            out.union(&s);
        }
    }
}

/// Spectrum formulas: `ef`/`ep` failing/passing observations whose slice holds the statement,
/// `f`/`p` all failing/passing observations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Formula {
    Ochiai,
    Tarantula,
    Dstar,
    Op2,
    Jaccard,
}

impl Formula {
    pub const ALL: [Formula; 5] = [
        Formula::Ochiai,
        Formula::Tarantula,
        Formula::Dstar,
        Formula::Op2,
        Formula::Jaccard,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Formula::Ochiai => "ochiai",
            Formula::Tarantula => "tarantula",
            Formula::Dstar => "dstar",
            Formula::Op2 => "op2",
            Formula::Jaccard => "jaccard",
        }
    }

    pub fn score(self, ef: f64, ep: f64, f: f64, p: f64) -> f64 {
        let nf = f - ef;
        if ef == 0.0 {
            return 0.0;
        }
        match self {
            Formula::Ochiai => ef / (f * (ef + ep)).sqrt(),
            Formula::Tarantula => {
                let fr = ef / f.max(1.0);
                let pr = if p > 0.0 { ep / p } else { 0.0 };
                fr / (fr + pr)
            }
            Formula::Dstar => ef * ef / (ep + nf).max(0.5),
            Formula::Op2 => ef - ep / (p + 1.0),
            Formula::Jaccard => ef / (f + ep),
        }
    }
}
