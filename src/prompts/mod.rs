//! Prompt templates (minijinja), embedded in the binary and overridable file by file from a
//! user directory (`--prompts DIR` or `RTLSMITH_PROMPTS`). Rendering is strict: a variable a
//! template uses but the caller does not give is an error, not an empty string.
//!
//! The VerilogEval v2 templates reproduce the official prompt construction (system message,
//! `Question:`/`Answer:` framing, the `[BEGIN]`/`[DONE]` answer convention, the commented
//! description for code completion), so numbers are comparable with published ones.

use std::path::{Path, PathBuf};

use minijinja::{Environment, UndefinedBehavior};

/// Every template: (name, embedded text).
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "verilog_eval_v2_spec_to_rtl.system.j2",
        include_str!("verilog_eval_v2_spec_to_rtl.system.j2"),
    ),
    (
        "verilog_eval_v2_spec_to_rtl.user.j2",
        include_str!("verilog_eval_v2_spec_to_rtl.user.j2"),
    ),
    (
        "verilog_eval_v2_code_complete.system.j2",
        include_str!("verilog_eval_v2_code_complete.system.j2"),
    ),
    (
        "verilog_eval_v2_code_complete.user.j2",
        include_str!("verilog_eval_v2_code_complete.user.j2"),
    ),
    (
        "verilog_eval_v1.system.j2",
        include_str!("verilog_eval_v1.system.j2"),
    ),
    (
        "verilog_eval_v1.user.j2",
        include_str!("verilog_eval_v1.user.j2"),
    ),
    ("rtllm.system.j2", include_str!("rtllm.system.j2")),
    ("rtllm.user.j2", include_str!("rtllm.user.j2")),
    ("reask.user.j2", include_str!("reask.user.j2")),
    ("gen.system.j2", include_str!("gen.system.j2")),
    (
        "gen_understand.user.j2",
        include_str!("gen_understand.user.j2"),
    ),
    ("gen_describe.user.j2", include_str!("gen_describe.user.j2")),
    ("gen_review.user.j2", include_str!("gen_review.user.j2")),
    (
        "gen_pseudocode.user.j2",
        include_str!("gen_pseudocode.user.j2"),
    ),
    ("gen_cpp.user.j2", include_str!("gen_cpp.user.j2")),
    ("gen_verilog.user.j2", include_str!("gen_verilog.user.j2")),
    ("gen_optimize.user.j2", include_str!("gen_optimize.user.j2")),
    ("gen_reflect.user.j2", include_str!("gen_reflect.user.j2")),
    ("repair.user.j2", include_str!("repair.user.j2")),
    (
        "gen_single_shot.user.j2",
        include_str!("gen_single_shot.user.j2"),
    ),
    ("gen_tests.user.j2", include_str!("gen_tests.user.j2")),
    ("gen_reask.user.j2", include_str!("gen_reask.user.j2")),
];

#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    #[error("prompt template {name}: {message}")]
    Template { name: String, message: String },
    #[error("cannot read prompt override {}: {message}", .path.display())]
    Override { path: PathBuf, message: String },
}

pub struct Prompts {
    env: Environment<'static>,
    /// Templates replaced from the user directory.
    pub overridden: Vec<String>,
}

impl Prompts {
    /// The embedded templates, with any file of the same name in `dir` taking precedence.
    pub fn load(dir: Option<&Path>) -> Result<Prompts, PromptError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .keep_trailing_newline(true)
                .build()
                .map_err(|e| PromptError::Template {
                    name: "(syntax)".into(),
                    message: e.to_string(),
                })?,
        );
        let mut overridden = Vec::new();
        for (name, text) in TEMPLATES {
            let mut source = text.to_string();
            if let Some(d) = dir {
                let p = d.join(name);
                if p.is_file() {
                    source = std::fs::read_to_string(&p).map_err(|e| PromptError::Override {
                        path: p.clone(),
                        message: e.to_string(),
                    })?;
                    overridden.push(name.to_string());
                }
            }
            env.add_template_owned(name.to_string(), source)
                .map_err(|e| PromptError::Template {
                    name: name.to_string(),
                    message: e.to_string(),
                })?;
        }
        Ok(Prompts { env, overridden })
    }

    pub fn render(&self, name: &str, ctx: minijinja::Value) -> Result<String, PromptError> {
        let err = |e: minijinja::Error| PromptError::Template {
            name: name.to_string(),
            message: format!("{e:#}"),
        };
        self.env
            .get_template(name)
            .map_err(err)?
            .render(ctx)
            .map_err(err)
    }
}

/// The VerilogEval v2 code-completion prompt: description lines commented out with `// `, a
/// blank line, then the `module TopModule` header as is.
pub fn comment_description(prompt: &str) -> String {
    let mut out = Vec::new();
    let mut prefix = true;
    for line in prompt.lines() {
        if line.contains("module TopModule") {
            out.push(String::new());
            prefix = false;
        }
        if prefix {
            out.push(format!("// {line}"));
        } else {
            out.push(line.to_string());
        }
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_undefined_is_an_error() {
        let p = Prompts::load(None).unwrap();
        let e = p
            .render("rtllm.user.j2", minijinja::context! { description => "x" })
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("rtllm.user.j2") && e.contains("undefined"),
            "{e}"
        );
    }

    #[test]
    fn a_user_directory_overrides_one_template() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("rtllm.system.j2"), "Custom system.").unwrap();
        let p = Prompts::load(Some(d.path())).unwrap();
        assert_eq!(p.overridden, ["rtllm.system.j2"]);
        assert_eq!(
            p.render("rtllm.system.j2", minijinja::context! {}).unwrap(),
            "Custom system."
        );
    }
}
