//! The eval section: one or more run directories side by side — what was judged and how, pass@k,
//! failure classes as a bar chart, the per-problem table (differences between runs
//! highlighted), and every failing sample with its log, its trace suspects and a picture of its
//! first mismatch.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::html::{self, esc};
use super::{ReportError, read_json};
use crate::eval::report::Summary;
use crate::eval::rundir::RunMeta;
use crate::eval::{FailureCode, ResultLine};

/// Failing samples shown per run (the rest are counted).
const MAX_FAILING: usize = 400;

/// One eval run directory, read.
pub struct EvalRun {
    pub dir: PathBuf,
    pub label: String,
    pub summary: Summary,
    pub meta: Option<RunMeta>,
    pub results: Vec<ResultLine>,
}

impl EvalRun {
    pub fn read(dir: &Path) -> Result<EvalRun, ReportError> {
        let summary: Summary = read_json(&dir.join("summary.json"))?;
        let meta = read_json(&dir.join("run.json")).ok();
        let mut results = Vec::new();
        if let Ok(text) = std::fs::read_to_string(dir.join("results.jsonl")) {
            // a torn last line (a killed run) is skipped, as the journal does
            results.extend(
                text.lines()
                    .filter_map(|l| serde_json::from_str::<ResultLine>(l).ok()),
            );
        }
        Ok(EvalRun {
            dir: dir.to_path_buf(),
            label: label(dir),
            summary,
            meta,
            results,
        })
    }
}

/// A run's name: its folder's name.
pub fn label(dir: &Path) -> String {
    let abs = crate::process::absolute(dir);
    abs.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| abs.display().to_string())
}

/// A ratio as the report prints it (the DOM test reads these back).
pub fn fmt_ratio(x: f64) -> String {
    if x.is_nan() {
        "—".into()
    } else {
        format!("{x:.4}")
    }
}

fn oracle(r: &EvalRun) -> String {
    let pipeline = r.summary.llm.as_ref().and_then(|l| l.pipeline.clone());
    match (r.summary.mode.as_str(), pipeline) {
        (_, Some(p)) => format!(
            "judged by the suite's testbenches; the samples were made by the {p} pipeline with <b>no oracle</b> in its loop"
        ),
        ("references", _) => {
            "the suite's reference solutions judged by its own testbenches (calibration)".into()
        }
        _ => "judged by the suite's own testbenches after generation (no oracle in generation)"
            .into(),
    }
}

fn replies(r: &EvalRun) -> String {
    match &r.summary.llm {
        Some(l) if l.scripted => format!(
            "<span class=\"scripted\">scripted ({}) — not a model's work</span>",
            esc(&l.provider)
        ),
        Some(l) => esc(&l.provider),
        None => match r.meta.as_ref().and_then(|m| m.candidates_from.clone()) {
            Some(c) => format!("candidates from {}", esc(&c)),
            None => "—".into(),
        },
    }
}

pub fn section(runs: &[EvalRun]) -> String {
    let mut s = String::new();
    let ks: BTreeSet<usize> = runs
        .iter()
        .flat_map(|r| r.summary.pass_at.keys().copied())
        .collect();
    // what was judged, and how
    s.push_str("<h2>Runs</h2><table id=\"runs\"><thead><tr><th></th>");
    for (i, r) in runs.iter().enumerate() {
        let _ = write!(
            s,
            "<th data-run=\"{i}\" title=\"{}\">{}</th>",
            esc(&r.dir.display().to_string()),
            esc(&r.label)
        );
    }
    s.push_str("</tr></thead><tbody>");
    let row = |s: &mut String, name: &str, field: &str, f: &dyn Fn(&EvalRun) -> String| {
        let _ = write!(s, "<tr><th>{}</th>", esc(name));
        for (i, r) in runs.iter().enumerate() {
            let _ = write!(
                s,
                "<td data-run=\"{i}\" data-field=\"{field}\">{}</td>",
                f(r)
            );
        }
        s.push_str("</tr>");
    };
    row(&mut s, "suite", "suite", &|r| {
        format!("{} ({})", esc(&r.summary.suite), esc(&r.summary.variant))
    });
    row(&mut s, "mode", "mode", &|r| esc(&r.summary.mode));
    row(&mut s, "oracle", "oracle", &oracle);
    row(&mut s, "samples from", "replies", &replies);
    row(&mut s, "simulator", "simulator", &|r| {
        format!(
            "{} — {}",
            esc(&r.summary.simulator),
            esc(&r.summary.simulator_version)
        )
    });
    row(&mut s, "flags", "flags", &|r| {
        esc(&r.summary.flags.join(" "))
    });
    row(&mut s, "shard", "shard", &|r| {
        r.meta
            .as_ref()
            .and_then(|m| m.shard.clone())
            .map_or("—".into(), |x| esc(&x))
    });
    row(&mut s, "samples judged", "samples", &|r| {
        r.summary.samples.to_string()
    });
    row(&mut s, "passed", "passed", &|r| {
        r.summary.passed.to_string()
    });
    for k in &ks {
        let field = format!("pass@{k}");
        row(&mut s, &field, &field, &|r| {
            r.summary
                .pass_at
                .get(k)
                .map_or("—".into(), |x| fmt_ratio(*x))
        });
    }
    row(&mut s, "errata (references that fail)", "errata", &|r| {
        let ids: Vec<&str> = r.summary.errata.iter().map(|e| e.id.as_str()).collect();
        if ids.is_empty() {
            "0".into()
        } else {
            format!(
                "{} <span class=\"note\">({})</span>",
                ids.len(),
                esc(&ids.join(", "))
            )
        }
    });
    row(&mut s, "wall time", "wall", &|r| {
        format!("{:.1} s", r.summary.wall_seconds)
    });
    row(&mut s, "stopped early", "stop_reason", &|r| {
        r.summary.stop_reason.as_ref().map_or("no".into(), |x| {
            format!("<span class=\"fail\">{}</span>", esc(x))
        })
    });
    s.push_str("</tbody></table>");

    // failure classes
    let mut codes: BTreeMap<char, Vec<usize>> = BTreeMap::new();
    for (i, r) in runs.iter().enumerate() {
        for p in &r.summary.problems {
            for (c, n) in &p.codes {
                let Some(ch) = c.chars().next().filter(|ch| *ch != '.') else {
                    continue;
                };
                codes.entry(ch).or_insert_with(|| vec![0; runs.len()])[i] += n;
            }
        }
    }
    let labels: Vec<(String, String)> = codes
        .keys()
        .map(|c| {
            let m = FailureCode::from_letter(*c).map_or("", |f| f.meaning());
            (c.to_string(), format!("{c}  {m}"))
        })
        .collect();
    let values: Vec<Vec<usize>> = codes.values().cloned().collect();
    let series: Vec<String> = runs.iter().map(|r| r.label.clone()).collect();
    s.push_str("<h2>Failure classes</h2><p class=\"note\">Samples per class (VerilogEval's codes; <code>X</code>: refused by the static checks).</p>");
    s.push_str(&html::bar_chart(
        "failure-classes",
        &labels,
        &series,
        &values,
    ));

    // per problem
    let errata: BTreeSet<&str> = runs
        .iter()
        .flat_map(|r| r.summary.errata.iter().map(|e| e.id.as_str()))
        .collect();
    let mut ids: Vec<&str> = Vec::new();
    let mut seen = BTreeSet::new();
    for r in runs {
        for p in &r.summary.problems {
            if seen.insert(p.id.as_str()) {
                ids.push(&p.id);
            }
        }
    }
    let _ = write!(
        s,
        "<h2>Problems</h2><p class=\"note\">{} problem(s). Click a column to sort. <span class=\"erratum\">E</span>: the suite's own reference fails its testbench (an erratum).{}</p>",
        ids.len(),
        if runs.len() > 1 {
            " Rows where the runs' pass rates differ are highlighted."
        } else {
            ""
        }
    );
    s.push_str(
        "<table id=\"problems\" class=\"sortable\"><thead><tr><th>problem</th><th>erratum</th>",
    );
    for r in runs {
        let l = esc(&r.label);
        let _ = write!(
            s,
            "<th>{l}: passed</th><th>{l}: rate</th><th>{l}: classes</th>"
        );
    }
    s.push_str("</tr></thead><tbody>");
    for id in &ids {
        let per: Vec<Option<&crate::eval::report::ProblemSummary>> = runs
            .iter()
            .map(|r| r.summary.problems.iter().find(|p| p.id == *id))
            .collect();
        let rates: Vec<Option<f64>> = per
            .iter()
            .map(|p| p.filter(|p| p.n > 0).map(|p| p.c as f64 / p.n as f64))
            .collect();
        let differ = runs.len() > 1
            && rates
                .iter()
                .any(|x| x.map(|v| (v * 1e9).round()) != rates[0].map(|v| (v * 1e9).round()));
        let failing = per.iter().flatten().any(|p| p.c < p.n);
        let erratum = errata.contains(id);
        let _ = write!(
            s,
            "<tr data-problem=\"{}\"{}{}><td>{}</td><td data-sort=\"{}\">{}</td>",
            esc(id),
            if differ { " class=\"diff\"" } else { "" },
            if failing { " data-failing=\"1\"" } else { "" },
            esc(id),
            u8::from(erratum),
            if erratum {
                "<span class=\"erratum\" title=\"the reference fails its own testbench\">E</span>"
            } else {
                ""
            }
        );
        for (i, p) in per.iter().enumerate() {
            match p {
                Some(p) => {
                    let codes: Vec<String> =
                        p.codes.iter().map(|(c, n)| format!("{c}×{n}")).collect();
                    let _ = write!(
                        s,
                        "<td class=\"num\" data-run=\"{i}\" data-field=\"c\" data-sort=\"{}\">{}/{}</td><td class=\"num\" data-run=\"{i}\" data-field=\"rate\" data-sort=\"{}\">{}</td><td data-run=\"{i}\" data-field=\"codes\">{}</td>",
                        p.c,
                        p.c,
                        p.n,
                        rates[i].unwrap_or(0.0),
                        rates[i].map_or("—".into(), fmt_ratio),
                        esc(&codes.join(" "))
                    );
                }
                None => s.push_str("<td>—</td><td>—</td><td>—</td>"),
            }
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table>");

    // failing samples
    s.push_str("<h2>Failing samples</h2>");
    for (i, r) in runs.iter().enumerate() {
        let mut failing: Vec<&ResultLine> =
            r.results.iter().filter(|l| !l.verdict.passed).collect();
        failing.sort_by(|a, b| (&a.task_id, a.sample).cmp(&(&b.task_id, b.sample)));
        let _ = write!(
            s,
            "<h3>{} — {} failing sample(s)</h3>",
            esc(&r.label),
            failing.len()
        );
        if failing.is_empty() {
            s.push_str("<p class=\"note\">none</p>");
            continue;
        }
        if !failing.iter().any(|l| l.suspects.is_some()) {
            s.push_str("<p class=\"note\">No trace suspects or waveforms in this run: <code>rtlsmith eval … --trace</code> adds them for VerilogEval v2 samples that ran and mismatched.</p>");
        }
        for l in failing.iter().take(MAX_FAILING) {
            s.push_str(&failing_sample(i, r, l));
        }
        if failing.len() > MAX_FAILING {
            let _ = write!(
                s,
                "<p class=\"note\">… and {} more (see results.jsonl and logs/).</p>",
                failing.len() - MAX_FAILING
            );
        }
    }
    s
}

fn failing_sample(run: usize, r: &EvalRun, l: &ResultLine) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<details class=\"failing\" id=\"fail-{run}-{}-{}\" data-run=\"{run}\" data-problem=\"{}\" data-sample=\"{}\" data-code=\"{}\"><summary><b>{}</b> sample {} — <code>{}</code> {}</summary>",
        esc(&l.task_id),
        l.sample,
        esc(&l.task_id),
        l.sample,
        esc(&l.verdict.code.letter().to_string()),
        esc(&l.task_id),
        l.sample,
        esc(&l.verdict.code.letter().to_string()),
        esc(&l.verdict.reason)
    );
    if let Some(sus) = &l.suspects {
        s.push_str("<p>Suspects (rtlsmith trace):</p><ol class=\"suspects\">");
        for x in sus {
            let _ = write!(
                s,
                "<li>line {} <code>{}</code> — score {:.3}<br><span class=\"note\">{}</span></li>",
                x.line,
                esc(&x.statement),
                x.score,
                esc(&x.reason)
            );
        }
        s.push_str("</ol>");
    }
    let wave = crate::eval::tracing::wave_path(&r.dir, &l.task_id, l.sample);
    if let Ok(w) = read_json::<crate::trace::WaveTable>(&wave) {
        let _ = write!(
            s,
            "<p>Around the first mismatch (the candidate's values; the reference's beneath where they differ):</p><div class=\"wavebox\">{}</div>",
            crate::trace::svg::render(
                &w,
                Some(w.first),
                &format!("{} sample {}", l.task_id, l.sample)
            )
        );
    }
    let log_of = |x: &ResultLine| {
        r.dir
            .join("logs")
            .join(&x.task_id)
            .join(format!("sample{:02}.log", x.sample))
    };
    // an identical candidate is simulated once: its log is kept with the first of them
    let twin = r
        .results
        .iter()
        .find(|x| x.hash == l.hash && log_of(x).is_file() && x.sample != l.sample);
    match std::fs::read_to_string(log_of(l)) {
        Ok(t) => s.push_str(&html::pre(&t)),
        Err(_) => match twin.map(|x| (x, std::fs::read_to_string(log_of(x)))) {
            Some((x, Ok(t))) => {
                let _ = write!(
                    s,
                    "<p class=\"note\">The log of the identical sample {} (simulated once for both):</p>{}",
                    x.sample,
                    html::pre(&t)
                );
            }
            _ => s.push_str(
                "<p class=\"note\">No log kept for this sample (refused before simulation, or its verdict came from the cache).</p>",
            ),
        },
    }
    s.push_str("</details>");
    s
}
