//! The gen section: the verdict, the plan as a graph of sub-functions (each opens its record and
//! citations), the stages with their attempts and interventions, reflection's decisions with the
//! evidence, and the co-simulation's first mismatch as a waveform (the C++ model's values as the
//! expected ones beside the RTL's). Read from the run's `report.json`, `plan.json` and
//! `reflect/NN.json`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use super::html::{self, esc};
use super::read_json;
use crate::trace::{WaveRow, WaveTable, svg};

fn str_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn list(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(str_of)
        .collect::<Vec<_>>()
}

pub fn section(dir: &Path, r: &Value) -> String {
    let mut s = String::new();
    let verdict = r["verdict"].as_str().unwrap_or("?");
    let scripted = r["scripted"].as_bool() == Some(true);
    let _ = write!(
        s,
        "<p class=\"verdict\"><span id=\"gen-verdict\" class=\"{}\">{}</span> — {}</p>",
        if verdict == "verified" {
            "pass"
        } else {
            "fail"
        },
        esc(&verdict.to_uppercase()),
        esc(r["reason"].as_str().unwrap_or(""))
    );
    s.push_str(&html::facts(&[
        ("top", esc(&str_of(&r["top"]))),
        ("spec", esc(&str_of(&r["spec"]))),
        (
            "replies",
            if scripted {
                format!(
                    "<span class=\"scripted\">scripted ({}) — not a model's work</span>",
                    esc(&str_of(&r["provider"]))
                )
            } else {
                esc(&str_of(&r["provider"]))
            },
        ),
        (
            "oracle",
            "<b>no oracle</b>: checked only against what rtlsmith derived from the spec (the C++ golden model and the spec's tests)".into(),
        ),
        ("ablation", esc(&str_of(&r["ablation"]))),
        ("reflection", esc(&str_of(&r["router"]))),
        (
            "interventions",
            format!(
                "<span id=\"gen-interventions\">{}</span>",
                r["interventions"].as_u64().unwrap_or(0)
            ),
        ),
        ("RTL", esc(&list(&r["rtl"]).join(", "))),
        (
            "time",
            format!("{:.1} s", r["seconds"].as_f64().unwrap_or(0.0)),
        ),
    ]));
    if let Some(inj) = r.get("injected").filter(|v| !v.is_null()) {
        let _ = write!(
            s,
            "<p><b>Injected fault</b> {}: {}</p>",
            esc(&str_of(&inj["fault"])),
            esc(&inj["applied"]
                .as_str()
                .map_or("not applied (no site found)".to_string(), String::from))
        );
    }

    // the plan
    let plan: Value = read_json(&dir.join("plan.json")).unwrap_or(Value::Null);
    let troubled: BTreeSet<String> = r["decisions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| str_of(&d["subfunction"]))
        .chain(
            r["failures"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|f| str_of(&f["subfunction"])),
        )
        .collect();
    s.push_str("<h2>Plan</h2>");
    match plan["subfunctions"].as_array() {
        Some(sfs) if !sfs.is_empty() => {
            s.push_str("<p class=\"note\">Sub-functions, dependencies on the left; click one to open its record. Red: a failure was found or routed there.</p>");
            s.push_str(&graph(sfs, &troubled));
            for sf in sfs {
                s.push_str(&record(sf));
            }
        }
        _ => s.push_str("<p class=\"note\">No plan was made (plan.json is missing).</p>"),
    }

    // stages
    s.push_str("<h2>Stages</h2><table id=\"stages\"><thead><tr><th>stage</th><th>status</th><th>attempts</th><th>iterations</th><th>interventions</th><th>requests (cached)</th><th>tokens in/out</th><th>time</th></tr></thead><tbody>");
    for st in r["stages"].as_array().into_iter().flatten() {
        let _ = write!(
            s,
            "<tr data-stage=\"{}\"><td>{}</td><td class=\"{}\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{} ({})</td><td class=\"num\">{}/{}</td><td class=\"num\">{:.1} s</td></tr>",
            esc(&str_of(&st["name"])),
            esc(&str_of(&st["name"])),
            if st["status"] == "done" {
                "pass"
            } else {
                "fail"
            },
            esc(&str_of(&st["status"])),
            st["attempts"].as_u64().unwrap_or(0),
            st["iterations"].as_u64().unwrap_or(0),
            st["interventions"].as_u64().unwrap_or(0),
            st["requests"].as_u64().unwrap_or(0),
            st["cached"].as_u64().unwrap_or(0),
            st["prompt_tokens"].as_u64().unwrap_or(0),
            st["completion_tokens"].as_u64().unwrap_or(0),
            st["seconds"].as_f64().unwrap_or(0.0)
        );
    }
    s.push_str("</tbody></table>");
    for st in r["stages"].as_array().into_iter().flatten() {
        let notes = list(&st["notes"]);
        if !notes.is_empty() {
            let _ = write!(
                s,
                "<details><summary>{} — {} note(s)</summary><ul>{}</ul></details>",
                esc(&str_of(&st["name"])),
                notes.len(),
                notes
                    .iter()
                    .map(|n| format!("<li>{}</li>", esc(n)))
                    .collect::<String>()
            );
        }
    }

    // final co-simulation
    if let Some(c) = r.get("cosim").filter(|c| !c.is_null()) {
        let _ = write!(
            s,
            "<h2>Co-simulation</h2><p>Final verdict <b id=\"cosim-verdict\">{}</b>: {} cycles, seed {}.</p><ul>",
            esc(&str_of(&c["verdict"])),
            c["cycles"].as_u64().unwrap_or(0),
            c["seed"].as_u64().unwrap_or(0)
        );
        for run in c["runs"].as_array().into_iter().flatten() {
            let _ = write!(
                s,
                "<li>{}: {} — {}</li>",
                esc(&str_of(&run[0])),
                esc(&str_of(&run[1])),
                esc(&str_of(&run[2]))
            );
        }
        s.push_str("</ul>");
    }

    // reflection
    let decisions = r["decisions"].as_array().cloned().unwrap_or_default();
    let mut pictured = false;
    if !decisions.is_empty() {
        s.push_str("<h2>Reflection</h2>");
        for d in &decisions {
            let n = d["n"].as_u64().unwrap_or(0);
            let _ = write!(
                s,
                "<details class=\"decision\" id=\"decision-{n}\" open><summary>{n}. {} → route {} ({} {}), by {} — <b>{}</b></summary><p>{}</p>",
                esc(&str_of(&d["failure"])),
                d["route_number"].as_u64().unwrap_or(0),
                esc(&str_of(&d["route"])),
                esc(&str_of(&d["subfunction"])),
                esc(&str_of(&d["decided_by"])),
                esc(&str_of(&d["outcome"])),
                esc(&str_of(&d["reason"]))
            );
            let ev_file = str_of(&d["evidence"]);
            if !ev_file.is_empty()
                && let Ok(ev) = read_json::<Value>(&dir.join(&ev_file))
            {
                let findings = list(&ev["evidence"]["findings"]);
                if !findings.is_empty() {
                    let _ = write!(
                        s,
                        "<p>Findings:</p><ul>{}</ul>",
                        findings
                            .iter()
                            .map(|f| format!("<li>{}</li>", esc(f)))
                            .collect::<String>()
                    );
                }
                if let Ok(w) =
                    serde_json::from_value::<WaveTable>(ev["evidence"]["waveform"].clone())
                {
                    pictured = true;
                    let _ = write!(
                        s,
                        "<p>First mismatch: the RTL's values, the C++ model's beneath where they differ.</p><div class=\"wavebox\">{}</div>",
                        svg::render(&w, Some(w.first), &format!("decision {n}: first mismatch"))
                    );
                }
                if let Some(t) = ev["evidence"]["trace"].as_str() {
                    let _ = write!(
                        s,
                        "<details><summary>trace</summary>{}</details>",
                        html::pre(t)
                    );
                }
            }
            s.push_str("</details>");
        }
    }

    // verification failures
    let failures = r["failures"].as_array().cloned().unwrap_or_default();
    if !failures.is_empty() {
        s.push_str("<h2>Verification failures</h2><table id=\"failures\"><thead><tr><th>round</th><th>check</th><th>sub-function</th><th>simulator</th><th>port</th><th>cycle</th><th>expected</th><th>actual</th></tr></thead><tbody>");
        for f in &failures {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&str_of(&f["round"])),
                esc(&str_of(&f["check"])),
                esc(&str_of(&f["subfunction"])),
                esc(&str_of(&f["simulator"])),
                esc(&str_of(&f["port"])),
                esc(&str_of(&f["cycle"])),
                esc(&str_of(&f["expected"])),
                esc(&str_of(&f["actual"]))
            );
        }
        s.push_str("</tbody></table>");
        // without a trace (no reflection), the failure's own stimulus makes the picture
        if !pictured && let Some(w) = failures.iter().find_map(stimulus_table) {
            let _ = write!(
                s,
                "<p>First mismatch: the inputs of the last cycles and the output, the C++ model's value beneath.</p><div class=\"wavebox\">{}</div>",
                svg::render(&w, Some(w.first), "first co-simulation mismatch")
            );
        }
    }
    s
}

/// A cosim failure's stimulus (the inputs of the last cycles, oldest first) and its mismatching
/// output as a waveform table, one column per cycle.
fn stimulus_table(f: &Value) -> Option<WaveTable> {
    let cycles = f["stimulus"].as_array()?;
    let last = f["cycle"].as_u64()? as usize;
    if cycles.is_empty() || f["check"] != "cosim" {
        return None;
    }
    let n = cycles.len();
    let first_cycle = (last + 1).saturating_sub(n);
    let mut names: Vec<String> = Vec::new();
    for c in cycles {
        for k in c.as_object()?.keys() {
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
    }
    let port = str_of(&f["port"]);
    let mut actual = vec!["-".to_string(); n];
    let mut expected = vec!["-".to_string(); n];
    actual[n - 1] = str_of(&f["actual"]);
    expected[n - 1] = str_of(&f["expected"]);
    let mut rows = vec![WaveRow {
        name: port,
        width: 0,
        values: actual,
        expected: Some(expected),
    }];
    for name in names {
        rows.push(WaveRow {
            values: cycles
                .iter()
                .map(|c| c.get(&name).map_or("-".into(), str_of))
                .collect(),
            name,
            width: 0,
            expected: None,
        });
    }
    Some(WaveTable {
        times: (first_cycle..=last).map(|c| c as u64).collect(),
        signals: rows,
        first: n - 1,
        timescale: "cycle".into(),
    })
}

/// The sub-functions laid out by dependency depth (leaves first), edges from a dependency to
/// its user; a node opens its record.
fn graph(sfs: &[Value], troubled: &BTreeSet<String>) -> String {
    let names: Vec<String> = sfs.iter().map(|f| str_of(&f["name"])).collect();
    let deps: BTreeMap<&str, Vec<String>> = sfs
        .iter()
        .zip(&names)
        .map(|(f, n)| (n.as_str(), list(&f["depends_on"])))
        .collect();
    let mut depth: BTreeMap<&str, usize> = BTreeMap::new();
    fn d<'a>(
        n: &'a str,
        deps: &'a BTreeMap<&str, Vec<String>>,
        depth: &mut BTreeMap<&'a str, usize>,
        guard: usize,
    ) -> usize {
        if let Some(x) = depth.get(n) {
            return *x;
        }
        let v = if guard > 64 {
            0
        } else {
            deps.get(n)
                .into_iter()
                .flatten()
                .filter(|x| deps.contains_key(x.as_str()))
                .map(|x| d(x, deps, depth, guard + 1) + 1)
                .max()
                .unwrap_or(0)
        };
        depth.insert(n, v);
        v
    }
    for n in &names {
        d(n, &deps, &mut depth, 0);
    }
    let mut cols: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for n in &names {
        cols.entry(depth[n.as_str()]).or_default().push(n);
    }
    let (nw, nh, gx, gy) = (150.0, 40.0, 70.0, 22.0);
    let rows = cols.values().map(|c| c.len()).max().unwrap_or(1) as f64;
    let w = cols.len() as f64 * (nw + gx) + 20.0;
    let h = rows * (nh + gy) + 20.0;
    let mut pos: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for (ci, (_, col)) in cols.iter().enumerate() {
        for (ri, n) in col.iter().enumerate() {
            pos.insert(
                n,
                (10.0 + ci as f64 * (nw + gx), 10.0 + ri as f64 * (nh + gy)),
            );
        }
    }
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"graph\" id=\"plan-graph\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" font-size=\"12\" font-family=\"system-ui,sans-serif\"><defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker></defs>"
    );
    for (n, ds) in &deps {
        for dep in ds {
            let (Some(a), Some(b)) = (pos.get(dep.as_str()), pos.get(n)) else {
                continue;
            };
            let _ = write!(
                s,
                "<line class=\"edge\" data-from=\"{}\" data-to=\"{}\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#555\" marker-end=\"url(#arrow)\"/>",
                esc(dep),
                esc(n),
                a.0 + nw,
                a.1 + nh / 2.0,
                b.0,
                b.1 + nh / 2.0
            );
        }
    }
    for (f, n) in sfs.iter().zip(&names) {
        let (x, y) = pos[n.as_str()];
        let _ = write!(
            s,
            "<g class=\"node{}\" data-subfunction=\"{}\" data-open=\"rec-{}\"><title>{}</title><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{nw}\" height=\"{nh}\" rx=\"6\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-weight=\"600\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#555\" font-size=\"10\">{}</text></g>",
            if troubled.contains(n) { " failed" } else { "" },
            esc(n),
            esc(n),
            esc(&str_of(&f["purpose"])),
            x + nw / 2.0,
            y + 17.0,
            esc(n),
            x + nw / 2.0,
            y + 32.0,
            if f["clocked"].as_bool() == Some(true) {
                "clocked"
            } else {
                "combinational"
            }
        );
    }
    s.push_str("</svg>");
    s
}

/// A sub-function's record, with its citations.
fn record(sf: &Value) -> String {
    let name = str_of(&sf["name"]);
    let ports = |k: &str| -> String {
        sf[k]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                format!(
                    "{}[{}]",
                    str_of(&p["name"]),
                    p["width"].as_u64().unwrap_or(1)
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let tests: Vec<String> = sf["tests"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| format!("{} ({})", str_of(&t["name"]), str_of(&t["source"])))
        .collect();
    let citations: Vec<String> = list(&sf["citations"])
        .into_iter()
        .chain(list(&sf["sources"]))
        .collect();
    format!(
        "<details class=\"record\" id=\"rec-{}\" data-subfunction=\"{}\"><summary>record: <b>{}</b> — {}</summary>{}</details>",
        esc(&name),
        esc(&name),
        esc(&name),
        esc(&str_of(&sf["purpose"])),
        html::facts(&[
            ("depends on", esc(&list(&sf["depends_on"]).join(", "))),
            ("inputs", esc(&ports("inputs"))),
            ("outputs", esc(&ports("outputs"))),
            ("behaviour", esc(&str_of(&sf["behaviour"]))),
            ("timing", esc(&str_of(&sf["timing"]))),
            ("state", esc(&str_of(&sf["state"]))),
            (
                "citations",
                format!(
                    "<span class=\"citations\">{}</span>",
                    esc(&citations.join("; "))
                ),
            ),
            ("tests", esc(&tests.join(", "))),
            ("questions", esc(&questions(&sf["questions"]))),
        ])
    )
}

/// A record's questions: the question, and how it was settled.
fn questions(v: &Value) -> String {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|q| match q.get("question") {
            Some(text) => format!(
                "{} [{}] — {} ({})",
                str_of(text),
                str_of(&q["id"]),
                str_of(q.get("answer").unwrap_or(&q["assumption"])),
                str_of(&q["settled_by"])
            ),
            None => str_of(q),
        })
        .collect::<Vec<_>>()
        .join("; ")
}
