//! The `[llm]` table of `rtlsmith.toml`: defaults for `--model` and its options, so a project
//! can pin its model and limits once.
//!
//! ```toml
//! [llm]
//! model = "openai:qwen2.5-coder:32b@http://localhost:11434/v1"
//! temperature = 0.85
//! top_p = 0.95
//! max_tokens = 1024
//! concurrency = 4
//! rpm = 60
//! timeout = 120          # seconds per request
//! max_retries = 6
//! prices = { "qwen2.5-coder:32b" = [0.0, 0.0] }
//! ```

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LlmTable {
    pub model: Option<String>,
    pub n: Option<usize>,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub max_tokens: Option<u32>,
    pub seed: Option<u64>,
    pub concurrency: Option<usize>,
    pub rpm: Option<u32>,
    pub timeout: Option<u64>,
    pub max_retries: Option<u32>,
    pub max_tokens_total: Option<u64>,
    pub max_cost: Option<f64>,
    #[serde(default)]
    pub prices: HashMap<String, (f64, f64)>,
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    llm: Option<LlmTable>,
}

/// Read `[llm]` from a manifest (other tables are not looked at here).
pub fn load(path: &Path) -> Result<Option<LlmTable>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let value: toml::Table =
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let Some(llm) = value.get("llm") else {
        return Ok(None);
    };
    let f: File = toml::Table::from_iter([("llm".to_string(), llm.clone())])
        .try_into()
        .map_err(|e: toml::de::Error| format!("{}: [llm]: {}", path.display(), e.message()))?;
    Ok(f.llm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_table_and_rejects_unknown_keys() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("rtlsmith.toml");
        std::fs::write(&p, "[[case]]\nname = \"x\"\n\n[llm]\nmodel = \"anthropic:claude-sonnet-4-5\"\nrpm = 30\nprices = { \"m\" = [1.0, 2.0] }\n").unwrap();
        let t = load(&p).unwrap().unwrap();
        assert_eq!(t.model.as_deref(), Some("anthropic:claude-sonnet-4-5"));
        assert_eq!(t.rpm, Some(30));
        assert_eq!(t.prices["m"], (1.0, 2.0));
        std::fs::write(&p, "[llm]\nmodle = \"x\"\n").unwrap();
        assert!(load(&p).unwrap_err().contains("modle"));
        std::fs::write(&p, "[[case]]\n").unwrap();
        assert_eq!(load(&p).unwrap(), None);
    }
}
