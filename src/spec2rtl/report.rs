//! `report.md`: the verdict first, then what every stage spent, the questions and who settled
//! them, the prompt optimizer's instructions, synthesis, the checks, the failures, and how to
//! re-check the result.

use std::fmt::Write as _;

use super::{GenReport, Verdict};

pub fn to_markdown(r: &GenReport) -> String {
    let mut s = String::new();
    let verdict = match r.verdict {
        Verdict::Verified => "VERIFIED",
        Verdict::Failed => "FAILED",
        Verdict::Stopped => "STOPPED",
    };
    let _ = writeln!(s, "# rtlsmith gen: {} — {verdict}\n", r.top);
    let _ = writeln!(s, "{}\n", r.reason);
    let _ = writeln!(
        s,
        "- Spec: `{}`\n- Ablation: {}\n- Reflection: {}\n- Replies: {}\n- Oracle: **no oracle** — no benchmark testbench or reference was used; the design was checked only against what rtlsmith derived from the spec\n- Interventions (human answers): {}\n- Time: {:.1} s",
        r.spec,
        r.ablation.name(),
        match r.router {
            super::Router::Model => "routed by an analysis request weighing the evidence",
            super::Router::Evidence => "routed by the evidence alone (--router evidence)",
            super::Router::Off =>
                "off (--no-reflection): failures go back to the stage that failed",
        },
        if r.scripted {
            format!("**scripted** ({}) — not a model's work", r.provider)
        } else {
            r.provider.clone()
        },
        r.interventions,
        r.seconds
    );
    s.push_str("\n## Stages\n\n| Stage | Status | Attempts | Iterations | Interventions | Requests (cached) | Tokens in/out | Cost | Time (model) |\n|---|---|---|---|---|---|---|---|---|\n");
    for st in &r.stages {
        let u = &st.usage;
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} ({}) | {}/{} | ${:.4} | {:.1} s ({:.1} s) |",
            st.name,
            st.status,
            st.attempts,
            st.iterations,
            st.interventions,
            u.requests,
            u.cached,
            u.prompt_tokens,
            u.completion_tokens,
            u.cost,
            st.seconds,
            u.llm_seconds
        );
    }
    for st in r.stages.iter().filter(|st| !st.notes.is_empty()) {
        let _ = writeln!(s, "\n**{}**\n", st.name);
        for n in &st.notes {
            let _ = writeln!(s, "- {n}");
        }
    }
    if let Some(i) = &r.injected {
        let _ = writeln!(
            s,
            "\n## Injected fault\n\n`--inject {}`: {}",
            i.fault,
            i.applied
                .as_deref()
                .unwrap_or("not applied (no site found, or the stage never ran)")
        );
    }
    if !r.decisions.is_empty() {
        s.push_str("\n## Reflection\n\n| # | Failure | Suggested by the evidence | Route | Sub-function | Decided by | Why | Redone | Outcome |\n|---|---|---|---|---|---|---|---|---|\n");
        for d in &r.decisions {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} {}{} | {} | {} | {} | {} | {} |",
                d.n,
                d.failure.replace('|', "\\|"),
                d.suggested.join(", "),
                d.route_number,
                d.route.name(),
                d.proposed
                    .as_ref()
                    .map(|p| format!(" (proposed: {p})"))
                    .unwrap_or_default(),
                d.subfunction,
                d.decided_by,
                d.reason.replace('|', "\\|").replace('\n', " "),
                d.redo.join("; "),
                d.outcome
            );
            if let Some(q) = &d.question {
                let _ = writeln!(
                    s,
                    "|  | question `{}`: {} → {} |  |  |  |  |  |  |  |",
                    q.id,
                    q.question.replace('|', "\\|"),
                    q.answer
                        .as_deref()
                        .unwrap_or("(unanswered)")
                        .replace('|', "\\|"),
                );
            }
        }
        s.push_str("\nThe evidence of decision N is in `reflect/NN.json`.\n");
    }
    if !r.questions.is_empty() {
        s.push_str("\n## Questions\n\n| Sub-function | Id | Question | Settled as | By |\n|---|---|---|---|---|\n");
        for (sf, q) in &r.questions {
            let _ = writeln!(
                s,
                "| {sf} | {} | {} | {} | {} |",
                q.id,
                q.question.replace('|', "\\|"),
                q.resolution().replace('|', "\\|"),
                q.settled_by.as_deref().unwrap_or("open")
            );
        }
    }
    if !r.instructions.is_empty() {
        s.push_str("\n## Prompt optimizer\n\n");
        for i in &r.instructions {
            let _ = writeln!(
                s,
                "- {} ({}): {}",
                i.text,
                i.from,
                match i.helped {
                    Some(true) => "helped, kept",
                    Some(false) => "did not help, dropped",
                    None => "not tried",
                }
            );
        }
    }
    if let Some(sy) = &r.synth {
        let _ = writeln!(
            s,
            "\n## Synthesis (Yosys)\n\n{}: {}",
            if sy.ok {
                "synth passed"
            } else {
                "synth failed"
            },
            sy.summary()
        );
    }
    s.push_str("\n## Checks\n\n");
    for v in &r.vectors {
        let _ = writeln!(
            s,
            "- spec's tests on {}: {} ({} check(s), {} error(s))",
            v.simulator.name(),
            if v.passed { "pass" } else { "FAIL" },
            v.checks,
            v.errors
        );
    }
    if let Some(c) = &r.cosim {
        for (sim, v, msg) in &c.runs {
            let _ = writeln!(s, "- cosim on {sim}: {v:?} — {msg}");
        }
        let _ = writeln!(s, "- {} cycle(s), seed {}", c.cycles, c.seed);
    }
    if !r.failures.is_empty() {
        s.push_str("\n## Failures (input of reflection)\n\n| Round | Check | Sub-function | Simulator | Port | Cycle | Expected | Actual |\n|---|---|---|---|---|---|---|---|\n");
        for f in &r.failures {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                f.round,
                f.check,
                f.subfunction,
                f.simulator,
                f.port,
                f.cycle.map_or("?".into(), |c| c.to_string()),
                f.expected,
                f.actual
            );
        }
    }
    s.push_str("\n## Artifacts\n\n- `plan.json`, `plan.md` — the plan with citations\n- `cpp/` — pseudocode, C++ headers, their test programs; `cpp/model.cpp` the golden model\n- `rtl/` — the Verilog\n- `tests/` — the spec's tests (`spec_tests.json`), the co-simulation vectors, the testbench\n- `verify/` — failure records, synthesis log\n- `reflect/` — each reflection decision with its failure and evidence\n- `llm/` — every prompt and reply\n");
    if !r.rtl.is_empty() {
        let _ = writeln!(s, "\nRTL: {}", r.rtl.join(", "));
    }
    if !r.cosim_command.is_empty() {
        let _ = writeln!(
            s,
            "\nRe-check from the run directory:\n\n```sh\n{}\n```",
            r.cosim_command.join(" ")
        );
    }
    s
}
