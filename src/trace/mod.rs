/*!
`rtlsmith trace`: from a failing simulation to the statements most likely at fault, with no
model in the loop.

1. The testbench runs on Icarus with a full VCD of its hierarchy (the testbench's own `$dump…`
   calls are taken out of a copy so that the file is ours) — [`wave`] reads it as a stream,
   keeping only the design under test and the reference.
2. Every (output, time step) of the DUT is compared with the reference instance beside it
   (`--compare DUT=REF`; VerilogEval's testbenches hold `top_module1` and `good1`): a bit the
   reference knows (0/1) that the DUT does not reproduce is a mismatch (VerilogEval's rule:
   an X in the reference matches anything).
3. The design is flattened from its statement graphs ([`design`], over [`crate::hdl::graph`]);
   the dynamic backward slice of every observation is computed with branch conditions
   evaluated on the recorded values ([`slice`], [`logic`]); each statement is scored by a
   spectrum formula over failing versus passing observations; ties go to the statement fewer
   steps from a failing output.
4. The report: failing outputs, the first mismatch, ranked suspects (file:line, statement,
   score, why), and the top suspects' signals around the first mismatch with the expected
   values beside the actual ones.
*/

pub mod design;
pub mod logic;
pub mod slice;
pub mod svg;
pub mod wave;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::hdl::graph::StmtKind;
use crate::hdl::{self, Direction};
use crate::sim::{self, Design, SimError, SimKind, SimOptions, Status};
use design::Flat;
pub use slice::Formula;
use slice::Slicer;
use wave::Waves;

/// What to trace.
#[derive(Debug, Clone)]
pub struct TraceOptions {
    /// The sources (design, reference, testbench); `top` is the testbench.
    pub design: Design,
    /// Instance path of the design under test below the testbench (`top_module1`).
    pub dut: String,
    /// Instance path of the reference (`good1`).
    pub reference: String,
    /// The DUT's module, when the caller knows it (otherwise read from the testbench).
    pub dut_module: Option<String>,
    pub formula: Formula,
    /// Register steps a slice follows back.
    pub depth: u32,
    /// Suspects reported.
    pub top: usize,
    pub timeout: Duration,
    /// Bytes of recorded values kept from the VCD (the rest of a huge file is not read).
    pub wave_budget: usize,
    /// Keep the VCD here.
    pub keep_wave: Option<PathBuf>,
    /// Add every formula's ranking and the static cone (for the benchmark).
    pub all_rankings: bool,
    /// Observations scored at most (a long simulation is sampled, evenly).
    pub max_observations: usize,
    /// Files the testbench reads by relative path (copied into the job folder).
    pub data_dir: Option<PathBuf>,
}

impl TraceOptions {
    pub fn new(design: Design, dut: &str, reference: &str) -> TraceOptions {
        TraceOptions {
            design,
            dut: dut.to_string(),
            reference: reference.to_string(),
            dut_module: None,
            formula: Formula::Ochiai,
            depth: 4,
            top: 10,
            timeout: Duration::from_secs(60),
            wave_budget: 256 << 20,
            keep_wave: None,
            all_rankings: false,
            max_observations: 2000,
            data_dir: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FirstMismatch {
    pub output: String,
    pub time: u64,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct Suspect {
    pub file: PathBuf,
    /// 1-based.
    pub line: u32,
    /// The statement's last line (it may span several).
    pub end_line: u32,
    pub score: f64,
    pub statement: String,
    pub signals: Vec<String>,
    pub reason: String,
}

/// Values around the first mismatch (a window of time steps; the text report shows the few
/// nearest it, the SVG picture the whole window).
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct WaveTable {
    pub times: Vec<u64>,
    pub signals: Vec<WaveRow>,
    /// Index into `times` of the first mismatch.
    #[serde(default)]
    pub first: usize,
    /// The VCD's timescale (`1ps`), when known.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub timescale: String,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct WaveRow {
    pub name: String,
    /// Bits (0: unknown).
    #[serde(default)]
    pub width: u32,
    /// Hex (binary digits for 1-bit signals); `-` where not recorded.
    pub values: Vec<String>,
    /// The reference's values, for outputs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TraceReport {
    /// `fail` (suspects follow), `pass` (nothing to trace), `compile_error`.
    pub verdict: &'static str,
    pub message: String,
    pub failing_outputs: Vec<String>,
    pub first_mismatch: Option<FirstMismatch>,
    pub mismatches: usize,
    pub observations: usize,
    pub formula: &'static str,
    pub suspects: Vec<Suspect>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waveform: Option<WaveTable>,
    /// The compiler's messages when the design does not compile.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<String>,
    /// The coarse analysis taken for files sv-parser could not read, a VCD read in part.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub timescale: String,
    pub sim_seconds: f64,
    /// Time spent after the simulation (reading the VCD, slicing, scoring).
    pub analysis_ms: f64,
    /// Every formula's ranking, as "file:line-end_line" (with `all_rankings`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub rankings: BTreeMap<&'static str, Vec<String>>,
    /// The static cone of the failing outputs, as "file:line-end_line" (with `all_rankings`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub static_cone: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error(transparent)]
    Sim(#[from] SimError),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Wave(String),
    #[error("cannot prepare {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Read the sources (for the analysis) and write copies without `$dump…` calls where needed.
fn prepare(design: &Design, work: &Path) -> Result<(Design, Vec<(PathBuf, String)>), TraceError> {
    let dump = regex::Regex::new(r"\$dump\w*\s*(\([^;]*\))?\s*;").expect("regex");
    let mut out = design.clone();
    let mut texts = Vec::new();
    for (k, src) in design.sources.iter().enumerate() {
        let text = std::fs::read(src).map_err(|source| TraceError::Io {
            path: src.clone(),
            source,
        })?;
        let text = String::from_utf8_lossy(&text).into_owned();
        if dump.is_match(&text) {
            let name = src
                .file_name()
                .map(|n| n.to_os_string())
                .unwrap_or_default();
            let copy = work.join(format!("{k}")).join(name);
            let io = |source| TraceError::Io {
                path: copy.clone(),
                source,
            };
            std::fs::create_dir_all(copy.parent().unwrap_or(work)).map_err(io)?;
            std::fs::write(&copy, dump.replace_all(&text, ";").as_bytes()).map_err(io)?;
            if let Some(p) = src.parent() {
                out.include_dirs.push(p.to_path_buf());
            }
            out.sources[k] = copy;
        }
        texts.push((src.clone(), text));
    }
    Ok((out, texts))
}

/// The module of instance path `path` below module `top`, from the parsed sources.
fn module_of(modules: &[hdl::Module], top: &str, path: &str) -> Result<Option<String>, String> {
    let mut current = top.to_string();
    for part in path.split('.') {
        let Some(m) = modules.iter().find(|m| m.name == current) else {
            return Ok(None); // not readable: checked against the VCD later
        };
        match m.instances.iter().find(|i| i.name == part) {
            Some(i) => current = i.module.clone(),
            None => {
                let names: Vec<&str> = m.instances.iter().map(|i| i.name.as_str()).collect();
                return Err(format!(
                    "--compare: module {} has no instance `{part}` (its instances: {})",
                    m.name,
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                ));
            }
        }
    }
    Ok(Some(current))
}

/// Trace a failing simulation.
pub async fn run(opts: &TraceOptions) -> Result<TraceReport, TraceError> {
    let top = opts.design.top.clone().ok_or(SimError::NoTop)?;
    let work = tempfile::Builder::new()
        .prefix("rtlsmith-trace-")
        .tempdir()
        .map_err(|source| TraceError::Io {
            path: std::env::temp_dir(),
            source,
        })?;
    let (design, texts) = prepare(&opts.design, work.path())?;
    // the testbench is read (to find the instances) only when the caller does not know them:
    // sv-parser is slow on a large testbench
    let read = |files: &[(PathBuf, String)]| -> Vec<hdl::Module> {
        files
            .iter()
            .filter_map(|(p, t)| hdl::parse_modules(t, p).ok())
            .flatten()
            .collect()
    };
    let (dut_module, mut modules) = match &opts.dut_module {
        Some(m) => (Some(m.clone()), Vec::new()),
        None => {
            let modules = read(&texts);
            let m = module_of(&modules, &top, &opts.dut).map_err(TraceError::Usage)?;
            if !opts.reference.is_empty() {
                module_of(&modules, &top, &opts.reference).map_err(TraceError::Usage)?;
            }
            (m, modules)
        }
    };
    // the sources of the DUT's hierarchy, found at the token level
    let dut_texts = match &dut_module {
        Some(m) => hierarchy_sources(&texts, m),
        None => Vec::new(),
    };
    if opts.dut_module.is_some() {
        modules = read(&dut_texts);
    }

    let vcd = work.path().join("trace.vcd");
    let sim_opts = SimOptions {
        wave: Some(vcd.clone()),
        wave_scopes: [&opts.dut, &opts.reference]
            .into_iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect(),
        data_dir: opts.data_dir.clone(),
        timeout: opts.timeout,
        require_finish: false,
        scratch: Some(work.path().to_path_buf()),
        ..SimOptions::default()
    };
    let started = Instant::now();
    let result = sim::simulate(SimKind::Icarus, &design, &sim_opts).await?;
    let sim_seconds = started.elapsed().as_secs_f64();
    let mut report = TraceReport {
        verdict: "fail",
        message: String::new(),
        failing_outputs: Vec::new(),
        first_mismatch: None,
        mismatches: 0,
        observations: 0,
        formula: opts.formula.name(),
        suspects: Vec::new(),
        waveform: None,
        diagnostics: Vec::new(),
        notes: Vec::new(),
        timescale: String::new(),
        sim_seconds,
        analysis_ms: 0.0,
        rankings: BTreeMap::new(),
        static_cone: Vec::new(),
    };
    if result.status == Status::CompileError {
        report.verdict = "compile_error";
        report.message = format!("the design does not compile: {}", result.reason);
        report.diagnostics = result
            .diagnostics
            .iter()
            .filter(|d| d.severity >= sim::Severity::Error)
            .map(|d| d.one_line())
            .collect();
        if report.diagnostics.is_empty() {
            report.diagnostics = result.failing_lines.clone();
        }
        return Ok(report);
    }
    if matches!(result.status, Status::Timeout | Status::Crash) {
        report
            .notes
            .push(format!("the simulation ended early: {}", result.reason));
    }
    let Some(vcd) = result.wave.clone() else {
        return Err(TraceError::Wave(format!(
            "the simulation wrote no waveform ({}); does the testbench run?",
            result.reason
        )));
    };
    let analysis = Instant::now();
    let dut_path = format!("{top}.{}", opts.dut);
    // without a reference (the testbench's messages say what failed) nothing is read for it
    let messages = opts.reference.is_empty();
    let ref_path = format!("{top}.{}", opts.reference);
    let (dp, rp) = (
        format!("{dut_path}."),
        if messages {
            "\u{0}".to_string()
        } else {
            format!("{ref_path}.")
        },
    );
    let waves = Waves::read(
        &vcd,
        &|n: &str| n.starts_with(&dp) || n.starts_with(&rp),
        opts.wave_budget,
    )
    .map_err(TraceError::Wave)?;
    if let Some(dest) = &opts.keep_wave {
        let _ = std::fs::copy(&vcd, dest);
    }
    report.timescale = waves.timescale.clone();
    let scopes = if messages {
        vec![("DUT", &dut_path)]
    } else {
        vec![("DUT", &dut_path), ("REF", &ref_path)]
    };
    for (flag, path) in scopes {
        if !waves.scopes.contains(path) {
            let children: Vec<&str> = waves
                .scopes
                .iter()
                .filter_map(|s| s.strip_prefix(&format!("{top}.")))
                .filter(|s| !s.contains('.'))
                .collect();
            return Err(TraceError::Usage(format!(
                "--compare: no instance {path} ({flag}) in the simulation; instances of {top}: {}",
                children.join(", ")
            )));
        }
    }
    if let Some(t) = waves.truncated_at {
        report.notes.push(format!(
            "the waveform is large: analysed up to time {} ({} MiB of values kept)",
            time_text(t, &waves.timescale),
            opts.wave_budget >> 20
        ));
    }

    // outputs: the DUT module's output ports, or every variable both instances have
    let outputs: Vec<String> = match dut_module
        .as_ref()
        .and_then(|m| modules.iter().find(|x| &x.name == m))
    {
        Some(m) => m
            .ports
            .iter()
            .filter(|p| p.direction == Direction::Output)
            .map(|p| p.name.clone())
            .collect(),
        None => {
            let mut v: Vec<String> = waves
                .vars
                .keys()
                .filter_map(|k| k.strip_prefix(&dp))
                .filter(|k| !k.contains('.') && waves.vars.contains_key(&format!("{rp}{k}")))
                .map(str::to_string)
                .collect();
            v.sort();
            v
        }
    };
    let mut observations: Vec<(usize, u32, bool)> = Vec::new();
    if messages {
        let log = result.run.as_ref().map(|p| p.output.as_str()).unwrap_or("");
        let factor = time_factor(&texts, &top, &waves.timescale);
        observations = from_messages(log, &outputs, &waves, &dp, factor);
        report.notes.push(
            "no reference: failures taken from the testbench's messages naming an output and a time (the weakest evidence)"
                .into(),
        );
    }
    for (k, o) in outputs.iter().enumerate() {
        if messages {
            break;
        }
        let (Some(&rt), Some(&dt)) = (
            waves.vars.get(&format!("{rp}{o}")),
            waves.vars.get(&format!("{dp}{o}")),
        ) else {
            continue;
        };
        for ti in 0..waves.times.len() as u32 {
            let (Some(exp), Some(act)) = (waves.digits(rt, ti), waves.digits(dt, ti)) else {
                continue;
            };
            if let Some(fails) = mismatch(exp, act, waves.tracks[rt].width) {
                observations.push((k, ti, fails));
            }
        }
    }
    report.observations = observations.len();
    report.mismatches = observations.iter().filter(|o| o.2).count();
    let mut failing: BTreeSet<usize> = BTreeSet::new();
    let mut first: Option<(u32, usize)> = None;
    for (k, ti, f) in &observations {
        if *f {
            failing.insert(*k);
            if first.is_none_or(|(t, _)| *ti < t) {
                first = Some((*ti, *k));
            }
        }
    }
    report.failing_outputs = failing.iter().map(|k| outputs[*k].clone()).collect();
    let Some((first_ti, first_out)) = first else {
        report.verdict = "pass";
        report.message = if messages {
            "the testbench reports no failure naming an output and a time: nothing to trace".into()
        } else {
            format!(
                "the design matches the reference at all {} observations: nothing to trace",
                report.observations
            )
        };
        report.analysis_ms = analysis.elapsed().as_secs_f64() * 1e3;
        return Ok(report);
    };
    report.first_mismatch = Some(FirstMismatch {
        output: outputs[first_out].clone(),
        time: waves.times[first_ti as usize],
    });

    let used = sample_observations(&observations, opts.max_observations);
    if used.len() < observations.len() {
        report.notes.push(format!(
            "scored on {} of the {} observations (windows of time steps around the first mismatches and spread over the run)",
            used.len(),
            observations.len()
        ));
    }
    let observations = used;
    let flat = match &dut_module {
        Some(m) => design::flatten(&dut_texts, m, &dut_path),
        None => Flat::default(),
    };
    report.notes.extend(flat.coarse.iter().cloned());
    if flat.stmts.is_empty() {
        report.notes.push(format!(
            "no statements of {} could be read: only the failing outputs are reported",
            dut_module.as_deref().unwrap_or(&opts.dut)
        ));
    }
    let ranked = rank(&flat, &waves, opts, &outputs, &observations, (&dp, &rp));
    report.message = format!(
        "{} of {} observations mismatch; first: {} at {}",
        report.mismatches,
        report.observations,
        outputs[first_out],
        time_text(waves.times[first_ti as usize], &waves.timescale)
    );
    report.suspects = ranked.suspects(opts.formula, opts.top);
    if opts.all_rankings {
        for f in Formula::ALL {
            report.rankings.insert(
                f.name(),
                ranked
                    .suspects(f, usize::MAX)
                    .iter()
                    .map(|s| format!("{}:{}-{}", s.file.display(), s.line, s.end_line))
                    .collect(),
            );
        }
        report.static_cone = ranked.cone_lines.clone();
    }
    report.waveform = Some(table(
        &waves,
        &report,
        &dp,
        (!messages).then_some(rp.as_str()),
        first_ti,
    ));
    report.analysis_ms = analysis.elapsed().as_secs_f64() * 1e3;
    Ok(report)
}

/// The sources declaring `root` and the modules below it (token level: no parse).
fn hierarchy_sources(texts: &[(PathBuf, String)], root: &str) -> Vec<(PathBuf, String)> {
    let declared: Vec<Vec<String>> = texts
        .iter()
        .map(|(_, t)| hdl::declared_modules(t))
        .collect();
    let mut wanted: Vec<String> = vec![root.to_string()];
    let mut picked: BTreeSet<usize> = BTreeSet::new();
    let mut k = 0;
    while k < wanted.len() {
        let m = wanted[k].clone();
        k += 1;
        for (i, d) in declared.iter().enumerate() {
            if d.contains(&m) && picked.insert(i) {
                for (child, _) in hdl::instantiations(&texts[i].1) {
                    if !wanted.contains(&child) {
                        wanted.push(child);
                    }
                }
            }
        }
    }
    picked.into_iter().map(|i| texts[i].clone()).collect()
}

/// Failing observations from the testbench's own messages: a line with a failure word, one of
/// the DUT's outputs by name and a time (`at time 55`, `@55`, `t=55`, `time 55`), in the
/// testbench's time unit (`factor` VCD steps each). An output's observations before its first
/// reported failure count as passing, and so do those of outputs no failure names.
fn from_messages(
    log: &str,
    outputs: &[String],
    waves: &Waves,
    dp: &str,
    factor: u64,
) -> Vec<(usize, u32, bool)> {
    let fail =
        regex::Regex::new(r"(?i)error|mismatch|fail|expected|wrong|incorrect").expect("regex");
    let time = regex::Regex::new(r"(?i)(?:\btime\b|\bat\b|@|\bt\s*=)\s*=?\s*(\d+)").expect("regex");
    let mut failed: BTreeMap<(usize, u32), ()> = BTreeMap::new();
    for line in log.lines().filter(|l| fail.is_match(l)) {
        let Some(t) = time
            .captures_iter(line)
            .filter_map(|c| c[1].parse::<u64>().ok())
            .last()
        else {
            continue;
        };
        // `%t` prints in the simulation's precision, `%d` of $time in the module's unit: a
        // time past the end of the run in the unit is read in the precision
        let last = waves.times.last().copied().unwrap_or(0);
        let t = match t.saturating_mul(factor) {
            scaled if scaled <= last => scaled,
            _ => t,
        };
        let ti = waves.times.partition_point(|x| *x <= t);
        if ti == 0 {
            continue;
        }
        for (k, o) in outputs.iter().enumerate() {
            let named = regex::Regex::new(&format!(r"\b{}\b", regex::escape(o)))
                .is_ok_and(|r| r.is_match(line));
            if named {
                failed.insert((k, (ti - 1) as u32), ());
            }
        }
    }
    let first: HashMap<usize, u32> = failed.keys().fold(HashMap::new(), |mut m, (k, ti)| {
        let e = m.entry(*k).or_insert(*ti);
        *e = (*e).min(*ti);
        m
    });
    let mut out = Vec::new();
    for (k, o) in outputs.iter().enumerate() {
        if !waves.vars.contains_key(&format!("{dp}{o}")) {
            continue;
        }
        for ti in 0..waves.times.len() as u32 {
            if failed.contains_key(&(k, ti)) {
                out.push((k, ti, true));
            } else if first.get(&k).is_none_or(|f| ti < *f) {
                out.push((k, ti, false));
            }
        }
    }
    out
}

/// VCD steps per unit of the testbench's time (its `timescale` unit over the VCD's).
fn time_factor(texts: &[(PathBuf, String)], top: &str, vcd: &str) -> u64 {
    let secs = |n: &str, u: &str| -> Option<f64> {
        let n: f64 = n.parse().ok()?;
        let u = match u {
            "s" => 1.0,
            "ms" => 1e-3,
            "us" => 1e-6,
            "ns" => 1e-9,
            "ps" => 1e-12,
            "fs" => 1e-15,
            _ => return None,
        };
        Some(n * u)
    };
    let ts = regex::Regex::new(r"`timescale\s+(\d+)\s*([munpf]?s)").expect("regex");
    let unit = texts
        .iter()
        .find(|(_, t)| hdl::declared_modules(t).iter().any(|m| m == top))
        .and_then(|(_, t)| ts.captures(t))
        .and_then(|c| secs(&c[1], &c[2]));
    let v = regex::Regex::new(r"^(\d+)\s*([munpf]?s)$").expect("regex");
    let step = v.captures(vcd.trim()).and_then(|c| secs(&c[1], &c[2]));
    match (unit, step) {
        (Some(u), Some(s)) if u >= s => (u / s).round() as u64,
        _ => 1,
    }
}

/// Whether the DUT's digits differ from the reference's where the reference knows the bit (0 or
/// 1; VerilogEval's rule), both extended to `width` as VCD says; None when the reference knows
/// no bit (nothing to compare).
fn mismatch(exp: &str, act: &str, width: u32) -> Option<bool> {
    let w = width as usize;
    let bit = |d: &[u8], i: usize| -> u8 {
        // i counts from the least significant bit
        if i < d.len() {
            d[d.len() - 1 - i]
        } else {
            match d.first() {
                Some(b'x' | b'X') => b'x',
                Some(b'z' | b'Z') => b'z',
                _ => b'0',
            }
        }
    };
    let (e, a) = (exp.as_bytes(), act.as_bytes());
    let mut known = false;
    let mut fails = false;
    for i in 0..w.max(e.len()) {
        let eb = bit(e, i);
        if eb == b'0' || eb == b'1' {
            known = true;
            if bit(a, i) != eb {
                fails = true;
                break;
            }
        }
    }
    known.then_some(fails)
}

/// At most about `max` observations of a long run, taken in windows of consecutive time steps
/// (neighbouring steps share most of their slices, so windows cost far less than scattered
/// steps): a window around the onset of each mismatching stretch first, then windows spread
/// evenly over the run.
fn sample_observations(obs: &[(usize, u32, bool)], max: usize) -> Vec<(usize, u32, bool)> {
    if obs.len() <= max {
        return obs.to_vec();
    }
    const WINDOW: u32 = 32;
    let steps: BTreeSet<u32> = obs.iter().map(|o| o.1).collect();
    let per_step = (obs.len() / steps.len().max(1)).max(1);
    let budget = (max / per_step).max(WINDOW as usize) as u32;
    let last = steps.iter().next_back().copied().unwrap_or(0);
    let mut keep: BTreeSet<u32> = BTreeSet::new();
    let window = |start: u32, keep: &mut BTreeSet<u32>| {
        for t in start..=(start + WINDOW - 1).min(last) {
            if keep.len() as u32 >= budget {
                return;
            }
            keep.insert(t);
        }
    };
    let mut failing_before = std::collections::HashSet::new();
    let mut onsets = Vec::new();
    for o in obs {
        if o.2 && !failing_before.contains(&(o.0, o.1.wrapping_sub(1))) {
            onsets.push(o.1);
        }
        if o.2 {
            failing_before.insert((o.0, o.1));
        }
    }
    onsets.sort_unstable();
    onsets.dedup();
    for t in onsets.iter().take((budget / WINDOW / 2).max(1) as usize) {
        window(t.saturating_sub(WINDOW / 4), &mut keep);
    }
    let windows = (budget / WINDOW).max(1);
    for k in 0..windows {
        window((k as u64 * last as u64 / windows as u64) as u32, &mut keep);
    }
    obs.iter()
        .filter(|o| keep.contains(&o.1))
        .copied()
        .collect()
}

/// Signals directly in the DUT whose width differs from the same-named signal of the reference.
fn width_differences(waves: &Waves, dp: &str, rp: &str) -> HashMap<String, (u32, u32)> {
    let mut out = HashMap::new();
    for (name, t) in &waves.vars {
        let Some(local) = name.strip_prefix(dp).filter(|l| !l.contains('.')) else {
            continue;
        };
        if let Some(r) = waves.vars.get(&format!("{rp}{local}")) {
            let (dw, rw) = (waves.tracks[*t].width, waves.tracks[*r].width);
            if dw != rw {
                out.insert(name.clone(), (dw, rw));
            }
        }
    }
    out
}

/// `155ps` for 155 units of `1ps`; `155 x 10ns` otherwise.
pub fn time_text(t: u64, timescale: &str) -> String {
    match timescale.strip_prefix('1') {
        Some(unit) if !unit.starts_with('0') => format!("{t}{unit}"),
        _ if timescale.is_empty() => t.to_string(),
        _ => format!("{t} x {timescale}"),
    }
}

/// Counts per source statement (one per file, line and column: a module's statement runs once
/// per instance, and is counted in an observation when any instance of it is in the slice),
/// and distances, ready to be ranked by any formula; a line's suspect is its best statement.
struct Ranked<'a> {
    flat: &'a Flat,
    lines: Vec<(PathBuf, u32, u32)>,
    /// The statements (instances) of each source statement.
    members: Vec<Vec<usize>>,
    ef: Vec<f64>,
    ep: Vec<f64>,
    f: f64,
    p: f64,
    /// Per statement.
    distance: Vec<u32>,
    cone_lines: Vec<String>,
    dut_prefix: String,
    /// DUT signals whose recorded width differs from the reference's: (DUT's, reference's).
    widths: HashMap<String, (u32, u32)>,
}

fn rank<'a>(
    flat: &'a Flat,
    waves: &Waves,
    opts: &TraceOptions,
    outputs: &[String],
    observations: &[(usize, u32, bool)],
    (dp, rp): (&str, &str),
) -> Ranked<'a> {
    let n = flat.stmts.len();
    let mut index: HashMap<(PathBuf, u32, u32), usize> = HashMap::new();
    let mut lines = Vec::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    let mut line_of = Vec::with_capacity(n);
    for (i, s) in flat.stmts.iter().enumerate() {
        let key = (s.file.clone(), s.line, s.column);
        let l = *index.entry(key.clone()).or_insert_with(|| {
            lines.push(key);
            members.push(Vec::new());
            lines.len() - 1
        });
        members[l].push(i);
        line_of.push(l);
    }
    let mut slicer = Slicer::new(flat, waves, opts.depth);
    let (mut ef, mut ep) = (vec![0.0; lines.len()], vec![0.0; lines.len()]);
    let (mut f, mut p) = (0.0, 0.0);
    let mut hit = vec![false; lines.len()];
    for (k, ti, fails) in observations {
        let s = slicer.signal(&format!("{dp}{}", outputs[*k]), *ti, opts.depth);
        hit.iter_mut().for_each(|h| *h = false);
        for (i, l) in line_of.iter().enumerate() {
            if s.has(i) {
                hit[*l] = true;
            }
        }
        let counts = if *fails { &mut ef } else { &mut ep };
        for (c, h) in counts.iter_mut().zip(&hit) {
            if *h {
                *c += 1.0;
            }
        }
        if *fails {
            f += 1.0;
        } else {
            p += 1.0;
        }
    }
    // static distance (statements) from the failing outputs, over every writer and guard
    let mut distance = vec![u32::MAX; n];
    let mut queue: VecDeque<(String, u32)> = observations
        .iter()
        .filter(|o| o.2)
        .map(|o| (format!("{dp}{}", outputs[o.0]), 0))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut seen: BTreeSet<String> = queue.iter().map(|q| q.0.clone()).collect();
    let mut visit =
        |i: usize, d: u32, queue: &mut VecDeque<(String, u32)>, distance: &mut Vec<u32>| {
            if distance[i] <= d {
                return;
            }
            distance[i] = d;
            for r in &flat.stmts[i].reads {
                if seen.insert(r.clone()) {
                    queue.push_back((r.clone(), d + 1));
                }
            }
        };
    while let Some((sig, d)) = queue.pop_front() {
        for &w in flat.writers.get(&sig).map(Vec::as_slice).unwrap_or(&[]) {
            visit(w, d + 1, &mut queue, &mut distance);
            for (c, _) in flat.stmts[w].guards.clone() {
                visit(c, d + 1, &mut queue, &mut distance);
            }
        }
    }
    let mut cone: BTreeSet<String> = BTreeSet::new();
    for (i, s) in flat.stmts.iter().enumerate() {
        if distance[i] != u32::MAX {
            cone.insert(format!(
                "{}:{}-{}",
                s.file.display(),
                s.line,
                s.end_line.max(s.line)
            ));
        }
    }
    Ranked {
        flat,
        lines,
        members,
        ef,
        ep,
        f,
        p,
        distance,
        cone_lines: cone.into_iter().collect(),
        dut_prefix: dp.to_string(),
        widths: width_differences(waves, dp, rp),
    }
}

impl Ranked<'_> {
    /// Suspects are ranked by class, then score: a declaration whose width differs from the
    /// reference's first (direct evidence), then assignments and conditions (what runs), then
    /// other declarations, then port connections (a fault in a module shows in the connection
    /// that carries it out, too).
    fn class(&self, i: usize) -> u8 {
        let s = &self.flat.stmts[i];
        match s.kind {
            StmtKind::Declaration | StmtKind::Assign
                if s.writes.iter().any(|w| self.widths.contains_key(w)) =>
            {
                0
            }
            StmtKind::Assign | StmtKind::Procedural | StmtKind::Condition => 1,
            StmtKind::Declaration => 2,
            StmtKind::Connection => 3,
        }
    }

    fn suspects(&self, formula: Formula, top: usize) -> Vec<Suspect> {
        // the best source statement of each line: (statement, class, score, distance, shown)
        type Candidate = (usize, u8, f64, u32, usize);
        let mut best: HashMap<(PathBuf, u32), Candidate> = HashMap::new();
        for (l, ms) in self.members.iter().enumerate() {
            let shown = ms
                .iter()
                .copied()
                .min_by_key(|i| (self.class(*i), self.distance[*i]))
                .expect("a statement has an instance");
            let class = self.class(shown);
            if self.ef[l] == 0.0 && class != 0 {
                continue;
            }
            let score = formula.score(self.ef[l], self.ep[l], self.f, self.p);
            let distance = ms
                .iter()
                .map(|i| self.distance[*i])
                .min()
                .unwrap_or(u32::MAX);
            let cand = (l, class, score, distance, shown);
            let (file, line, _) = self.lines[l].clone();
            let order = |x: &Candidate| (std::cmp::Reverse(x.1), x.2, std::cmp::Reverse(x.3));
            match best.get(&(file.clone(), line)) {
                Some(b) if order(b) >= order(&cand) => {}
                _ => {
                    best.insert((file, line), cand);
                }
            }
        }
        let mut v: Vec<Candidate> = best.into_values().collect();
        v.sort_by(|a, b| {
            a.1.cmp(&b.1)
                .then(b.2.total_cmp(&a.2))
                .then(a.3.cmp(&b.3))
                .then(self.lines[a.0].cmp(&self.lines[b.0]))
        });
        v.into_iter()
            .take(top)
            .map(|(l, _, score, distance, i)| {
                let s = &self.flat.stmts[i];
                let mut reason = format!(
                    "ran in {} of {} failing and {} of {} passing observations",
                    self.ef[l], self.f, self.ep[l], self.p
                );
                if distance != u32::MAX {
                    reason.push_str(&format!("; {distance} step(s) from a failing output"));
                }
                for w in &s.writes {
                    if let Some((d, r)) = self.widths.get(w) {
                        let name = w.strip_prefix(&self.dut_prefix).unwrap_or(w);
                        reason = format!(
                            "declares {name} {d} bit(s) wide where the reference's is {r}; {reason}"
                        );
                    }
                }
                let (file, line, _) = self.lines[l].clone();
                let signals: BTreeSet<String> = self
                    .members
                    .iter()
                    .zip(&self.lines)
                    .filter(|(_, (f, ln, _))| *f == file && *ln == line)
                    .flat_map(|(ms, _)| ms)
                    .flat_map(|m| {
                        self.flat.stmts[*m]
                            .reads
                            .iter()
                            .chain(&self.flat.stmts[*m].writes)
                    })
                    .map(|n| n.strip_prefix(&self.dut_prefix).unwrap_or(n).to_string())
                    .collect();
                Suspect {
                    file,
                    line,
                    end_line: s.end_line.max(line),
                    score: (score.max(0.0) * 1000.0).round() / 1000.0,
                    statement: s.text.clone(),
                    signals: signals.into_iter().collect(),
                    reason,
                }
            })
            .collect()
    }
}

/// Time steps kept before and after the first mismatch in a [`WaveTable`].
pub const WINDOW_BEFORE: u32 = 16;
pub const WINDOW_AFTER: u32 = 8;
/// Time steps either side of the first mismatch in the text report.
const TEXT_SPAN: usize = 3;

/// The failing outputs and the top suspects' signals in a window of time steps around the
/// first mismatch.
fn table(waves: &Waves, report: &TraceReport, dp: &str, rp: Option<&str>, first: u32) -> WaveTable {
    let from = first.saturating_sub(WINDOW_BEFORE);
    let to = (first + WINDOW_AFTER).min(waves.times.len().saturating_sub(1) as u32);
    let tis: Vec<u32> = (from..=to).collect();
    let show = |name: &str| -> Vec<String> {
        tis.iter()
            .map(|ti| {
                waves
                    .full(name, *ti)
                    .map(|d| wave::hex(&d))
                    .unwrap_or_else(|| "-".to_string())
            })
            .collect()
    };
    let width = |name: &str| waves.vars.get(name).map_or(0, |t| waves.tracks[*t].width);
    let mut rows = Vec::new();
    let mut named: BTreeSet<String> = BTreeSet::new();
    for o in &report.failing_outputs {
        named.insert(o.clone());
        rows.push(WaveRow {
            name: o.clone(),
            width: width(&format!("{dp}{o}")),
            values: show(&format!("{dp}{o}")),
            expected: rp.map(|rp| show(&format!("{rp}{o}"))),
        });
    }
    for s in report.suspects.iter().take(3) {
        for sig in &s.signals {
            if rows.len() >= 12 || !named.insert(sig.clone()) {
                continue;
            }
            let full = format!("{dp}{sig}");
            if waves.vars.contains_key(&full) {
                rows.push(WaveRow {
                    name: sig.clone(),
                    width: width(&full),
                    values: show(&full),
                    expected: None,
                });
            }
        }
    }
    WaveTable {
        times: tis.iter().map(|t| waves.times[*t as usize]).collect(),
        signals: rows,
        first: (first - from) as usize,
        timescale: waves.timescale.clone(),
    }
}

/// The report as text: the verdict, suspects, and the waveform table.
pub fn render(r: &TraceReport) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "trace: {}", r.message);
    for d in &r.diagnostics {
        let _ = writeln!(out, "  {d}");
    }
    for n in &r.notes {
        let _ = writeln!(out, "note: {n}");
    }
    if r.verdict != "fail" {
        return out;
    }
    let _ = writeln!(out, "failing outputs: {}", r.failing_outputs.join(", "));
    let _ = writeln!(out, "\nsuspects ({}):", r.formula);
    for (k, s) in r.suspects.iter().enumerate() {
        let _ = writeln!(
            out,
            "{:>3}. {}:{}  score {:.3}  `{}`\n       {}",
            k + 1,
            s.file.display(),
            s.line,
            s.score,
            s.statement,
            s.reason
        );
    }
    if let Some(w) = &r.waveform {
        let _ = writeln!(
            out,
            "\naround the first mismatch (actual, expected in brackets):"
        );
        let cols = w.first.saturating_sub(TEXT_SPAN)..(w.first + TEXT_SPAN + 1).min(w.times.len());
        out.push_str(&wave_text(w, cols));
    }
    out
}

/// Columns `cols` of a waveform table as text: the actual values, the expected ones in
/// brackets where they differ.
pub fn wave_text(w: &WaveTable, cols: std::ops::Range<usize>) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let name_w = w
        .signals
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let cells: Vec<Vec<String>> = w
        .signals
        .iter()
        .map(|s| {
            cols.clone()
                .map(|i| {
                    let v = &s.values[i];
                    match &s.expected {
                        Some(e) if e[i] != *v => format!("{v}[{}]", e[i]),
                        _ => v.clone(),
                    }
                })
                .collect()
        })
        .collect();
    let times = &w.times[cols];
    let col_w: Vec<usize> = (0..times.len())
        .map(|i| {
            cells
                .iter()
                .map(|c| c[i].len())
                .chain(std::iter::once(times[i].to_string().len()))
                .max()
                .unwrap_or(1)
        })
        .collect();
    let mut head = format!("  {:name_w$}", "time");
    for (i, t) in times.iter().enumerate() {
        let _ = write!(head, "  {:>width$}", t, width = col_w[i]);
    }
    let _ = writeln!(out, "{head}");
    for (s, c) in w.signals.iter().zip(&cells) {
        let mut line = format!("  {:name_w$}", s.name);
        for (i, v) in c.iter().enumerate() {
            let _ = write!(line, "  {:>width$}", v, width = col_w[i]);
        }
        let _ = writeln!(out, "{line}");
    }
    out
}

/// The trace of a VerilogEval v2 problem's testbench on a candidate file: the candidate as it
/// is (suspects point into it), the testbench and the reference written to `work`, the
/// instances the suite's testbenches hold (`top_module1`, `good1`).
pub fn suite_options(
    problem: &crate::suite::Problem,
    candidate: &Path,
    work: &Path,
) -> Result<TraceOptions, TraceError> {
    if problem.candidate_prefix.is_some() || problem.judging != crate::suite::Judging::Mismatches {
        return Err(TraceError::Usage(format!(
            "{}: trace reads VerilogEval v2 problems (a reference instance beside the candidate)",
            problem.id
        )));
    }
    let write = |name: &str, text: &str| -> Result<PathBuf, TraceError> {
        let p = work.join(name);
        std::fs::write(&p, text).map_err(|source| TraceError::Io {
            path: p.clone(),
            source,
        })?;
        Ok(p)
    };
    let tb = write(&format!("{}_test.sv", problem.id), &problem.testbench)?;
    // the simulation runs in a folder of its own: the candidate by its absolute path
    let mut sources = vec![crate::process::absolute(candidate), tb];
    for (name, text) in &problem.support {
        sources.push(write(name, text)?);
    }
    let design = Design {
        sources,
        top: Some(problem.tb_top.clone()),
        extra_args: vec!["-Wno-timescale".to_string()],
        ..Design::default()
    };
    let mut o = TraceOptions::new(design, "top_module1", "good1");
    o.dut_module = Some(problem.dut_module.clone());
    Ok(o)
}

/// The trace of RTL against a C++ golden model: `cosim` records the model's outputs for its
/// seeded stimulus and writes its replay testbench in trace form (the model's values shown by
/// an instance `expected` beside the RTL's `dut`), which is then traced as `--compare
/// dut=expected`. Returns the options and the folder to remove afterwards.
pub async fn cosim_options(
    c: &crate::cosim::CosimOptions,
) -> Result<(TraceOptions, PathBuf), TraceError> {
    let mut c = c.clone();
    c.replay_only = true;
    c.sims = vec![SimKind::Icarus];
    let report = crate::cosim::run(&c)
        .await
        .map_err(|e| TraceError::Usage(format!("cosim: {e}")))?;
    let run = report.runs.first();
    let dir = run
        .filter(|r| r.verdict == crate::cosim::Verdict::Match)
        .and_then(|r| r.job_dir.clone())
        .ok_or_else(|| {
            TraceError::Usage(format!(
                "cosim could not prepare the model's expected values: {}",
                run.map(|r| r.message.as_str()).unwrap_or("no run")
            ))
        })?;
    // the run's folder is <work>/icarus; <work> is what to remove
    let icarus = dir.clone();
    let dir = icarus
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or(icarus.clone());
    let mut design = c.design.clone();
    design.sources.push(icarus.join("cosim_tb.sv"));
    design.top = Some(crate::cosim::testbench::TB_TOP.into());
    design.parameters.clear();
    let mut o = TraceOptions::new(design, "dut", "expected");
    o.dut_module = c.design.top.clone();
    o.data_dir = Some(icarus.join("data"));
    Ok((o, dir))
}
