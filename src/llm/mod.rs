/*!
The LLM layer: one [`Provider`] trait with three implementations — OpenAI-compatible chat
completions (`openai.rs`: OpenAI, vLLM, Ollama, llama.cpp, LM Studio, OpenRouter), the Anthropic
Messages API (`anthropic.rs`), and `scripted` (`scripted.rs`: replies read from a file, for
tests and demos, and labelled as such wherever it appears) — behind a [`client::Client`] that
owns everything a real run needs: request timeouts, transport retries with exponential backoff
and jitter honouring `Retry-After`, a concurrency and a requests-per-minute limit, token and
cost accounting, budgets, an on-disk response cache keyed by request hash, and session
record/replay.

Transport retries (here), malformed-reply re-asks (`extract.rs` + the caller) and repair
iterations (the pipeline) are separate counters.
*/

pub mod anthropic;
pub mod client;
pub mod config;
pub mod extract;
pub mod openai;
pub mod scripted;
pub mod settings;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use client::{Client, ClientConfig, Usage};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

impl Message {
    pub fn system(c: impl Into<String>) -> Self {
        Message {
            role: Role::System,
            content: c.into(),
        }
    }
    pub fn user(c: impl Into<String>) -> Self {
        Message {
            role: Role::User,
            content: c.into(),
        }
    }
    pub fn assistant(c: impl Into<String>) -> Self {
        Message {
            role: Role::Assistant,
            content: c.into(),
        }
    }
}

/// A chat request, provider-neutral.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    pub model: String,
    pub messages: Vec<Message>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stop: Vec<String>,
    /// Completions wanted (OpenAI `n`; other providers answer one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub text: String,
    /// `stop`, `length` (truncated by the token limit), … as the provider reports it,
    /// normalised to OpenAI's words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
}

impl Choice {
    pub fn truncated(&self) -> bool {
        self.finish_reason.as_deref() == Some("length")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatResponse {
    pub choices: Vec<Choice>,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// What went wrong talking to a provider.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ProviderError {
    /// Connection refused, reset, DNS, timeout: worth retrying.
    #[error("transport error: {0}")]
    Transport(String),
    /// The request timed out.
    #[error("request timed out after {0:?}")]
    Timeout(Duration),
    /// A non-success HTTP status.
    #[error("HTTP {status}: {body}")]
    Http {
        status: u16,
        retry_after: Option<Duration>,
        body: String,
    },
    /// The body was not what the API documents (invalid JSON, missing fields).
    #[error("malformed response body: {0}")]
    BadBody(String),
    /// Anything else the provider cannot do (e.g. scripted replies exhausted).
    #[error("{0}")]
    Other(String),
}

impl ProviderError {
    /// Transport errors, 408, 409, 429, 5xx and unreadable bodies are retried; 400, 401, 403,
    /// 404 and other client errors are not.
    pub fn retryable(&self) -> bool {
        match self {
            ProviderError::Transport(_) | ProviderError::Timeout(_) | ProviderError::BadBody(_) => {
                true
            }
            ProviderError::Http { status, .. } => {
                matches!(status, 408 | 409 | 429) || (500..600).contains(status)
            }
            ProviderError::Other(_) => false,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ProviderError::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A chat backend.
pub trait Provider: Send + Sync {
    /// `openai`, `anthropic` or `scripted`.
    fn kind(&self) -> &'static str;
    /// A label for reports: `openai:gpt-4o-mini@http://…`, `scripted:replies.jsonl`.
    fn label(&self) -> String;
    fn send<'a>(
        &'a self,
        req: &'a ChatRequest,
    ) -> BoxFuture<'a, Result<ChatResponse, ProviderError>>;
}

/// `provider:model[@base_url]`, as given to `--model`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelSpec {
    pub provider: String,
    pub model: String,
    pub base_url: Option<String>,
}

impl fmt::Display for ModelSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.provider, self.model)?;
        if let Some(b) = &self.base_url {
            write!(f, "@{b}")?;
        }
        Ok(())
    }
}

impl ModelSpec {
    /// Parse `openai:gpt-4o-mini`, `openai:qwen2.5-coder:32b@http://localhost:11434/v1`,
    /// `anthropic:claude-sonnet-4-5`, `scripted:replies.jsonl`.
    pub fn parse(s: &str) -> Result<ModelSpec, String> {
        let (provider, rest) = s.split_once(':').ok_or_else(|| {
            format!("`{s}` is not provider:model (e.g. openai:gpt-4o-mini, anthropic:claude-sonnet-4-5, scripted:replies.jsonl)")
        })?;
        if !["openai", "anthropic", "scripted"].contains(&provider) {
            return Err(format!(
                "unknown provider `{provider}` (expected openai, anthropic or scripted)"
            ));
        }
        let (model, base_url) = match rest.rfind("@http") {
            Some(i) => (
                &rest[..i],
                Some(rest[i + 1..].trim_end_matches('/').to_string()),
            ),
            None => (rest, None),
        };
        if model.is_empty() {
            return Err(format!("`{s}` names no model"));
        }
        Ok(ModelSpec {
            provider: provider.to_string(),
            model: model.to_string(),
            base_url,
        })
    }
}

/// Why a provider could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("{var} is not set (needed for {provider})")]
    MissingCredential { var: &'static str, provider: String },
    #[error("{0}")]
    Invalid(String),
}

/// Build the provider a spec names. Credentials come from the environment.
pub fn build_provider(
    spec: &ModelSpec,
    timeout: Duration,
) -> Result<Box<dyn Provider>, SetupError> {
    match spec.provider.as_str() {
        "openai" => Ok(Box::new(openai::OpenAi::from_env(spec, timeout)?)),
        "anthropic" => Ok(Box::new(anthropic::Anthropic::from_env(spec, timeout)?)),
        "scripted" => Ok(Box::new(
            scripted::Scripted::from_file(std::path::Path::new(&spec.model))
                .map_err(SetupError::Invalid)?,
        )),
        other => Err(SetupError::Invalid(format!("unknown provider `{other}`"))),
    }
}

/// The HTTP client both wire providers use (rustls with the ring provider, no system
/// OpenSSL needed).
pub(crate) fn http_client(timeout: Duration) -> Result<reqwest::Client, SetupError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(30)))
        .build()
        .map_err(|e| SetupError::Invalid(format!("cannot create the HTTP client: {e}")))
}

/// Read a response into a [`ProviderError`] when it is not a success.
pub(crate) async fn check_status(
    resp: reqwest::Response,
) -> Result<reqwest::Response, ProviderError> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let retry_after = resp
        .headers()
        .get("retry-after-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|ms| Duration::from_secs_f64(ms / 1000.0))
        .or_else(|| {
            resp.headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(Duration::from_secs_f64)
        });
    let body = resp.text().await.unwrap_or_default();
    let body: String = body.chars().take(500).collect();
    Err(ProviderError::Http {
        status: status.as_u16(),
        retry_after,
        body,
    })
}

/// Parse a response body, or say what was wrong with it (the start of the body included).
pub(crate) fn parse_body<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ProviderError> {
    serde_json::from_str(text).map_err(|e| {
        ProviderError::BadBody(format!(
            "{e}; body starts: {}",
            text.chars().take(200).collect::<String>()
        ))
    })
}

/// `kind:model`, with `@base` when the endpoint is not the provider's default.
pub(crate) fn label(kind: &str, model: &str, base: &str, default_base: &str) -> String {
    if base == default_base {
        format!("{kind}:{model}")
    } else {
        format!("{kind}:{model}@{base}")
    }
}

pub(crate) fn transport_error(e: reqwest::Error, timeout: Duration) -> ProviderError {
    if e.is_timeout() {
        ProviderError::Timeout(timeout)
    } else if e.is_decode() {
        ProviderError::BadBody(e.to_string())
    } else {
        ProviderError::Transport(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_specs() {
        let s = ModelSpec::parse("openai:qwen2.5-coder:32b@http://localhost:11434/v1/").unwrap();
        assert_eq!(s.provider, "openai");
        assert_eq!(s.model, "qwen2.5-coder:32b");
        assert_eq!(s.base_url.as_deref(), Some("http://localhost:11434/v1"));
        let s = ModelSpec::parse("anthropic:claude-sonnet-4-5").unwrap();
        assert_eq!((s.provider.as_str(), s.base_url), ("anthropic", None));
        assert!(ModelSpec::parse("gpt-4o").is_err());
        assert!(ModelSpec::parse("google:gemini").is_err());
        assert!(ModelSpec::parse("openai:").is_err());
    }

    #[test]
    fn which_errors_are_retried() {
        let http = |status| ProviderError::Http {
            status,
            retry_after: None,
            body: String::new(),
        };
        for s in [408, 409, 429, 500, 502, 503] {
            assert!(http(s).retryable(), "{s}");
        }
        for s in [400, 401, 403, 404, 422] {
            assert!(!http(s).retryable(), "{s}");
        }
        assert!(ProviderError::Transport("reset".into()).retryable());
        assert!(ProviderError::BadBody("x".into()).retryable());
    }
}
