//! Reflection inside the pipeline: a stage's failure → evidence → a decision → the work sent
//! back to the stage that caused it. The types and the pure parts are in [`super::reflect`].

use super::plan::{Plan, Question};
use super::reflect::{self, Choice, Decision, Evidence, Failure, Kind, Route, Router};
use super::{
    Ablation, Ctx, Stop, Want, Work, answers_text, cosim_options, cpp, describe_record, files_for,
    first_line, optimize, passages, push_stage, run_cpp_tests, settle_questions, stage_report,
    write,
};

/// How often one route may be taken for one failure location.
const ROUTE_LIMIT: usize = 2;

/// Route a failure: gather the evidence, decide, record the decision and send the work back.
/// Err when nothing is left to try (the run stops, or fails at verification).
pub(super) async fn reflect(
    cx: &mut Ctx<'_>,
    plan: &mut Plan,
    work: &mut Work,
    f: Failure,
    with_model: bool,
) -> Result<(), Stop> {
    cx.begin("reflect");
    let location = f.location();
    if let Some(prev) = cx.decisions.last_mut()
        && prev.outcome == "pending"
    {
        prev.outcome = if prev.location == location {
            "did not help"
        } else {
            "helped"
        }
        .into();
    }
    if f.stage == "verify" && work.verify_rounds >= cx.opts.max_iterations.max(1) {
        return Err(no_route(cx, &f, work, None));
    }
    if cx.decisions.len() >= cx.opts.max_reflections {
        let why = format!(
            "the reflection budget ({} decisions) is spent",
            cx.opts.max_reflections
        );
        return Err(no_route(cx, &f, work, Some(why)));
    }
    let has_records = matches!(cx.opts.ablation, Ablation::None | Ablation::NaiveCoding);
    let n = cx.decisions.len() + 1;
    let ev = if cx.opts.router == Router::Off {
        Evidence {
            ranked: vec![Choice {
                route: Route::Code,
                subfunction: f.subfunction.clone(),
                why: "without reflection a failure goes back to the stage that failed".into(),
            }],
            ..Evidence::default()
        }
    } else {
        gather(cx, plan, &f, with_model, has_records).await?
    };
    let first_ok = ev.ranked.iter().find(|c| allowed(cx, work, &f, c)).cloned();
    let mut proposed = None;
    let mut question: Option<(String, String)> = None;
    let (choice, decided_by, reason) = match cx.opts.router {
        Router::Off => (first_ok, "no-reflection", String::new()),
        Router::Evidence => {
            let why = first_ok.as_ref().map(|c| c.why.clone()).unwrap_or_default();
            (first_ok, "evidence", why)
        }
        Router::Model
            if ev
                .ranked
                .iter()
                .filter(|c| c.route != Route::Ask && allowed(cx, work, &f, c))
                .count()
                <= 1 =>
        {
            // the evidence leaves one route (or none but a person): nothing to weigh
            let why = first_ok
                .as_ref()
                .map(|c| format!("{} (the only route the evidence leaves)", c.why))
                .unwrap_or_default();
            (first_ok, "evidence", why)
        }
        Router::Model => match analyse(cx, plan, &f, &ev).await? {
            Ok(p) => {
                let c = Choice {
                    route: p.route,
                    subfunction: p.subfunction.clone(),
                    why: p.reason.clone(),
                };
                question = p.question;
                if allowed(cx, work, &f, &c) {
                    (Some(c), "model", p.reason)
                } else {
                    // spent or did not help: the next route the evidence allows
                    proposed = Some(format!("{} {}", c.route.name(), c.subfunction));
                    let pos = ev.ranked.iter().position(|x| x.route == c.route);
                    let next = ev
                        .ranked
                        .iter()
                        .skip(pos.map_or(0, |p| p + 1))
                        .chain(ev.ranked.iter())
                        .find(|x| allowed(cx, work, &f, x))
                        .cloned();
                    let why = next.as_ref().map(|x| x.why.clone()).unwrap_or_default();
                    if next.as_ref().is_some_and(|x| x.route != Route::Ask) {
                        question = None;
                    }
                    (next, "fallback", why)
                }
            }
            Err(problem) => {
                let why = format!(
                    "the analysis reply was unusable ({problem}); {}",
                    first_ok.as_ref().map(|c| c.why.as_str()).unwrap_or("")
                );
                (first_ok, "evidence", why)
            }
        },
    };
    let Some(choice) = choice else {
        return Err(no_route(cx, &f, work, None));
    };
    let mut d = Decision {
        n,
        failure: f.summary(),
        location,
        route: choice.route,
        route_number: choice.route.number(),
        subfunction: choice.subfunction.clone(),
        reason,
        decided_by: decided_by.into(),
        proposed,
        suggested: ev
            .ranked
            .iter()
            .map(|c| format!("{} {}", c.route.name(), c.subfunction))
            .collect(),
        evidence: format!("reflect/{n:02}.json"),
        outcome: "pending".into(),
        question: None,
        redo: Vec::new(),
    };
    let mut interventions = 0;
    let applied = apply(
        cx,
        plan,
        work,
        &f,
        &ev,
        &mut d,
        question,
        with_model,
        &mut interventions,
    )
    .await;
    write(
        &cx.out.join(&d.evidence),
        &serde_json::to_string_pretty(&serde_json::json!({
            "failure": f, "evidence": ev, "decision": d,
        }))
        .unwrap_or_default(),
    )?;
    let note = format!(
        "{n}: {} → route {} ({} {}), by {}",
        d.failure,
        d.route_number,
        d.route.name(),
        d.subfunction,
        d.decided_by
    );
    let r = stage_report(cx, "reflect", "done", 1, 0, interventions, vec![note]);
    push_stage(cx, r);
    cx.decisions.push(d);
    if let Err(e) = applied {
        if let Some(d) = cx.decisions.last_mut().filter(|d| d.outcome == "pending") {
            d.outcome = "stopped".into();
        }
        return Err(e);
    }
    Ok(())
}

/// May this route be taken for this failure now?
fn allowed(cx: &Ctx<'_>, work: &Work, f: &Failure, c: &Choice) -> bool {
    let here = |d: &&Decision| {
        d.location == f.location() && d.route == c.route && d.subfunction == c.subfunction
    };
    let taken = cx.decisions.iter().filter(here).count();
    let failed = cx
        .decisions
        .iter()
        .filter(here)
        .any(|d| d.outcome == "did not help");
    match c.route {
        Route::Code => work.tries(&f.artifact) < cx.opts.max_iterations.max(1),
        Route::Record => {
            matches!(cx.opts.ablation, Ablation::None | Ablation::NaiveCoding)
                && !failed
                && taken < ROUTE_LIMIT
        }
        Route::Earlier => !failed && taken < ROUTE_LIMIT,
        Route::Ask => taken < ROUTE_LIMIT,
    }
}

/// The evidence: the dependencies' own C++ tests run again, the failing sub-function's own,
/// and `trace` of a co-simulation mismatch (suspects, and the waveform with the C++ model's
/// values beside the RTL's).
async fn gather(
    cx: &mut Ctx<'_>,
    plan: &Plan,
    f: &Failure,
    with_model: bool,
    has_records: bool,
) -> Result<Evidence, Stop> {
    let mut ev = Evidence::default();
    let me = &f.subfunction;
    if with_model && matches!(f.kind, Kind::Tests | Kind::Cosim | Kind::Vectors) {
        for d in reflect::upstream(plan, me) {
            match run_cpp_tests(cx, plan, &d).await? {
                cpp::Outcome::Pass { checks } => ev.findings.push(format!(
                    "{d} (a dependency): its C++ still passes its own {checks} check(s)"
                )),
                other => {
                    ev.findings.push(format!(
                        "{d} (a dependency): its C++ now FAILS its own tests: {}",
                        first_line(&other.log())
                    ));
                    ev.failing_dependency.get_or_insert(d);
                }
            }
        }
        if f.kind != Kind::Tests {
            match run_cpp_tests(cx, plan, me).await? {
                cpp::Outcome::Pass { checks } => ev.findings.push(format!(
                    "{me}: its C++ passes its own {checks} check(s); its RTL disagrees"
                )),
                other => ev.findings.push(format!(
                    "{me}: its C++ FAILS its own tests too: {}",
                    first_line(&other.log())
                )),
            }
        }
    }
    if with_model && matches!(f.kind, Kind::Cosim | Kind::Vectors) {
        match trace_evidence(cx, plan, me).await {
            Ok((t, w)) => {
                ev.trace = Some(t);
                ev.waveform = w;
            }
            Err(e) => ev.findings.push(format!("trace could not run: {e}")),
        }
    }
    ev.ranked = reflect::ranked(f, plan, &ev, has_records);
    Ok(ev)
}

/// `trace` of a sub-function's RTL against its C++, as text (paths relative to the run), and
/// its waveform table (the C++ model's values as the expected ones).
async fn trace_evidence(
    cx: &Ctx<'_>,
    plan: &Plan,
    name: &str,
) -> Result<(String, Option<crate::trace::WaveTable>), String> {
    let o = sf_cosim(cx, plan, name).map_err(|e| match e {
        Stop::Stopped(s) => s,
        Stop::Failed(s) => s,
        Stop::Error(e) => e.to_string(),
    })?;
    let (mut t, dir) = crate::trace::cosim_options(&o)
        .await
        .map_err(|e| e.to_string())?;
    t.top = 5;
    let r = crate::trace::run(&t).await;
    let _ = std::fs::remove_dir_all(&dir);
    let r = r.map_err(|e| e.to_string())?;
    let prefix = format!("{}/", cx.out.display());
    Ok((crate::trace::render(&r).replace(&prefix, ""), r.waveform))
}

/// The co-simulation of one sub-function against its own C++ (the top: the golden model with
/// the spec's vectors first).
pub(super) fn sf_cosim(
    cx: &Ctx<'_>,
    plan: &Plan,
    name: &str,
) -> Result<crate::cosim::CosimOptions, Stop> {
    let files = files_for(plan, &cx.out, name);
    if name == plan.interface.top {
        let vectors = cx.out.join("tests/vectors.jsonl");
        let has = std::fs::metadata(&vectors).is_ok_and(|m| m.len() > 0);
        return Ok(cosim_options(
            cx,
            plan,
            &files,
            name,
            &cx.out.join("cpp/model.cpp"),
            has.then_some(vectors),
        ));
    }
    let wrapper = cx.out.join(format!("cpp/{name}_model.cpp"));
    write(
        &wrapper,
        &format!("#include \"{name}.h\"\nstruct Model : {name} {{}};\n"),
    )?;
    let mut o = cosim_options(cx, plan, &files, name, &wrapper, None);
    let r = plan.record(name).expect("planned");
    if r.clocked {
        o.clock = plan
            .interface
            .clock
            .clone()
            .filter(|c| r.inputs.iter().any(|p| &p.name == c));
        o.reset = plan
            .interface
            .reset
            .as_ref()
            .filter(|x| r.inputs.iter().any(|p| p.name == x.name))
            .map(|x| crate::cosim::Reset {
                name: x.name.clone(),
                active_low: x.active_low,
                asynchronous: false,
            });
    }
    Ok(o)
}

/// The analysis request: the failure, the evidence and the trajectory; the reply checked
/// against the plan (sent back once with the problem).
async fn analyse(
    cx: &mut Ctx<'_>,
    plan: &Plan,
    f: &Failure,
    ev: &Evidence,
) -> Result<Result<reflect::Proposal, String>, Stop> {
    let r = plan.record(&f.subfunction).expect("planned").clone();
    let deps = reflect::upstream(plan, &f.subfunction);
    let trajectory: Vec<String> = cx
        .decisions
        .iter()
        .map(|d| {
            format!(
                "{}. {} → route {} ({} {}): {}",
                d.n,
                d.failure,
                d.route_number,
                d.route.name(),
                d.subfunction,
                d.outcome
            )
        })
        .collect();
    let suggested: Vec<String> = ev
        .ranked
        .iter()
        .map(|c| format!("- {} {}: {}", c.route.name(), c.subfunction, c.why))
        .collect();
    let mut problem = String::new();
    for _ in 0..2 {
        let a = cx
            .ask
            .ask(
                "reflect",
                "gen_reflect.user.j2",
                minijinja::context! {
                    name => f.subfunction.clone(),
                    stage => f.stage,
                    kind => f.kind.name(),
                    artifact => f.artifact.clone(),
                    failure => f.log.clone(),
                    findings => ev.findings.iter().map(|x| format!("- {x}")).collect::<Vec<_>>().join("\n"),
                    trace => ev.trace.clone().unwrap_or_default(),
                    suggested => suggested.join("\n"),
                    deps => deps.join(", "),
                    record => r.for_prompt(),
                    answers => answers_text(&r),
                    passages => passages(cx, &r),
                    trajectory => trajectory.join("\n"),
                    problem => problem.clone(),
                },
                Want::Json,
            )
            .await;
        let v = match a {
            Ok(a) => a.value.unwrap_or_default(),
            Err(super::GenError::Malformed { problem, .. }) => {
                return Ok(Err(problem));
            }
            Err(e) => return Err(Stop::Error(e)),
        };
        match reflect::read_proposal(&v, f, plan) {
            Ok(p) => return Ok(Ok(p)),
            Err(p) => problem = p,
        }
    }
    Ok(Err(problem))
}

/// Send the work back as the decision says.
#[allow(clippy::too_many_arguments)]
async fn apply(
    cx: &mut Ctx<'_>,
    plan: &mut Plan,
    work: &mut Work,
    f: &Failure,
    ev: &Evidence,
    d: &mut Decision,
    question: Option<(String, String)>,
    with_model: bool,
    interventions: &mut u64,
) -> Result<(), Stop> {
    let evidence_text = {
        let mut t = String::new();
        if cx.opts.router != Router::Off {
            if !d.reason.is_empty() {
                t.push_str(&format!("\nAnalysis: {}", d.reason));
            }
            if !ev.findings.is_empty() {
                t.push_str(&format!("\nFindings:\n- {}", ev.findings.join("\n- ")));
            }
            if let Some(tr) = &ev.trace {
                t.push_str(&format!(
                    "\nTrace of the mismatch (suspect statements; the waveform shows the RTL's values, the C++ model's in brackets where they differ):\n{tr}"
                ));
            }
        }
        t
    };
    match d.route {
        Route::Code => {
            let name = &f.subfunction;
            work.feedback
                .insert(f.artifact.clone(), format!("{}{evidence_text}", f.log));
            if f.artifact.starts_with("cpp:") {
                work.cpp.insert(name.clone());
                let attempt = work.tries(&f.artifact);
                optimize(cx, name, attempt, &f.log).await?;
            }
            work.rtl.insert(name.clone());
            d.redo = vec![f.artifact.clone()];
            Ok(())
        }
        Route::Record => {
            let name = d.subfunction.clone();
            let old = plan.record(&name).expect("planned").clone();
            let feedback = vec![
                format!(
                    "Verification traced a failure back to this record; describe {name} again from the specification. The failure: {}",
                    f.summary()
                ),
                format!("The analysis: {}", d.reason),
            ];
            let known = plan.order.clone();
            let top = plan.interface.top.clone();
            let ifc = plan.interface.clone();
            cx.current = "understand";
            let (mut record, asked) =
                describe_record(cx, &old, &top, &ifc, &known, feedback, true).await?;
            // answers already given stay given
            for q in &mut record.questions {
                if let Some(o) = old
                    .questions
                    .iter()
                    .find(|o| o.id == q.id && o.answer.is_some())
                {
                    q.answer = o.answer.clone();
                    q.settled_by = o.settled_by.clone();
                }
            }
            let new_answers = settle_new(cx, &mut record, &old);
            let r = stage_report(
                cx,
                "understand",
                "done",
                asked,
                asked,
                new_answers,
                vec![format!("{name} described again (reflection {})", d.n)],
            );
            push_stage(cx, r);
            cx.current = "reflect";
            if let Some(slot) = plan.subfunctions.iter_mut().find(|r| r.name == name) {
                *slot = record;
            }
            save_plan(cx, plan)?;
            redo(plan, work, d, &name, with_model);
            Ok(())
        }
        Route::Earlier => {
            let name = d.subfunction.clone();
            redo(plan, work, d, &name, with_model);
            let artifact = if with_model {
                format!("cpp:{name}")
            } else {
                format!("rtl:{name}")
            };
            work.feedback.insert(
                artifact,
                format!(
                    "{} depends on {name} and failed; the analysis puts the fault in {name}. {}\nThe failure of {}:\n{}{evidence_text}",
                    f.subfunction, d.reason, f.subfunction, f.log
                ),
            );
            Ok(())
        }
        Route::Ask => {
            let name = f.subfunction.clone();
            let (id, text) = question.unwrap_or_else(|| {
                (
                    format!("{name}-{}-{}", f.stage, f.kind.name()),
                    format!(
                        "{} keeps failing ({}). What should {name} do here?",
                        f.summary(),
                        d.reason
                    ),
                )
            });
            let mut q = Question {
                id: id.clone(),
                question: text.clone(),
                assumption: String::new(),
                answer: None,
                settled_by: None,
            };
            if let Some(a) = cx.answers.get(&id) {
                q.answer = Some(a.clone());
                q.settled_by = Some("answers file".into());
            } else if let Some(a) = cx.human.and_then(|h| h.answer(&name, &q)) {
                q.answer = Some(a);
                q.settled_by = Some("terminal".into());
            }
            d.question = Some(q.clone());
            if q.answer.is_none() {
                d.outcome = "unanswered".into();
                let why = format!(
                    "the cause is unclear and needs a person: question `{id}`: {text} — answer it in an --answers file (`{id}` = \"…\") or with --ask, and rerun the same command to resume"
                );
                // waiting for a person: the run stops (a rerun with the answer resumes)
                return Err(match no_route(cx, f, work, Some(why)) {
                    Stop::Failed(r) => Stop::Stopped(r),
                    other => other,
                });
            }
            *interventions += 1;
            if let Some(r) = plan.subfunctions.iter_mut().find(|r| r.name == name) {
                r.questions.retain(|x| x.id != id);
                r.questions.push(q);
            }
            save_plan(cx, plan)?;
            redo(plan, work, d, &name, with_model);
            Ok(())
        }
    }
}

/// Questions of a record described again that nobody had answered: settled as usual.
fn settle_new(cx: &Ctx<'_>, record: &mut super::plan::Record, old: &super::plan::Record) -> u64 {
    let mut fresh = record.clone();
    fresh.questions.retain(|q| {
        !old.questions
            .iter()
            .any(|o| o.id == q.id && o.answer.is_some())
    });
    let n = settle_questions(cx, &mut fresh);
    for q in fresh.questions {
        if let Some(slot) = record.questions.iter_mut().find(|x| x.id == q.id) {
            *slot = q;
        }
    }
    n
}

/// `name` is made again from its pseudocode, and everything depending on it from its C++.
fn redo(plan: &Plan, work: &mut Work, d: &mut Decision, name: &str, with_model: bool) {
    let down = reflect::downstream(plan, name);
    work.redo(&down, with_model);
    work.pseudo.insert(name.to_string());
    d.redo = down
        .iter()
        .map(|n| {
            if with_model {
                format!("cpp:{n}, rtl:{n}")
            } else {
                format!("rtl:{n}")
            }
        })
        .collect();
}

fn save_plan(cx: &Ctx<'_>, plan: &Plan) -> Result<(), Stop> {
    write(
        &cx.out.join("plan.json"),
        &serde_json::to_string_pretty(plan).unwrap_or_default(),
    )?;
    write(&cx.out.join("plan.md"), &super::plan::to_markdown(plan))?;
    Ok(())
}

/// Nothing left to try: the stage stops (verification fails), saying why.
pub(super) fn no_route(cx: &mut Ctx<'_>, f: &Failure, work: &Work, why: Option<String>) -> Stop {
    let tries = work.tries(&f.artifact);
    let last = f.log.lines().take(6).collect::<Vec<_>>().join(" | ");
    let mut reason = match f.stage {
        "code" => format!(
            "code: the C++ of {} did not pass after {tries} attempt(s); last: {last}",
            f.subfunction
        ),
        "rtl" => format!(
            "rtl: the Verilog of {} failed its checks {tries} time(s); last: {last}",
            f.subfunction
        ),
        _ => match cx.failures.last() {
            Some(r) => format!(
                "{} still mismatched after {} round(s): {} {} at cycle {} expected {}, got {}",
                r.check,
                work.verify_rounds,
                r.subfunction,
                r.port,
                r.cycle.map_or("?".into(), |c| c.to_string()),
                r.expected,
                r.actual
            ),
            None => "verification failed".into(),
        },
    };
    if let Some(w) = why {
        reason.push_str(&format!("; {w}"));
    }
    let verify = f.stage == "verify";
    if let Some(s) = cx.stages.iter_mut().find(|s| s.name == f.stage) {
        s.status = if verify { "failed" } else { "stopped" }.into();
    }
    if verify {
        Stop::Failed(reason)
    } else {
        Stop::Stopped(reason)
    }
}
