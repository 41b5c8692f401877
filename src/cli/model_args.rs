//! The model flags `gen` and `repair` share (`eval` has its own: its settings also come from
//! the manifest's `[llm]` table), and the client they make: the provider from --model or a
//! --replay session, the run directory's own response cache (a rerun resumes), record/replay,
//! budgets, and the prompt templates.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use super::{AppError, ExitCode};
use rtlsmith::llm::{self, config::LlmTable, settings::Settings};
use rtlsmith::spec2rtl::Sampling;

#[derive(Args, Debug)]
pub struct ModelArgs {
    /// The model: openai:MODEL[@BASE_URL], anthropic:MODEL, or scripted:REPLIES.jsonl (a test
    /// double, labelled as such); not needed with --replay
    #[arg(long, value_name = "PROVIDER:MODEL")]
    pub model: Option<String>,
    /// Sampling temperature (default 0.85)
    #[arg(long)]
    pub temperature: Option<f64>,
    /// Reply length limit in tokens (default 4096)
    #[arg(long)]
    pub max_tokens: Option<u32>,
    /// Stop cleanly once this many tokens were used (rerun to resume)
    #[arg(long)]
    pub max_tokens_total: Option<u64>,
    /// Stop cleanly once the estimated cost (US dollars) reaches this (rerun to resume)
    #[arg(long)]
    pub max_cost: Option<f64>,
    /// Seconds before a request is abandoned (and retried)
    #[arg(long)]
    pub request_timeout: Option<u64>,
    /// Write every exchange of the run to this session file
    #[arg(long, value_name = "FILE", conflicts_with = "replay")]
    pub record: Option<PathBuf>,
    /// Serve every request from this session file, without network
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,
    /// Folder of prompt templates overriding the built-in ones, file by file
    #[arg(long, value_name = "DIR")]
    pub prompts: Option<PathBuf>,
}

impl ModelArgs {
    /// The client (its cache in `out/.llm-cache`), the templates and the sampling settings.
    pub fn client(
        &self,
        out: &Path,
    ) -> Result<(llm::Client, rtlsmith::prompts::Prompts, Sampling), AppError> {
        let (provider, model): (Box<dyn llm::Provider>, String) = match (&self.model, &self.replay)
        {
            (Some(m), _) => {
                let spec = llm::ModelSpec::parse(m)
                    .map_err(|e| AppError::usage(e, "e.g. --model openai:gpt-4o"))?;
                let p = llm::build_provider(
                    &spec,
                    Duration::from_secs(self.request_timeout.unwrap_or(300)),
                )
                .map_err(|e| match e {
                    llm::SetupError::MissingCredential { var, .. } => AppError {
                        code: ExitCode::ToolMissing,
                        message: e.to_string(),
                        hint: format!(
                            "export {var}=… (or a self-hosted endpoint: openai:MODEL@http://host:port/v1)"
                        ),
                    },
                    llm::SetupError::Invalid(m) => AppError::usage(m, "check --model"),
                })?;
                (p, m.clone())
            }
            (None, Some(r)) => {
                let (p, model) = llm::scripted::ReplayOnly::from_session(r)
                    .map_err(|e| AppError::usage(e, "check the --replay file"))?;
                (Box::new(p), model)
            }
            (None, None) => {
                return Err(AppError::usage(
                    "no model: give --model PROVIDER:MODEL (or --replay SESSION)",
                    "e.g. --model openai:gpt-4o, --model scripted:replies.jsonl",
                ));
            }
        };
        let table = LlmTable {
            model: Some(model.clone()),
            temperature: self.temperature,
            max_tokens: Some(self.max_tokens.unwrap_or(4096)),
            timeout: self.request_timeout,
            max_tokens_total: self.max_tokens_total,
            max_cost: self.max_cost,
            ..LlmTable::default()
        };
        let settings = Settings::resolve(&table, &LlmTable::default()).expect("model given");
        // the run's own response cache: a rerun resumes without re-asking
        let cache = self.replay.is_none().then(|| out.join(".llm-cache"));
        let cfg = settings.client_config(
            llm::client::Prices::builtin(),
            cache,
            self.record.clone(),
            self.replay.clone(),
        );
        let client = llm::Client::new(provider, cfg)
            .map_err(|e| AppError::usage(e.to_string(), e.hint()))?;
        let prompts = rtlsmith::prompts::Prompts::load(self.prompts.as_deref())
            .map_err(|e| AppError::usage(e.to_string(), "fix the template (minijinja syntax)"))?;
        let sampling = Sampling {
            model: llm::ModelSpec::parse(&model)
                .map(|m| m.model)
                .unwrap_or(model.clone()),
            temperature: settings.temperature,
            top_p: settings.top_p,
            max_tokens: settings.max_tokens,
            seed: settings.seed,
        };
        Ok((client, prompts, sampling))
    }
}
