//! The `scripted` provider: replies read from a file, for tests and demos. It never pretends to
//! be a model: its label is `scripted:<file>` in every report.
//!
//! The file is JSONL (or a JSON array) of entries `{"reply": "...", "match": "...",
//! "finish_reason": "stop"}`. An entry with `match` answers any request whose last user
//! message contains that text — or, when `match` is a list, every text of it (it can answer
//! many times; the first matching entry in the file wins); entries without `match` are used in
//! order, once each.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Deserialize;

use super::{BoxFuture, ChatRequest, ChatResponse, Choice, Provider, ProviderError, Role};

#[derive(Debug, Clone, Deserialize)]
struct Entry {
    reply: String,
    #[serde(default, rename = "match")]
    matches: Option<Match>,
    #[serde(default)]
    finish_reason: Option<String>,
}

/// One text, or several that must all be in the request.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Match {
    One(String),
    All(Vec<String>),
}

impl Match {
    fn matches(&self, text: &str) -> bool {
        match self {
            Match::One(m) => text.contains(m.as_str()),
            Match::All(all) => all.iter().all(|m| text.contains(m.as_str())),
        }
    }
}

pub struct Scripted {
    path: PathBuf,
    matched: Vec<Entry>,
    queue: Mutex<std::collections::VecDeque<Entry>>,
}

impl Scripted {
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read scripted replies {}: {e}", path.display()))?;
        let entries: Vec<Entry> = if text.trim_start().starts_with('[') {
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
        } else {
            let mut v = Vec::new();
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                v.push(
                    serde_json::from_str(line)
                        .map_err(|e| format!("{}: line {}: {e}", path.display(), i + 1))?,
                );
            }
            v
        };
        if entries.is_empty() {
            return Err(format!("{}: no scripted replies", path.display()));
        }
        let (matched, ordered): (Vec<Entry>, Vec<Entry>) =
            entries.into_iter().partition(|e| e.matches.is_some());
        Ok(Scripted {
            path: path.to_path_buf(),
            matched,
            queue: Mutex::new(ordered.into()),
        })
    }
}

impl Provider for Scripted {
    fn kind(&self) -> &'static str {
        "scripted"
    }

    fn label(&self) -> String {
        format!("scripted:{}", self.path.display())
    }

    fn send<'a>(
        &'a self,
        req: &'a ChatRequest,
    ) -> BoxFuture<'a, Result<ChatResponse, ProviderError>> {
        Box::pin(async move {
            let last_user = req
                .messages
                .iter()
                .rev()
                .find(|m| m.role == Role::User)
                .map(|m| m.content.as_str())
                .unwrap_or("");
            let entry = match self
                .matched
                .iter()
                .find(|e| e.matches.as_ref().is_some_and(|m| m.matches(last_user)))
            {
                Some(e) => e.clone(),
                None => self
                    .queue
                    .lock()
                    .map_err(|_| ProviderError::Other("scripted provider poisoned".into()))?
                    .pop_front()
                    .ok_or_else(|| {
                        ProviderError::Other(format!(
                            "scripted replies in {} are exhausted and none matches the request",
                            self.path.display()
                        ))
                    })?,
            };
            let prompt_tokens = req
                .messages
                .iter()
                .map(|m| m.content.split_whitespace().count() as u64)
                .sum();
            Ok(ChatResponse {
                prompt_tokens,
                completion_tokens: entry.reply.split_whitespace().count() as u64,
                choices: vec![Choice {
                    text: entry.reply,
                    finish_reason: Some(entry.finish_reason.unwrap_or_else(|| "stop".into())),
                }],
            })
        })
    }
}

/// The provider of a replayed session given without `--model`: it answers nothing itself
/// (every request is served from the session) and carries the recorded provider's kind and
/// label, so request keys and reports are those of the recording.
pub struct ReplayOnly {
    kind: &'static str,
    label: String,
}

impl ReplayOnly {
    /// From a session file: the provider label and model of its first exchange.
    pub fn from_session(path: &Path) -> Result<(ReplayOnly, String), String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read replay session {}: {e}", path.display()))?;
        let first = text
            .lines()
            .find(|l| !l.trim().is_empty())
            .ok_or_else(|| format!("replay session {} is empty", path.display()))?;
        let v: serde_json::Value = serde_json::from_str(first)
            .map_err(|e| format!("replay session {}: line 1: {e}", path.display()))?;
        let label = v["provider"].as_str().unwrap_or("").to_string();
        let model = v["request"]["model"].as_str().unwrap_or("").to_string();
        let kind = match label.split(':').next() {
            Some("openai") => "openai",
            Some("anthropic") => "anthropic",
            Some("scripted") => "scripted",
            _ => {
                return Err(format!(
                    "replay session {}: unknown provider `{label}`",
                    path.display()
                ));
            }
        };
        Ok((ReplayOnly { kind, label }, model))
    }
}

impl Provider for ReplayOnly {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn label(&self) -> String {
        self.label.clone()
    }

    fn send<'a>(
        &'a self,
        _req: &'a ChatRequest,
    ) -> BoxFuture<'a, Result<ChatResponse, ProviderError>> {
        Box::pin(async move {
            Err(ProviderError::Other(
                "a replayed session answers only the requests it recorded".into(),
            ))
        })
    }
}
