/*!
`rtlsmith mutate`: single-fault mutants of a design, and — with a testbench — the mutation
score of that testbench (how many planted bugs it notices; YosysHQ's MCY asks the same).

Sites come from sv-parser ([`sites`]); a seeded shuffle picks them; each mutant is a copy of
the sources with one edit, checked to compile with Icarus (those that do not are discarded and
counted), then, given a regression case or a suite task (its testbench and reference, judged by
`eval`'s judge), simulated in parallel and called killed (the testbench failed) or surviving. Everything is recorded in `DIR/mutants.json`.
*/

pub use crate::hdl::sites;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::eval::judge::JudgeConfig;
use crate::hdl::HdlError;
use crate::regress::Case;
use crate::runner;
use crate::sim::{self, Design, SimError, SimKind, Status};
use crate::suite::Problem;

/// What to mutate.
#[derive(Debug, Clone)]
pub struct MutateOptions {
    /// The design's sources (every file is a candidate for mutation), include folders,
    /// defines, the top module.
    pub design: Design,
    pub count: usize,
    pub seed: u64,
    pub out: PathBuf,
    /// Judge every mutant with this testbench.
    pub kill_with: Option<KillWith>,
    pub jobs: usize,
}

/// The testbench that judges the mutants.
#[derive(Debug, Clone)]
pub enum KillWith {
    /// A regression case whose sources include the mutated files.
    Case(Box<Case>),
    /// A suite task: the mutated design is judged as a candidate by the task's own testbench
    /// (a mutated reference is renamed to the module the testbench instantiates).
    Task(Box<Problem>),
}

/// How a mutant fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    /// Not simulated (no testbench given).
    Unjudged,
    /// The testbench failed on it.
    Killed,
    /// The testbench passed: a bug it does not notice.
    Survived,
}

/// One mutant, as `mutants.json` records it.
#[derive(Debug, Clone, Serialize)]
pub struct Mutant {
    pub id: String,
    pub file: PathBuf,
    pub line: u32,
    pub operator: &'static str,
    pub original: String,
    pub mutated: String,
    /// The mutated copy of `file`.
    pub path: PathBuf,
    pub fate: Fate,
    /// Why a killed mutant was killed (the testbench's verdict).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
}

/// `mutants.json`.
#[derive(Debug, Clone, Serialize)]
pub struct MutationReport {
    pub format_version: u32,
    pub seed: u64,
    /// Sites found in the sources.
    pub sites: usize,
    /// Mutants tried and discarded because they did not compile.
    pub discarded: usize,
    pub mutants: Vec<Mutant>,
    pub killed: usize,
    pub survived: usize,
    /// killed / (killed + survived), when a testbench judged them.
    pub score: Option<f64>,
}

#[derive(Debug, thiserror::Error)]
pub enum MutateError {
    #[error(transparent)]
    Hdl(#[from] HdlError),
    #[error(transparent)]
    Sim(#[from] SimError),
    #[error("{0}")]
    Usage(String),
    #[error("cannot write {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> MutateError + '_ {
    move |source| MutateError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A seeded Fisher–Yates shuffle (splitmix64), the same on every machine.
fn shuffle<T>(v: &mut [T], seed: u64) {
    let mut x = seed;
    for i in (1..v.len()).rev() {
        x = x.wrapping_add(0x9e3779b97f4a7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
        z ^= z >> 31;
        v.swap(i, (z % (i as u64 + 1)) as usize);
    }
}

/// Make up to `count` compiling mutants, and judge them with the case when one is given.
pub async fn run(opts: &MutateOptions) -> Result<MutationReport, MutateError> {
    sim::check_available(SimKind::Icarus)?;
    let mut all: Vec<(usize, sites::Site)> = Vec::new();
    let mut texts = Vec::new();
    for (i, f) in opts.design.sources.iter().enumerate() {
        let text = std::fs::read_to_string(f).map_err(|source| HdlError::Io {
            path: f.clone(),
            source,
        })?;
        all.extend(sites::sites(&text, f)?.into_iter().map(|s| (i, s)));
        texts.push(text);
    }
    let found = all.len();
    shuffle(&mut all, opts.seed);
    std::fs::create_dir_all(&opts.out).map_err(io(&opts.out))?;
    let mut mutants = Vec::new();
    let mut discarded = 0;
    for (file, site) in all {
        if mutants.len() >= opts.count {
            break;
        }
        let id = format!("m{:03}", mutants.len() + discarded);
        let dir = opts.out.join(&id);
        let original = &opts.design.sources[file];
        let path = dir.join(original.file_name().unwrap_or_default());
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        std::fs::write(&path, site.apply(&texts[file])).map_err(io(&path))?;
        let mut design = opts.design.clone();
        design.sources[file] = crate::process::absolute(&path);
        // the original's folder stays on the include path: its `include files are still found
        if let Some(p) = original.parent() {
            design.include_dirs.push(p.to_path_buf());
        }
        let lint = sim::lint(SimKind::Icarus, &design, Duration::from_secs(60)).await?;
        if lint.errors > 0 {
            discarded += 1;
            let _ = std::fs::remove_dir_all(&dir);
            continue;
        }
        mutants.push(Mutant {
            id,
            file: original.clone(),
            line: site.line,
            operator: site.operator,
            original: site.original,
            mutated: site.mutated,
            path,
            fate: Fate::Unjudged,
            verdict: None,
        });
    }
    match &opts.kill_with {
        Some(KillWith::Case(case)) => judge(&mut mutants, case, opts.jobs).await?,
        Some(KillWith::Task(p)) => judge_task(&mut mutants, p, opts.jobs).await?,
        None => {}
    }
    let killed = mutants.iter().filter(|m| m.fate == Fate::Killed).count();
    let survived = mutants.iter().filter(|m| m.fate == Fate::Survived).count();
    let report = MutationReport {
        format_version: 1,
        seed: opts.seed,
        sites: found,
        discarded,
        killed,
        survived,
        score: (killed + survived > 0).then(|| killed as f64 / (killed + survived) as f64),
        mutants,
    };
    let json = opts.out.join("mutants.json");
    crate::util::write_atomic(
        &json,
        serde_json::to_string_pretty(&report).unwrap_or_default(),
    )
    .map_err(io(&json))?;
    Ok(report)
}

/// Simulate the case once per mutant (its mutated file in place of the original) on the
/// case's first simulator, in parallel.
async fn judge(mutants: &mut [Mutant], case: &Case, jobs: usize) -> Result<(), MutateError> {
    let kind = case.simulators.first().copied().unwrap_or(SimKind::Icarus);
    let same = |a: &Path, b: &Path| {
        std::fs::canonicalize(a)
            .ok()
            .is_some_and(|x| std::fs::canonicalize(b).ok() == Some(x))
    };
    let mut work = Vec::new();
    for (i, m) in mutants.iter().enumerate() {
        let mut design = case.design.clone();
        let Some(slot) = design.sources.iter().position(|s| same(s, &m.file)) else {
            return Err(MutateError::Usage(format!(
                "case {} does not compile {} (its sources: {}); choose a case that tests the mutated design",
                case.name,
                m.file.display(),
                case.design
                    .sources
                    .iter()
                    .map(|s| s.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        design.sources[slot] = crate::process::absolute(&m.path);
        work.push((i, design));
    }
    let opts = case.sim_options();
    let mut fates = Vec::new();
    runner::run_longest_first(
        work,
        jobs,
        |_| 0.0,
        move |(i, design)| {
            let o = opts.clone();
            async move { sim::simulate(kind, &design, &o).await.map(|r| (i, r)) }
        },
        |_, (i, r)| {
            fates.push((i, r));
            Ok::<(), SimError>(())
        },
    )
    .await?;
    for (i, r) in fates {
        let m = &mut mutants[i];
        if r.status == Status::Pass {
            m.fate = Fate::Survived;
        } else {
            m.fate = Fate::Killed;
            m.verdict = Some(format!("{}: {}", r.status, r.reason));
        }
    }
    Ok(())
}

/// Judge each mutant as a candidate of the suite task (its testbench, its reference), in
/// parallel, with `eval`'s judge (Icarus, the official flags).
async fn judge_task(mutants: &mut [Mutant], p: &Problem, jobs: usize) -> Result<(), MutateError> {
    let cfg = JudgeConfig {
        sim: SimKind::Icarus,
        timeout: Duration::from_secs(30),
        secret: crate::eval::judge::new_secret(),
        build_jobs: 1,
    };
    let scratch = tempfile::Builder::new()
        .prefix("rtlsmith-mutate-")
        .tempdir()
        .map_err(io(&std::env::temp_dir()))?;
    let mut work = Vec::new();
    for (i, m) in mutants.iter().enumerate() {
        let text = std::fs::read_to_string(&m.path).map_err(io(&m.path))?;
        let declared = crate::hdl::declared_modules(&text);
        let text = if declared.contains(&p.reference_module) && !declared.contains(&p.dut_module) {
            crate::hdl::rename_module(&text, &p.reference_module, &p.dut_module)
        } else {
            text
        };
        work.push((i, Arc::new(text)));
    }
    let problem = Arc::new(p.clone());
    let dir = scratch.path().to_path_buf();
    let mut fates = Vec::new();
    runner::run_longest_first(
        work,
        jobs,
        |_| 0.0,
        move |(i, text)| {
            let (problem, cfg, dir) = (problem.clone(), cfg.clone(), dir.clone());
            async move {
                crate::eval::judge::judge(&problem, &text, None, true, &cfg, &dir)
                    .await
                    .map(|v| (i, v))
            }
        },
        |_, (i, v)| {
            fates.push((i, v));
            Ok::<(), SimError>(())
        },
    )
    .await?;
    for (i, v) in fates {
        let m = &mut mutants[i];
        if v.passed {
            m.fate = Fate::Survived;
        } else {
            m.fate = Fate::Killed;
            m.verdict = Some(format!("{}: {}", v.code, v.reason));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shuffle_is_seeded() {
        let mut a: Vec<u32> = (0..50).collect();
        let mut b = a.clone();
        shuffle(&mut a, 9);
        shuffle(&mut b, 9);
        assert_eq!(a, b);
        let mut c: Vec<u32> = (0..50).collect();
        shuffle(&mut c, 10);
        assert_ne!(a, c);
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
    }
}
