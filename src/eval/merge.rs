//! `rtlsmith eval merge`: the shards (or any run directories) of one evaluation into one.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::report::{self, Extras};
use super::rundir::{Journal, ResultLine, RunMeta};
use super::{EvalError, io_err};

/// Merge run directories (shards of one evaluation) into `out`.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<report::Summary, EvalError> {
    let mut meta: Option<RunMeta> = None;
    let mut results: Vec<ResultLine> = Vec::new();
    let mut refs: Vec<ResultLine> = Vec::new();
    let mut seen = HashSet::new();
    for d in dirs {
        let path = d.join("run.json");
        let text = std::fs::read_to_string(&path).map_err(|_| EvalError::RunDir {
            path: d.clone(),
            message: "has no run.json (is it an rtlsmith eval --out folder?)".into(),
        })?;
        let m: RunMeta = serde_json::from_str(&text).map_err(|e| EvalError::RunDir {
            path: d.clone(),
            message: format!("run.json is unreadable ({e})"),
        })?;
        if let Some(first) = &meta {
            if (
                first.suite,
                &first.variant,
                first.simulator,
                &first.simulator_version,
                &first.flags,
                &first.mode,
            ) != (
                m.suite,
                &m.variant,
                m.simulator,
                &m.simulator_version,
                &m.flags,
                &m.mode,
            ) {
                return Err(EvalError::RunDir {
                    path: d.clone(),
                    message: "was made with a different suite, simulator, flags or mode than the first run directory".into(),
                });
            }
        } else {
            meta = Some(m.clone());
        }
        for l in Journal::open(&d.join("results.jsonl"))?.1 {
            if seen.insert((l.task_id.clone(), l.sample)) {
                results.push(l);
            }
        }
        refs.extend(Journal::open(&d.join("references.jsonl"))?.1);
    }
    let Some(mut meta) = meta else {
        return Err(EvalError::RunDir {
            path: out.to_path_buf(),
            message: "nothing to merge".into(),
        });
    };
    meta.shard = None;
    std::fs::create_dir_all(out).map_err(io_err(out))?;
    // a merge target is written afresh
    for f in ["results.jsonl", "references.jsonl", "errata.json"] {
        let _ = std::fs::remove_file(out.join(f));
    }
    let mode_refs = meta.mode == "references";
    let suite = crate::suite::load(meta.suite, Path::new(&meta.suite_path)).ok();
    let summary = report::Summary::build(&meta, suite.as_ref(), &results, &refs, Extras::default());
    crate::util::write_atomic(
        &out.join("run.json"),
        serde_json::to_string_pretty(&meta).unwrap_or_default(),
    )
    .map_err(io_err(out))?;
    let mut j = Journal::open(&out.join("results.jsonl"))?.0;
    for l in &results {
        j.append(l)?;
    }
    let mut rj = Journal::open(&out.join("references.jsonl"))?.0;
    for l in &refs {
        rj.append(l)?;
    }
    report::write_all(out, &summary, &results, mode_refs)?;
    // the logs, traces and generations go with the results (the HTML report shows them)
    let target = crate::process::absolute(out);
    for d in dirs {
        if crate::process::absolute(d) == target {
            continue;
        }
        for sub in ["logs", "trace", "generations"] {
            let from = d.join(sub);
            if from.is_dir() {
                let to = out.join(sub);
                std::fs::create_dir_all(&to).map_err(io_err(&to))?;
                let mut budget = 4u64 << 30;
                crate::util::copy_tree(&from, &to, &mut budget).map_err(io_err(&from))?;
            }
        }
    }
    Ok(summary)
}
