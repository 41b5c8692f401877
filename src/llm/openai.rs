//! OpenAI-compatible chat completions: `POST {base}/chat/completions`. OpenAI, vLLM, Ollama,
//! llama.cpp server, LM Studio and OpenRouter all speak it.

use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use super::{
    BoxFuture, ChatRequest, ChatResponse, Choice, ModelSpec, Provider, ProviderError, SetupError,
    check_status, http_client, label, parse_body, transport_error,
};

pub const DEFAULT_BASE: &str = "https://api.openai.com/v1";

pub struct OpenAi {
    base: String,
    model: String,
    key: Option<String>,
    http: reqwest::Client,
    timeout: Duration,
}

impl OpenAi {
    /// The key comes from `OPENAI_API_KEY`; it is required for the default OpenAI endpoint and
    /// optional for a self-hosted base URL (`@http://…` or `OPENAI_BASE_URL`).
    pub fn from_env(spec: &ModelSpec, timeout: Duration) -> Result<Self, SetupError> {
        let base = spec
            .base_url
            .clone()
            .or_else(|| {
                std::env::var("OPENAI_BASE_URL")
                    .ok()
                    .filter(|s| !s.is_empty())
            })
            .unwrap_or_else(|| DEFAULT_BASE.to_string());
        let key = std::env::var("OPENAI_API_KEY")
            .ok()
            .filter(|s| !s.is_empty());
        if key.is_none() && base == DEFAULT_BASE {
            return Err(SetupError::MissingCredential {
                var: "OPENAI_API_KEY",
                provider: format!("openai:{}", spec.model),
            });
        }
        Ok(OpenAi {
            base: base.trim_end_matches('/').to_string(),
            model: spec.model.clone(),
            key,
            http: http_client(timeout)?,
            timeout,
        })
    }
}

#[derive(Deserialize)]
struct Wire {
    choices: Vec<WireChoice>,
    #[serde(default)]
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct WireChoice {
    message: WireMessage,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct WireMessage {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize)]
struct WireUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
}

impl Provider for OpenAi {
    fn kind(&self) -> &'static str {
        "openai"
    }

    fn label(&self) -> String {
        label("openai", &self.model, &self.base, DEFAULT_BASE)
    }

    fn send<'a>(
        &'a self,
        req: &'a ChatRequest,
    ) -> BoxFuture<'a, Result<ChatResponse, ProviderError>> {
        Box::pin(async move {
            let mut body = json!({
                "model": self.model,
                "messages": req.messages,
            });
            let o = body.as_object_mut().expect("object");
            if let Some(t) = req.temperature {
                o.insert("temperature".into(), json!(t));
            }
            if let Some(p) = req.top_p {
                o.insert("top_p".into(), json!(p));
            }
            if let Some(m) = req.max_tokens {
                o.insert("max_tokens".into(), json!(m));
            }
            if let Some(s) = req.seed {
                o.insert("seed".into(), json!(s));
            }
            if !req.stop.is_empty() {
                o.insert("stop".into(), json!(req.stop));
            }
            if let Some(n) = req.n.filter(|n| *n > 1) {
                o.insert("n".into(), json!(n));
            }
            let mut rb = self
                .http
                .post(format!("{}/chat/completions", self.base))
                .json(&body);
            if let Some(k) = &self.key {
                rb = rb.bearer_auth(k);
            }
            let resp = rb
                .send()
                .await
                .map_err(|e| transport_error(e, self.timeout))?;
            let resp = check_status(resp).await?;
            let text = resp
                .text()
                .await
                .map_err(|e| transport_error(e, self.timeout))?;
            let wire: Wire = parse_body(&text)?;
            if wire.choices.is_empty() {
                return Err(ProviderError::BadBody("no choices in the response".into()));
            }
            let usage = wire.usage.unwrap_or(WireUsage {
                prompt_tokens: 0,
                completion_tokens: 0,
            });
            Ok(ChatResponse {
                choices: wire
                    .choices
                    .into_iter()
                    .map(|c| Choice {
                        text: c.message.content.unwrap_or_default(),
                        finish_reason: c.finish_reason,
                    })
                    .collect(),
                prompt_tokens: usage.prompt_tokens,
                completion_tokens: usage.completion_tokens,
            })
        })
    }
}
