//! The Anthropic Messages API: `POST {base}/v1/messages` with `x-api-key` and
//! `anthropic-version`. System messages travel in the `system` field.

use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use super::{
    BoxFuture, ChatRequest, ChatResponse, Choice, ModelSpec, Provider, ProviderError, Role,
    SetupError, check_status, http_client, label, parse_body, transport_error,
};

pub const DEFAULT_BASE: &str = "https://api.anthropic.com";
pub const API_VERSION: &str = "2023-06-01";

pub struct Anthropic {
    base: String,
    model: String,
    key: String,
    http: reqwest::Client,
    timeout: Duration,
}

impl Anthropic {
    pub fn from_env(spec: &ModelSpec, timeout: Duration) -> Result<Self, SetupError> {
        let key = std::env::var("ANTHROPIC_API_KEY")
            .ok()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| SetupError::MissingCredential {
                var: "ANTHROPIC_API_KEY",
                provider: format!("anthropic:{}", spec.model),
            })?;
        let base = spec
            .base_url
            .clone()
            .or_else(|| {
                std::env::var("ANTHROPIC_BASE_URL")
                    .ok()
                    .filter(|s| !s.is_empty())
            })
            .unwrap_or_else(|| DEFAULT_BASE.to_string());
        Ok(Anthropic {
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
    content: Vec<Block>,
    #[serde(default)]
    stop_reason: Option<String>,
    #[serde(default)]
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct Block {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
struct WireUsage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
}

impl Provider for Anthropic {
    fn kind(&self) -> &'static str {
        "anthropic"
    }

    fn label(&self) -> String {
        label("anthropic", &self.model, &self.base, DEFAULT_BASE)
    }

    fn send<'a>(
        &'a self,
        req: &'a ChatRequest,
    ) -> BoxFuture<'a, Result<ChatResponse, ProviderError>> {
        Box::pin(async move {
            let system: Vec<&str> = req
                .messages
                .iter()
                .filter(|m| m.role == Role::System)
                .map(|m| m.content.as_str())
                .collect();
            let messages: Vec<serde_json::Value> = req
                .messages
                .iter()
                .filter(|m| m.role != Role::System)
                .map(|m| json!({"role": m.role, "content": m.content}))
                .collect();
            let mut body = json!({
                "model": self.model,
                "max_tokens": req.max_tokens.unwrap_or(1024),
                "messages": messages,
            });
            let o = body.as_object_mut().expect("object");
            if !system.is_empty() {
                o.insert("system".into(), json!(system.join("\n")));
            }
            if let Some(t) = req.temperature {
                o.insert("temperature".into(), json!(t));
            }
            if let Some(p) = req.top_p {
                o.insert("top_p".into(), json!(p));
            }
            if !req.stop.is_empty() {
                o.insert("stop_sequences".into(), json!(req.stop));
            }
            let resp = self
                .http
                .post(format!("{}/v1/messages", self.base))
                .header("x-api-key", &self.key)
                .header("anthropic-version", API_VERSION)
                .json(&body)
                .send()
                .await
                .map_err(|e| transport_error(e, self.timeout))?;
            let resp = check_status(resp).await?;
            let text = resp
                .text()
                .await
                .map_err(|e| transport_error(e, self.timeout))?;
            let wire: Wire = parse_body(&text)?;
            let reply: String = wire
                .content
                .iter()
                .filter(|b| b.kind == "text")
                .filter_map(|b| b.text.as_deref())
                .collect::<Vec<_>>()
                .join("");
            let finish = wire.stop_reason.map(|r| match r.as_str() {
                "max_tokens" => "length".to_string(),
                "end_turn" | "stop_sequence" => "stop".to_string(),
                _ => r,
            });
            let usage = wire.usage.unwrap_or(WireUsage {
                input_tokens: 0,
                output_tokens: 0,
            });
            Ok(ChatResponse {
                choices: vec![Choice {
                    text: reply,
                    finish_reason: finish,
                }],
                prompt_tokens: usage.input_tokens,
                completion_tokens: usage.output_tokens,
            })
        })
    }
}
