//! Model settings resolved once, in one place: what the command line says wins, then the
//! `[llm]` table of `rtlsmith.toml`, then the defaults (VerilogEval's sampling: temperature
//! 0.85, top-p 0.95, 1024 tokens; 4 requests in flight, 6 retries, 120 s per request).
//! The binary turns its flags into an [`LlmTable`] of its own (the same keys, `None` where a
//! flag was not given); everything downstream reads [`Settings`].

use std::path::PathBuf;
use std::time::Duration;

use super::client::{ClientConfig, Prices};
use super::config::LlmTable;

/// The settings of a model run.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `provider:model[@url]`.
    pub model: String,
    pub n: usize,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub max_tokens: u32,
    pub seed: Option<u64>,
    pub request_timeout: Duration,
    pub max_retries: u32,
    pub concurrency: usize,
    pub rpm: Option<u32>,
    pub max_tokens_total: Option<u64>,
    pub max_cost: Option<f64>,
    /// The `[llm]` table's prices, laid over the price table in use.
    pub table_prices: Vec<(String, (f64, f64))>,
}

impl Settings {
    /// Resolve; `None` when neither the command line nor the table names a model. (The
    /// command line's prices come from `--prices`, not from here.)
    pub fn resolve(cli: &LlmTable, table: &LlmTable) -> Option<Settings> {
        let model = cli.model.clone().or_else(|| table.model.clone())?;
        let mut table_prices: Vec<(String, (f64, f64))> =
            table.prices.iter().map(|(k, v)| (k.clone(), *v)).collect();
        table_prices.sort_by(|a, b| a.0.cmp(&b.0));
        Some(Settings {
            model,
            n: cli.n.or(table.n).unwrap_or(1).max(1),
            temperature: cli.temperature.or(table.temperature).or(Some(0.85)),
            top_p: cli.top_p.or(table.top_p).or(Some(0.95)),
            max_tokens: cli.max_tokens.or(table.max_tokens).unwrap_or(1024),
            seed: cli.seed.or(table.seed),
            request_timeout: Duration::from_secs(cli.timeout.or(table.timeout).unwrap_or(120)),
            max_retries: cli.max_retries.or(table.max_retries).unwrap_or(6),
            concurrency: cli.concurrency.or(table.concurrency).unwrap_or(4),
            rpm: cli.rpm.or(table.rpm),
            max_tokens_total: cli.max_tokens_total.or(table.max_tokens_total),
            max_cost: cli.max_cost.or(table.max_cost),
            table_prices,
        })
    }

    /// The client configuration: `prices` (built-in or a user's file) with the table's laid
    /// over; the response cache in `cache_dir` unless it is `None`.
    pub fn client_config(
        &self,
        mut prices: Prices,
        cache_dir: Option<PathBuf>,
        record: Option<PathBuf>,
        replay: Option<PathBuf>,
    ) -> ClientConfig {
        prices.0.extend(self.table_prices.iter().cloned());
        ClientConfig {
            timeout: self.request_timeout,
            max_retries: self.max_retries,
            concurrency: self.concurrency,
            rpm: self.rpm,
            cache_dir,
            record,
            replay,
            prices,
            max_tokens_total: self.max_tokens_total,
            max_cost: self.max_cost,
            ..ClientConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_then_table_then_defaults() {
        let table = LlmTable {
            model: Some("openai:from-table".into()),
            temperature: Some(0.2),
            rpm: Some(30),
            timeout: Some(10),
            ..LlmTable::default()
        };
        let cli = LlmTable {
            temperature: Some(0.0),
            ..LlmTable::default()
        };
        let s = Settings::resolve(&cli, &table).unwrap();
        assert_eq!(s.model, "openai:from-table");
        assert_eq!(s.temperature, Some(0.0));
        assert_eq!(s.rpm, Some(30));
        assert_eq!(s.request_timeout, Duration::from_secs(10));
        assert_eq!((s.top_p, s.max_tokens, s.n), (Some(0.95), 1024, 1));
        assert_eq!((s.concurrency, s.max_retries), (4, 6));
        let cli = LlmTable {
            model: Some("anthropic:m".into()),
            ..LlmTable::default()
        };
        assert_eq!(
            Settings::resolve(&cli, &table).unwrap().model,
            "anthropic:m"
        );
        assert_eq!(
            Settings::resolve(&LlmTable::default(), &LlmTable::default()),
            None
        );
    }
}
