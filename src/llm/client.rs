//! The client every LLM feature goes through: retries, limits, accounting, budgets, cache,
//! record and replay.

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{ChatRequest, ChatResponse, Provider, ProviderError};

/// Prices in US dollars per million tokens (input, output), by model name.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Prices(pub HashMap<String, (f64, f64)>);

impl Prices {
    /// A few public list prices, to be overridden with `--prices FILE` (JSON or TOML:
    /// `{"model-name": [input_per_mtok, output_per_mtok]}`) when they change.
    pub fn builtin() -> Prices {
        let mut m = HashMap::new();
        for (k, i, o) in [
            ("gpt-4o-mini", 0.15, 0.60),
            ("gpt-4o", 2.50, 10.00),
            ("gpt-4.1-mini", 0.40, 1.60),
            ("gpt-4.1", 2.00, 8.00),
            ("claude-sonnet-4-5", 3.00, 15.00),
            ("claude-haiku-4-5", 1.00, 5.00),
            ("claude-opus-4-1", 15.00, 75.00),
        ] {
            m.insert(k.to_string(), (i, o));
        }
        Prices(m)
    }

    pub fn load(path: &Path) -> Result<Prices, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let parsed: HashMap<String, (f64, f64)> = if path.extension().is_some_and(|e| e == "toml") {
            toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
        } else {
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
        };
        let mut p = Prices::builtin();
        p.0.extend(parsed);
        Ok(p)
    }

    /// (input, output) per million tokens: an exact name, else the longest known prefix
    /// (`gpt-4o-mini-2024-07-18` → `gpt-4o-mini`).
    pub fn lookup(&self, model: &str) -> Option<(f64, f64)> {
        if let Some(p) = self.0.get(model) {
            return Some(*p);
        }
        self.0
            .iter()
            .filter(|(k, _)| model.starts_with(k.as_str()))
            .max_by_key(|(k, _)| k.len())
            .map(|(_, v)| *v)
    }
}

#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub timeout: Duration,
    /// Transport retries per request (after the first attempt).
    pub max_retries: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Requests per minute (None: unlimited).
    pub rpm: Option<u32>,
    /// The window `rpm` counts over (a minute; shorter in tests).
    pub rpm_window: Duration,
    /// Response cache folder (None: no cache).
    pub cache_dir: Option<PathBuf>,
    /// Append every exchange to this session file.
    pub record: Option<PathBuf>,
    /// Serve every request from this session file; no network.
    pub replay: Option<PathBuf>,
    pub prices: Prices,
    pub max_tokens_total: Option<u64>,
    pub max_cost: Option<f64>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            timeout: Duration::from_secs(120),
            max_retries: 6,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(60),
            concurrency: 4,
            rpm: None,
            rpm_window: Duration::from_secs(60),
            cache_dir: None,
            record: None,
            replay: None,
            prices: Prices::builtin(),
            max_tokens_total: None,
            max_cost: None,
        }
    }
}

/// Running totals of a client.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// Requests answered by the provider (not from cache or replay).
    pub requests: u64,
    /// Requests answered from the cache or a replayed session.
    pub cached: u64,
    /// Transport retries.
    pub retries: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// US dollars, estimated from the price table (0 when the model has no known price).
    pub cost: f64,
    pub priced: bool,
    /// The most requests that were in flight at the same time.
    pub max_in_flight: usize,
}

impl Usage {
    pub fn tokens(&self) -> u64 {
        self.prompt_tokens + self.completion_tokens
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("{label}: {error} (after {attempts} attempt(s))")]
    Provider {
        label: String,
        error: ProviderError,
        attempts: u32,
    },
    /// A budget ran out; the message names which.
    #[error("budget exhausted: {0}")]
    Budget(String),
    #[error(
        "replay session {} has no response for request {key} ({excerpt}); record it again with --record",
        .path.display()
    )]
    ReplayMiss {
        path: PathBuf,
        key: String,
        excerpt: String,
    },
    #[error("{0}")]
    Session(String),
}

impl LlmError {
    pub fn hint(&self) -> &'static str {
        match self {
            LlmError::Provider { error, .. } => match error {
                ProviderError::Http {
                    status: 401 | 403, ..
                } => "the API key was refused: check OPENAI_API_KEY / ANTHROPIC_API_KEY",
                ProviderError::Http {
                    status: 400 | 404 | 422,
                    ..
                } => {
                    "the provider rejected the request: check the model name and the sampling options"
                }
                _ => "check the endpoint (base URL) and the network; rerun to resume",
            },
            LlmError::Budget(_) => "raise --max-cost / --max-tokens-total and rerun to resume",
            LlmError::ReplayMiss { .. } => "replay serves only the requests a run recorded",
            LlmError::Session(_) => "check the --record / --replay file",
        }
    }
}

/// One answered request.
#[derive(Debug, Clone)]
pub struct Reply {
    pub response: ChatResponse,
    /// From the cache or a replayed session (no tokens spent now).
    pub cached: bool,
    pub attempts: u32,
    pub key: String,
}

#[derive(Serialize, Deserialize)]
struct SessionLine {
    key: String,
    provider: String,
    request: ChatRequest,
    response: ChatResponse,
}

pub struct Client {
    provider: Box<dyn Provider>,
    cfg: ClientConfig,
    sem: tokio::sync::Semaphore,
    window: Mutex<VecDeque<Instant>>,
    usage: Mutex<Usage>,
    in_flight: std::sync::atomic::AtomicUsize,
    replay: Option<HashMap<String, ChatResponse>>,
    record: Option<Mutex<std::fs::File>>,
    rng: Mutex<u64>,
}

impl Client {
    pub fn new(provider: Box<dyn Provider>, cfg: ClientConfig) -> Result<Client, LlmError> {
        let replay = match &cfg.replay {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| {
                    LlmError::Session(format!("cannot read replay session {}: {e}", p.display()))
                })?;
                let mut map = HashMap::new();
                for (i, line) in text.lines().enumerate() {
                    if line.trim().is_empty() {
                        continue;
                    }
                    let l: SessionLine = serde_json::from_str(line).map_err(|e| {
                        LlmError::Session(format!(
                            "replay session {}: line {}: {e}",
                            p.display(),
                            i + 1
                        ))
                    })?;
                    map.insert(l.key, l.response);
                }
                Some(map)
            }
            None => None,
        };
        let record = match &cfg.record {
            Some(p) => {
                if let Some(d) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                    let _ = std::fs::create_dir_all(d);
                }
                Some(Mutex::new(
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(p)
                        .map_err(|e| {
                            LlmError::Session(format!("cannot write session {}: {e}", p.display()))
                        })?,
                ))
            }
            None => None,
        };
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9e37_79b9, |d| d.as_nanos() as u64)
            | 1;
        Ok(Client {
            sem: tokio::sync::Semaphore::new(cfg.concurrency.max(1)),
            provider,
            cfg,
            window: Mutex::new(VecDeque::new()),
            usage: Mutex::new(Usage::default()),
            in_flight: std::sync::atomic::AtomicUsize::new(0),
            replay,
            record,
            rng: Mutex::new(seed),
        })
    }

    pub fn label(&self) -> String {
        self.provider.label()
    }

    pub fn provider_kind(&self) -> &'static str {
        self.provider.kind()
    }

    pub fn usage(&self) -> Usage {
        self.usage.lock().map(|u| u.clone()).unwrap_or_default()
    }

    /// The key a request is cached, recorded and replayed under. `salt` separates requests
    /// that are identical on the wire but must get their own answer (sample 3 of 20).
    pub fn request_key(&self, req: &ChatRequest, salt: &str) -> String {
        let mut h = Sha256::new();
        h.update(b"rtlsmith-llm-v1\0");
        h.update(self.provider.kind().as_bytes());
        h.update(b"\0");
        h.update(serde_json::to_string(req).unwrap_or_default().as_bytes());
        h.update(b"\0");
        h.update(salt.as_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    fn budget_exceeded(&self) -> Option<String> {
        let u = self.usage.lock().ok()?;
        if let Some(max) = self.cfg.max_tokens_total
            && u.tokens() >= max
        {
            return Some(format!(
                "{} tokens used, --max-tokens-total is {max}",
                u.tokens()
            ));
        }
        if let Some(max) = self.cfg.max_cost
            && u.cost >= max
        {
            return Some(format!("${:.4} spent, --max-cost is ${max:.4}", u.cost));
        }
        None
    }

    fn jitter(&self, d: Duration) -> Duration {
        let mut x = self.rng.lock().map(|g| *g).unwrap_or(1);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if let Ok(mut g) = self.rng.lock() {
            *g = x;
        }
        // full jitter between 50% and 100% of the backoff
        let frac = 0.5 + (x % 1000) as f64 / 2000.0;
        d.mul_f64(frac)
    }

    async fn rate_limit(&self) {
        let Some(rpm) = self.cfg.rpm.filter(|r| *r > 0) else {
            return;
        };
        loop {
            let wait = {
                let mut w = match self.window.lock() {
                    Ok(w) => w,
                    Err(_) => return,
                };
                let now = Instant::now();
                let window = self.cfg.rpm_window;
                while w.front().is_some_and(|t| now.duration_since(*t) >= window) {
                    w.pop_front();
                }
                if (w.len() as u32) < rpm {
                    w.push_back(now);
                    None
                } else {
                    w.front()
                        .map(|t| window.saturating_sub(now.duration_since(*t)))
                }
            };
            match wait {
                None => return,
                Some(d) => tokio::time::sleep(d).await,
            }
        }
    }

    fn cache_path(&self, key: &str) -> Option<PathBuf> {
        self.cfg
            .cache_dir
            .as_ref()
            .map(|d| d.join(&key[..2]).join(format!("{key}.json")))
    }

    /// Send a request (or answer it from replay or cache).
    pub async fn chat(&self, req: &ChatRequest, salt: &str) -> Result<Reply, LlmError> {
        let key = self.request_key(req, salt);
        if let Some(map) = &self.replay {
            return match map.get(&key) {
                Some(r) => {
                    if let Ok(mut u) = self.usage.lock() {
                        u.cached += 1;
                    }
                    Ok(Reply {
                        response: r.clone(),
                        cached: true,
                        attempts: 0,
                        key,
                    })
                }
                None => Err(LlmError::ReplayMiss {
                    path: self.cfg.replay.clone().unwrap_or_default(),
                    excerpt: req
                        .messages
                        .last()
                        .map(|m| {
                            m.content
                                .chars()
                                .take(60)
                                .collect::<String>()
                                .replace('\n', " ")
                        })
                        .unwrap_or_default(),
                    key,
                }),
            };
        }
        if let Some(p) = self.cache_path(&key)
            && let Ok(text) = std::fs::read_to_string(&p)
            && let Ok(resp) = serde_json::from_str::<ChatResponse>(&text)
        {
            if let Ok(mut u) = self.usage.lock() {
                u.cached += 1;
            }
            self.record_exchange(&key, req, &resp);
            return Ok(Reply {
                response: resp,
                cached: true,
                attempts: 0,
                key,
            });
        }
        if let Some(why) = self.budget_exceeded() {
            return Err(LlmError::Budget(why));
        }
        let _permit = self
            .sem
            .acquire()
            .await
            .map_err(|_| LlmError::Session("client closed".into()))?;
        // a budget may have run out while we waited for a slot
        if let Some(why) = self.budget_exceeded() {
            return Err(LlmError::Budget(why));
        }
        let mut attempts = 0;
        let resp = loop {
            self.rate_limit().await;
            attempts += 1;
            let n = self
                .in_flight
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
                + 1;
            if let Ok(mut u) = self.usage.lock() {
                u.max_in_flight = u.max_in_flight.max(n);
            }
            let r = self.provider.send(req).await;
            self.in_flight
                .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            match r {
                Ok(resp) => break resp,
                Err(e) if e.retryable() && attempts <= self.cfg.max_retries => {
                    let backoff = self
                        .cfg
                        .backoff_base
                        .saturating_mul(1 << (attempts - 1).min(16))
                        .min(self.cfg.backoff_max);
                    // the server's Retry-After wins (capped at five minutes)
                    let wait = e
                        .retry_after()
                        .map(|ra| ra.min(Duration::from_secs(300)))
                        .unwrap_or_else(|| self.jitter(backoff));
                    if let Ok(mut u) = self.usage.lock() {
                        u.retries += 1;
                    }
                    tokio::time::sleep(wait).await;
                }
                Err(error) => {
                    return Err(LlmError::Provider {
                        label: self.provider.label(),
                        error,
                        attempts,
                    });
                }
            }
        };
        if let Ok(mut u) = self.usage.lock() {
            u.requests += 1;
            u.prompt_tokens += resp.prompt_tokens;
            u.completion_tokens += resp.completion_tokens;
            if let Some((pi, po)) = self.cfg.prices.lookup(&req.model) {
                u.cost +=
                    (resp.prompt_tokens as f64 * pi + resp.completion_tokens as f64 * po) / 1e6;
                u.priced = true;
            }
        }
        if let Some(p) = self.cache_path(&key) {
            let _ = crate::util::write_atomic(&p, serde_json::to_string(&resp).unwrap_or_default());
        }
        self.record_exchange(&key, req, &resp);
        Ok(Reply {
            response: resp,
            cached: false,
            attempts,
            key,
        })
    }

    fn record_exchange(&self, key: &str, req: &ChatRequest, resp: &ChatResponse) {
        if let Some(f) = &self.record {
            let line = serde_json::to_string(&SessionLine {
                key: key.to_string(),
                provider: self.provider.label(),
                request: req.clone(),
                response: resp.clone(),
            })
            .unwrap_or_default();
            if let Ok(mut f) = f.lock() {
                let _ = f.write_all(format!("{line}\n").as_bytes());
            }
        }
    }
}
