//! The regress section: the cases × simulators grid with durations, the cases the simulators
//! disagree on, and the failing jobs' logs. Read from regress's JSON (`--json`), format 1.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use super::html::{self, esc};

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

fn seconds(res: &Value) -> f64 {
    num(&res["compile"]["seconds"]) + num(&res["run"]["seconds"])
}

pub fn section(r: &Value) -> String {
    let mut s = String::new();
    let sims: Vec<(String, String)> = r["simulators"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default();
    let cases = r["cases"].as_array().cloned().unwrap_or_default();
    let totals: BTreeMap<String, u64> = r["totals"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    let disagree = cases
        .iter()
        .filter(|c| c["disagreement"].as_bool() == Some(true))
        .count();
    let passed = cases.iter().filter(|c| c["status"] == "pass").count();
    s.push_str(&html::facts(&[
        ("manifest", esc(r["manifest"].as_str().unwrap_or(""))),
        (
            "simulators",
            sims.iter()
                .map(|(k, v)| format!("{} — {}", esc(k), esc(v)))
                .collect::<Vec<_>>()
                .join("<br>"),
        ),
        (
            "cases",
            format!(
                "<span id=\"cases-passed\">{passed}</span> of <span id=\"cases-total\">{}</span> passed on every simulator",
                cases.len()
            ),
        ),
        (
            "jobs",
            totals
                .iter()
                .map(|(k, v)| format!("<span class=\"{}\">{k}</span> {v}", esc(k)))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "disagreements",
            format!("<span id=\"disagreements\">{disagree}</span>"),
        ),
        (
            "time",
            format!(
                "{:.1} s wall, {:.1} s of jobs on {} worker(s)",
                num(&r["wall_seconds"]),
                num(&r["job_seconds"]),
                r["jobs"].as_u64().unwrap_or(0)
            ),
        ),
    ]));
    s.push_str("<h2>Cases × simulators</h2><table id=\"grid\" class=\"sortable\"><thead><tr><th>case</th><th>status</th>");
    for (k, _) in &sims {
        let _ = write!(s, "<th>{}</th><th>{} s</th>", esc(k), esc(k));
    }
    s.push_str("<th>simulators agree</th></tr></thead><tbody>");
    for c in &cases {
        let name = c["name"].as_str().unwrap_or("");
        let dis = c["disagreement"].as_bool() == Some(true);
        let status = c["status"].as_str().unwrap_or("");
        let _ = write!(
            s,
            "<tr data-case=\"{}\" data-status=\"{}\"{}><td>{}</td><td class=\"{}\">{}</td>",
            esc(name),
            esc(status),
            if dis { " class=\"disagree\"" } else { "" },
            esc(name),
            esc(status),
            esc(status)
        );
        let results = c["results"].as_array().cloned().unwrap_or_default();
        for (k, _) in &sims {
            match results.iter().find(|x| x["simulator"] == k.as_str()) {
                Some(res) => {
                    let st = res["status"].as_str().unwrap_or("");
                    let _ = write!(
                        s,
                        "<td class=\"{}\" data-sim=\"{}\" data-status=\"{}\" title=\"{}\">{}</td><td class=\"num\" data-sort=\"{:.6}\">{:.2}</td>",
                        esc(st),
                        esc(k),
                        esc(st),
                        esc(res["reason"].as_str().unwrap_or("")),
                        esc(st),
                        seconds(res),
                        seconds(res)
                    );
                }
                None => s.push_str("<td class=\"skipped\">—</td><td></td>"),
            }
        }
        let _ = write!(
            s,
            "<td>{}</td></tr>",
            if dis {
                "<b class=\"fail\">DISAGREE</b>"
            } else {
                "yes"
            }
        );
    }
    s.push_str("</tbody></table>");
    s.push_str("<h2>Jobs that did not pass</h2>");
    let mut any = false;
    for c in &cases {
        let name = c["name"].as_str().unwrap_or("");
        for res in c["results"].as_array().into_iter().flatten() {
            let st = res["status"].as_str().unwrap_or("");
            if st == "pass" {
                continue;
            }
            any = true;
            let sim = res["simulator"].as_str().unwrap_or("");
            let _ = write!(
                s,
                "<details class=\"failing\" data-case=\"{}\" data-sim=\"{}\"><summary><b>{}</b> on {} — <span class=\"{}\">{}</span>: {}</summary>",
                esc(name),
                esc(sim),
                esc(name),
                esc(sim),
                esc(st),
                esc(st),
                esc(res["reason"].as_str().unwrap_or(""))
            );
            let lines: Vec<&str> = res["failing_lines"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|l| l.as_str())
                .collect();
            if !lines.is_empty() {
                s.push_str("<p>Failing lines:</p>");
                s.push_str(&html::pre(&lines.join("\n")));
            }
            for phase in ["compile", "run"] {
                let p = &res[phase];
                if p.is_null() {
                    continue;
                }
                s.push_str(&html::pre(&format!(
                    "$ {}\n{}\n[{}]",
                    p["command"].as_str().unwrap_or(""),
                    p["output"].as_str().unwrap_or(""),
                    p["exit"].as_str().unwrap_or("")
                )));
            }
            s.push_str("</details>");
        }
    }
    if !any {
        s.push_str("<p class=\"note\">none</p>");
    }
    s
}
