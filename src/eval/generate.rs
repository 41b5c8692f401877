//! Generating benchmark samples with an LLM: the suite's prompt (official construction for
//! VerilogEval v2), the reply's code extracted, malformed replies re-asked a bounded number of
//! times with a message saying what was wrong. Every prompt and reply is kept.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::options::ModelSource;
use crate::llm::client::LlmError;
use crate::llm::extract::{self, Malformed};
use crate::llm::{ChatRequest, Message, Role};
use crate::prompts::{PromptError, Prompts, comment_description};
use crate::suite::{Problem, SuiteKind};

/// Sampling and prompting parameters of a model run (part of `run.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenConfig {
    /// `provider:model[@url]`, as given.
    pub model: String,
    /// The provider's own label (`scripted:…` for scripted replies).
    pub provider_label: String,
    pub provider_kind: String,
    pub n: usize,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub max_tokens: u32,
    pub seed: Option<u64>,
    pub shots: u32,
    /// Re-asks allowed per sample after a malformed reply (0: the official protocol).
    pub reasks: u32,
    /// Stop sequences passed to the model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stop: Vec<String>,
    /// Names of prompt templates overridden from a user directory.
    #[serde(default)]
    pub prompt_overrides: Vec<String>,
    /// `gen`: each sample is the final RTL of the whole `rtlsmith gen` pipeline run on the
    /// task text (no oracle: the suite's testbench judges only the result).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<String>,
}

/// Everything about one generated sample (written to `generations/<task>/sampleNN.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generation {
    pub task_id: String,
    pub sample: usize,
    pub provider: String,
    /// The whole conversation: prompts, replies, re-asks.
    pub messages: Vec<Message>,
    /// The code judged (the raw last reply when no code could be extracted).
    pub code: String,
    pub extracted: bool,
    /// Why each re-ask happened.
    pub malformed: Vec<Malformed>,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// Every reply came from the cache or a replayed session.
    pub cached: bool,
}

/// The model is asked for a module body (its header is in the prompt).
pub fn body_only(kind: SuiteKind, variant: &str) -> bool {
    kind == SuiteKind::VerilogEvalV1
        || (kind == SuiteKind::VerilogEvalV2 && variant.contains("code-complete"))
}

/// The K-shot in-context examples of VerilogEval v2: the official files
/// `verilog-example-prefix_<task>_<K>-shot.txt` from the verilog-eval repository's `scripts/`.
pub fn load_examples(dir: &Path, variant: &str, shots: u32) -> Result<String, String> {
    let name = format!("verilog-example-prefix_{variant}_{shots}-shot.txt");
    let p = dir.join(&name);
    std::fs::read_to_string(&p).map_err(|e| {
        format!(
            "{}: {e}; the {shots}-shot examples are the official verilog-eval files (its scripts/ folder): pass that folder with --examples-dir",
            p.display()
        )
    })
}

/// Where the examples are looked for by default: `<dataset>/../scripts`.
pub fn default_examples_dir(suite_root: &Path) -> PathBuf {
    suite_root
        .parent()
        .unwrap_or(Path::new("."))
        .join("scripts")
}

/// The first messages for a problem.
pub fn initial_messages(
    prompts: &Prompts,
    kind: SuiteKind,
    variant: &str,
    problem: &Problem,
    examples: &str,
) -> Result<Vec<Message>, PromptError> {
    use minijinja::context;
    let (sys, user) = match kind {
        SuiteKind::VerilogEvalV2 if variant.contains("code-complete") => (
            prompts.render("verilog_eval_v2_code_complete.system.j2", context! {})?,
            prompts.render(
                "verilog_eval_v2_code_complete.user.j2",
                context! { examples => examples, commented_prompt => comment_description(&problem.description) },
            )?,
        ),
        SuiteKind::VerilogEvalV2 => (
            prompts.render("verilog_eval_v2_spec_to_rtl.system.j2", context! {})?,
            prompts.render(
                "verilog_eval_v2_spec_to_rtl.user.j2",
                context! { examples => examples, prompt => problem.description.clone() },
            )?,
        ),
        SuiteKind::VerilogEvalV1 => (
            prompts.render("verilog_eval_v1.system.j2", context! {})?,
            prompts.render(
                "verilog_eval_v1.user.j2",
                context! {
                    description => problem.description.replace(problem.interface.as_deref().unwrap_or("\u{0}"), ""),
                    header => problem.interface.clone().unwrap_or_default(),
                },
            )?,
        ),
        SuiteKind::Rtllm => (
            prompts.render("rtllm.system.j2", context! {})?,
            prompts.render(
                "rtllm.user.j2",
                context! { description => problem.description.clone(), module => problem.dut_module.clone() },
            )?,
        ),
    };
    Ok(vec![Message::system(sys), Message::user(user)])
}

#[derive(Debug, thiserror::Error)]
pub enum GenError {
    #[error(transparent)]
    Llm(#[from] LlmError),
    #[error(transparent)]
    Prompt(#[from] PromptError),
    /// The `rtlsmith gen` pipeline could not run for this sample.
    #[error("rtlsmith gen: {0}")]
    Pipeline(String),
}

/// Generate sample number `sample` of `problem` with the model run's client, prompts,
/// sampling parameters and examples.
pub async fn generate(
    ms: &ModelSource,
    kind: SuiteKind,
    variant: &str,
    problem: &Problem,
    sample: usize,
    out: &Path,
) -> Result<Generation, GenError> {
    let (client, prompts, cfg) = (&ms.client, &ms.prompts, &ms.params);
    if cfg.pipeline.as_deref() == Some("gen") {
        return pipeline(ms, problem, sample, out).await;
    }
    let mut messages = initial_messages(prompts, kind, variant, problem, &ms.examples)?;
    let body = body_only(kind, variant);
    let mut malformed = Vec::new();
    let (mut pt, mut ct) = (0, 0);
    let mut all_cached = true;
    let model_name = crate::llm::ModelSpec::parse(&cfg.model)
        .map(|s| s.model)
        .unwrap_or_else(|_| cfg.model.clone());
    for attempt in 0..=cfg.reasks {
        let req = ChatRequest {
            model: model_name.clone(),
            messages: messages.clone(),
            temperature: cfg.temperature,
            top_p: cfg.top_p,
            max_tokens: Some(cfg.max_tokens),
            seed: cfg.seed.map(|s| s + sample as u64),
            stop: cfg.stop.clone(),
            n: None,
        };
        let reply = client
            .chat(
                &req,
                &format!("{}/sample{sample}/attempt{attempt}", problem.id),
            )
            .await?;
        all_cached &= reply.cached;
        pt += reply.response.prompt_tokens;
        ct += reply.response.completion_tokens;
        let choice = reply
            .response
            .choices
            .into_iter()
            .next()
            .unwrap_or(crate::llm::Choice {
                text: String::new(),
                finish_reason: None,
            });
        messages.push(Message::assistant(choice.text.clone()));
        let (code, extracted) = match extract::extract(&choice, body) {
            Ok(code) => (code, true),
            Err(m) => {
                malformed.push(m.clone());
                if attempt < cfg.reasks {
                    let text = prompts.render(
                        "reask.user.j2",
                        minijinja::context! { problem => m.problem(), body_only => body },
                    )?;
                    messages.push(Message {
                        role: Role::User,
                        content: text,
                    });
                    continue;
                }
                // out of re-asks: the reply itself is judged (it will not compile)
                (choice.text, false)
            }
        };
        return Ok(Generation {
            task_id: problem.id.clone(),
            sample,
            provider: client.label(),
            messages,
            code,
            extracted,
            malformed,
            prompt_tokens: pt,
            completion_tokens: ct,
            cached: all_cached,
        });
    }
    unreachable!("the loop returns on its last attempt")
}

/// The folder of one sample's `rtlsmith gen` run: `<out>/pipeline/<task>/sampleNN`.
pub fn pipeline_dir(out: &Path, task: &str, sample: usize) -> PathBuf {
    out.join("pipeline")
        .join(task)
        .join(format!("sample{sample:02}"))
}

/// One sample by the whole pipeline: the task text is the spec (a text file in the sample's
/// folder), the top module is the one the testbench instantiates, and the final RTL — verified
/// or not — is the candidate. The benchmark's testbench never enters the loop.
async fn pipeline(
    ms: &ModelSource,
    problem: &Problem,
    sample: usize,
    out: &Path,
) -> Result<Generation, GenError> {
    use crate::spec2rtl;
    let cfg = &ms.params;
    let dir = pipeline_dir(out, &problem.id, sample);
    let spec = dir.join("task.txt");
    std::fs::create_dir_all(&dir)
        .and_then(|_| std::fs::write(&spec, &problem.description))
        .map_err(|e| GenError::Pipeline(format!("{}: {e}", spec.display())))?;
    let mut opts = spec2rtl::GenOptions::new(spec, dir.clone());
    opts.top = Some(problem.dut_module.clone());
    opts.cycles = 1000;
    opts.seed = 1 + sample as u64;
    opts.salt = format!("{}/sample{sample}", problem.id);
    let sampling = spec2rtl::Sampling {
        model: crate::llm::ModelSpec::parse(&cfg.model)
            .map(|s| s.model)
            .unwrap_or_else(|_| cfg.model.clone()),
        temperature: cfg.temperature,
        top_p: cfg.top_p,
        max_tokens: cfg.max_tokens,
        seed: cfg.seed.map(|s| s + sample as u64),
    };
    let report = spec2rtl::run(&opts, &ms.client, &ms.prompts, sampling, None)
        .await
        .map_err(|e| match e {
            spec2rtl::GenError::Llm(e) => GenError::Llm(e),
            other => GenError::Pipeline(other.to_string()),
        })?;
    if let Some(why) = report.reason.strip_prefix("the model could not be asked: ") {
        // a budget or provider failure: the sample is not done (rerun to resume)
        return Err(GenError::Pipeline(why.to_string()));
    }
    let mut code = String::new();
    for f in &report.rtl {
        code.push_str(&std::fs::read_to_string(dir.join(f)).unwrap_or_default());
        code.push('\n');
    }
    if code.trim().is_empty() {
        code = format!(
            "// rtlsmith gen stopped before writing RTL: {}\n",
            report.reason
        );
    }
    let (pt, ct, requests, cached) = report.stages.iter().fold((0, 0, 0, 0), |a, s| {
        (
            a.0 + s.usage.prompt_tokens,
            a.1 + s.usage.completion_tokens,
            a.2 + s.usage.requests,
            a.3 + s.usage.cached,
        )
    });
    Ok(Generation {
        task_id: problem.id.clone(),
        sample,
        provider: ms.client.label(),
        messages: vec![Message::user(format!(
            "rtlsmith gen pipeline ({} request(s)): verdict {:?} — {}; every prompt and reply is in pipeline/{}/sample{sample:02}/llm/",
            requests, report.verdict, report.reason, problem.id
        ))],
        extracted: !report.rtl.is_empty(),
        code,
        malformed: Vec::new(),
        prompt_tokens: pt,
        completion_tokens: ct,
        cached: requests == cached,
    })
}
