//! `rtlsmith mutate`: single-fault mutants of a design, and with `--kill-with` (a regression
//! case, or a suite task) the mutation score of that testbench.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{AppError, ExitCode, SourceArgs};
use rtlsmith::mutate::{self, Fate, KillWith, MutateError, MutateOptions};
use rtlsmith::regress;
use rtlsmith::suite::{self, SuiteKind};

#[derive(Args, Debug)]
pub struct MutateArgs {
    #[command(flatten)]
    pub src: SourceArgs,
    /// The design's top module (mutants must still compile with it)
    #[arg(long, required = true)]
    pub top: String,
    /// How many compiling mutants to make
    #[arg(long, default_value_t = 20)]
    pub count: usize,
    /// Seed of the choice of sites
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where the mutants and mutants.json are written
    #[arg(long, value_name = "DIR", required = true)]
    pub out: PathBuf,
    /// Judge every mutant with this testbench: a case of the manifest, or a suite task
    /// SUITE:PATH:TASK (verilog-eval-v2:DATASET:ProbNNN_name; a mutated reference is renamed)
    #[arg(long, value_name = "CASE|SUITE:PATH:TASK")]
    pub kill_with: Option<String>,
    /// The manifest holding the case (default: rtlsmith.toml here or above)
    #[arg(long, value_name = "PATH")]
    pub manifest: Option<PathBuf>,
    /// Simulations in parallel (default: number of CPUs)
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
}

impl From<MutateError> for AppError {
    fn from(e: MutateError) -> Self {
        match e {
            MutateError::Sim(s) => s.into(),
            other => AppError::usage(
                other.to_string(),
                "rtlsmith mutate --help; a case's sources must include the mutated files",
            ),
        }
    }
}

pub async fn run(a: MutateArgs) -> Result<ExitCode, AppError> {
    let design = a.src.design(Some(a.top.clone()), &[])?;
    let task = a.kill_with.as_deref().and_then(|k| {
        let (suite, rest) = k.split_once(':')?;
        let kind = match suite {
            "verilog-eval-v2" => SuiteKind::VerilogEvalV2,
            "verilog-eval-v1" => SuiteKind::VerilogEvalV1,
            "rtllm" => SuiteKind::Rtllm,
            _ => return None,
        };
        let (path, task) = rest.rsplit_once(':')?;
        Some((kind, PathBuf::from(path), task.to_string()))
    });
    let kill_with = match (&a.kill_with, task) {
        (None, _) => None,
        (Some(_), Some((kind, path, task))) => {
            let s = suite::load(kind, &path)?;
            let p = s.get(&task).cloned().ok_or_else(|| {
                AppError::usage(
                    format!("{} has no problem {task}", path.display()),
                    "rtlsmith suite list SUITE PATH shows the problems",
                )
            })?;
            Some(KillWith::Task(Box::new(p)))
        }
        (Some(name), None) => {
            let path = match &a.manifest {
                Some(p) => p.clone(),
                None => regress::manifest::find(Path::new("."))?,
            };
            let m = regress::manifest::load(&path)?;
            let case = m.cases.iter().find(|c| &c.name == name).cloned();
            Some(KillWith::Case(Box::new(case.ok_or_else(|| {
                AppError::usage(
                    format!("{} has no case {name}", path.display()),
                    "rtlsmith regress --list shows the cases",
                )
            })?)))
        }
    };
    let opts = MutateOptions {
        design,
        count: a.count,
        seed: a.seed,
        out: a.out.clone(),
        kill_with,
        jobs: a.jobs.unwrap_or_else(rtlsmith::runner::cores),
    };
    let r = mutate::run(&opts).await?;
    for m in &r.mutants {
        let fate = match m.fate {
            Fate::Unjudged => "",
            Fate::Killed => "  killed",
            Fate::Survived => "  SURVIVED",
        };
        println!(
            "{}  {}:{}  {:<25} `{}` → `{}`{fate}",
            m.id,
            m.file.display(),
            m.line,
            m.operator,
            m.original,
            m.mutated
        );
    }
    print!(
        "mutate: {} mutant(s) from {} site(s), {} discarded as not compiling",
        r.mutants.len(),
        r.sites,
        r.discarded
    );
    match r.score {
        Some(s) => println!(
            "; killed {}, survived {}: mutation score {:.1}%",
            r.killed,
            r.survived,
            100.0 * s
        ),
        None => println!(),
    }
    println!("mutate: {}", a.out.join("mutants.json").display());
    Ok(ExitCode::Success)
}
