//! Requests to the model: rendered from the templates, answered through the [`Client`] (cache,
//! record/replay, budgets), the reply's JSON or code taken out and re-asked when malformed,
//! and every exchange written to the run directory (`llm/NNN-task.md`) and counted against its
//! stage.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;

use super::GenError;
use crate::llm::extract::{self, Malformed};
use crate::llm::{ChatRequest, Choice, Client, Message};
use crate::prompts::Prompts;

/// What one stage spent.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct StageStats {
    /// Requests answered (from the provider, the cache or a replayed session).
    pub requests: u64,
    /// Of them, answered from the cache or a replay (nothing spent now).
    pub cached: u64,
    /// Re-asks for malformed replies.
    pub reasks: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost: f64,
    /// Time spent waiting for replies.
    pub llm_seconds: f64,
}

/// Sampling settings of the run's requests.
#[derive(Debug, Clone)]
pub struct Sampling {
    pub model: String,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub max_tokens: u32,
    pub seed: Option<u64>,
}

/// The kind of answer a request wants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Want {
    Json,
    /// One code block (C++ or pseudocode): the block's text.
    Block,
    /// Verilog: the code with its modules.
    Verilog,
    /// Plain text (the prompt optimizer's instruction).
    Text,
}

pub struct Asker<'a> {
    pub client: &'a Client,
    pub prompts: &'a Prompts,
    pub sampling: Sampling,
    pub log_dir: PathBuf,
    pub reasks: u32,
    /// Separates this run's requests from identical ones of another (`<task>/sample3` when
    /// eval runs the pipeline per sample; empty for `rtlsmith gen`).
    pub salt: String,
    counter: Mutex<u32>,
    /// How often each exact request was sent in this run: a repeat gets its own answer.
    seen: Mutex<std::collections::HashMap<String, u32>>,
    stats: Mutex<Vec<(String, StageStats)>>,
}

/// An answered request.
pub struct Answer {
    pub value: Option<serde_json::Value>,
    pub text: String,
}

impl<'a> Asker<'a> {
    pub fn new(
        client: &'a Client,
        prompts: &'a Prompts,
        sampling: Sampling,
        log_dir: PathBuf,
    ) -> Asker<'a> {
        Asker {
            client,
            prompts,
            sampling,
            log_dir,
            reasks: 2,
            salt: String::new(),
            counter: Mutex::new(0),
            seen: Mutex::new(std::collections::HashMap::new()),
            stats: Mutex::new(Vec::new()),
        }
    }

    pub fn stats(&self, stage: &str) -> StageStats {
        self.stats
            .lock()
            .ok()
            .and_then(|s| s.iter().find(|(n, _)| n == stage).map(|x| x.1.clone()))
            .unwrap_or_default()
    }

    fn add(&self, stage: &str, f: impl FnOnce(&mut StageStats)) {
        if let Ok(mut s) = self.stats.lock() {
            match s.iter_mut().find(|(n, _)| n == stage) {
                Some(x) => f(&mut x.1),
                None => {
                    let mut x = StageStats::default();
                    f(&mut x);
                    s.push((stage.to_string(), x));
                }
            }
        }
    }

    /// Render `template` with `ctx`, ask, and take out what `want` says; re-ask (up to
    /// `reasks` times) when the reply is malformed.
    pub async fn ask(
        &self,
        stage: &str,
        template: &str,
        ctx: minijinja::Value,
        want: Want,
    ) -> Result<Answer, GenError> {
        let system = self
            .prompts
            .render("gen.system.j2", minijinja::context! {})
            .map_err(GenError::Prompt)?;
        let user = self
            .prompts
            .render(template, ctx)
            .map_err(GenError::Prompt)?;
        let task = user.lines().next().unwrap_or(template).to_string();
        let mut messages = vec![Message::system(system), Message::user(user)];
        let mut round = 0;
        loop {
            let req = ChatRequest {
                model: self.sampling.model.clone(),
                messages: messages.clone(),
                temperature: self.sampling.temperature,
                top_p: self.sampling.top_p,
                max_tokens: Some(self.sampling.max_tokens),
                seed: self.sampling.seed,
                stop: Vec::new(),
                n: None,
            };
            let usage0 = self.client.usage();
            let t0 = Instant::now();
            let repeat = self
                .seen
                .lock()
                .map(|mut m| {
                    let n = m
                        .entry(serde_json::to_string(&req.messages).unwrap_or_default())
                        .or_insert(0);
                    *n += 1;
                    *n - 1
                })
                .unwrap_or(0);
            let salt = match repeat {
                0 => self.salt.clone(),
                n => format!("{}#{n}", self.salt),
            };
            let reply = self.client.chat(&req, &salt).await.map_err(GenError::Llm)?;
            let usage1 = self.client.usage();
            let choice = reply.response.choices.first().cloned().unwrap_or(Choice {
                text: String::new(),
                finish_reason: None,
            });
            self.add(stage, |s| {
                s.requests += 1;
                s.cached += u64::from(reply.cached);
                s.reasks += u64::from(round > 0);
                s.prompt_tokens += reply.response.prompt_tokens;
                s.completion_tokens += reply.response.completion_tokens;
                s.cost += usage1.cost - usage0.cost;
                s.llm_seconds += t0.elapsed().as_secs_f64();
            });
            self.log(&task, &messages, &choice.text);
            let got = take(&choice, want);
            match got {
                Ok(a) => return Ok(a),
                Err(m) if round < self.reasks => {
                    round += 1;
                    let wanted = match want {
                        Want::Json => "one JSON object",
                        Want::Block | Want::Verilog => "the code in one code block",
                        Want::Text => "the text asked for",
                    };
                    let again = self
                        .prompts
                        .render(
                            "gen_reask.user.j2",
                            minijinja::context! { problem => m.problem(), wanted },
                        )
                        .map_err(GenError::Prompt)?;
                    messages.push(Message::assistant(choice.text.clone()));
                    messages.push(Message::user(format!("{task}\n\n{again}")));
                }
                Err(m) => {
                    return Err(GenError::Malformed {
                        task,
                        problem: m.problem(),
                    });
                }
            }
        }
    }

    fn log(&self, task: &str, messages: &[Message], reply: &str) {
        let n = match self.counter.lock() {
            Ok(mut c) => {
                *c += 1;
                *c
            }
            Err(_) => 0,
        };
        let slug: String = task
            .trim_start_matches("Task: ")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let slug = slug.trim_matches('-').to_string();
        let mut s = String::new();
        for m in messages {
            s.push_str(&format!("## {:?}\n\n{}\n\n", m.role, m.content));
        }
        s.push_str(&format!("## Reply\n\n{reply}\n"));
        let _ = crate::util::write_atomic(&self.log_dir.join(format!("{n:03}-{slug}.md")), s);
    }
}

/// Take the wanted part out of a reply.
fn take(choice: &Choice, want: Want) -> Result<Answer, Malformed> {
    match want {
        Want::Json => {
            let v = extract::extract_json(choice)?;
            if !v.is_object() {
                return Err(Malformed::InvalidJson("expected a JSON object".into()));
            }
            Ok(Answer {
                text: serde_json::to_string_pretty(&v).unwrap_or_default(),
                value: Some(v),
            })
        }
        Want::Verilog => Ok(Answer {
            value: None,
            text: extract::extract(choice, false)?,
        }),
        Want::Block => {
            if choice.truncated() {
                return Err(Malformed::Truncated);
            }
            let blocks = extract::code_blocks(&choice.text);
            match blocks.len() {
                0 if choice.text.trim().is_empty() => Err(Malformed::NoCode),
                0 => Ok(Answer {
                    value: None,
                    text: format!("{}\n", choice.text.trim()),
                }),
                1 => Ok(Answer {
                    value: None,
                    text: format!("{}\n", blocks[0].trim_matches('\n')),
                }),
                n => Err(Malformed::SeveralBlocks(n)),
            }
        }
        Want::Text => {
            if choice.text.trim().is_empty() {
                return Err(Malformed::NoCode);
            }
            Ok(Answer {
                value: None,
                text: choice.text.trim().to_string(),
            })
        }
    }
}
