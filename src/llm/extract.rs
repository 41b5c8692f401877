//! Getting code out of a model's reply, and saying what is wrong with a reply that has none.
//!
//! The rules follow the official VerilogEval v2 extraction: a `[BEGIN]` … `[DONE]` block wins;
//! otherwise the code between the first two lines starting with three backticks; otherwise the
//! lines from `module` to `endmodule` (or, for a code completion, up to `endmodule`).

use serde::{Deserialize, Serialize};

use super::Choice;

/// What is wrong with a reply, in words that go back to the model when it is re-asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Malformed {
    /// No code block, no module.
    NoCode,
    /// More than one code block.
    SeveralBlocks(usize),
    /// Cut off by the length limit.
    Truncated,
    /// Has code but no `endmodule`.
    NoEndmodule,
    /// JSON was asked for; what came back does not parse (the parser's message).
    InvalidJson(String),
}

impl Malformed {
    /// The phrase after "Your previous reply …".
    pub fn problem(&self) -> String {
        match self {
            Malformed::NoCode => "contained no code block".into(),
            Malformed::SeveralBlocks(n) => format!("contained {n} code blocks instead of one"),
            Malformed::Truncated => {
                "was cut off by the length limit before the code was complete".into()
            }
            Malformed::NoEndmodule => "had code without a closing endmodule".into(),
            Malformed::InvalidJson(e) => format!("was not valid JSON ({e})"),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Malformed::NoCode => "no-code",
            Malformed::SeveralBlocks(_) => "several-blocks",
            Malformed::Truncated => "truncated",
            Malformed::NoEndmodule => "no-endmodule",
            Malformed::InvalidJson(_) => "invalid-json",
        }
    }
}

/// Extract the code of a reply. `body_only`: the reply completes a module whose header the
/// prompt gave (VerilogEval code completion, v1).
pub fn extract(choice: &Choice, body_only: bool) -> Result<String, Malformed> {
    if choice.truncated() {
        return Err(Malformed::Truncated);
    }
    let text = &choice.text;
    // [BEGIN] … [DONE]
    let mut in_block = false;
    let mut done = false;
    let mut lines = Vec::new();
    for line in text.lines() {
        if !in_block && !done {
            let t = line.trim_start();
            if let Some(rest) = t.strip_prefix("[BEGIN]") {
                in_block = true;
                if let Some(r) = rest.strip_suffix("[DONE]") {
                    lines.push(r.to_string());
                    in_block = false;
                    done = true;
                } else if !rest.trim().is_empty() {
                    lines.push(rest.to_string());
                }
            }
        } else if in_block {
            let t = line.trim_end();
            if let Some(r) = t.strip_suffix("[DONE]") {
                if !r.trim().is_empty() {
                    lines.push(r.to_string());
                }
                in_block = false;
                done = true;
            } else {
                lines.push(line.to_string());
            }
        }
    }
    let code = if done {
        strip_fences(&lines.join("\n"))
    } else {
        let fences = text.lines().filter(|l| l.starts_with("```")).count();
        if fences >= 2 {
            let blocks = code_blocks(text);
            let with_code: Vec<&String> = blocks
                .iter()
                .filter(|b| {
                    b.contains("endmodule")
                        || b.contains("module ")
                        || b.contains("assign ")
                        || b.contains("always")
                })
                .collect();
            if with_code.len() > 1 && !body_only {
                return Err(Malformed::SeveralBlocks(with_code.len()));
            }
            with_code
                .first()
                .map(|s| s.to_string())
                .unwrap_or_else(|| blocks[0].clone())
        } else if let Some(start) = text.find("module ").filter(|_| !body_only) {
            text[start..].to_string()
        } else if body_only && text.contains("endmodule") {
            text.to_string()
        } else {
            return Err(Malformed::NoCode);
        }
    };
    // keep up to the last endmodule
    let code = match code.rfind("endmodule") {
        Some(i) => code[..i + "endmodule".len()].to_string(),
        None => {
            return Err(if code.trim().is_empty() {
                Malformed::NoCode
            } else {
                Malformed::NoEndmodule
            });
        }
    };
    if code.trim().is_empty() {
        return Err(Malformed::NoCode);
    }
    Ok(format!("{}\n", code.trim_matches('\n')))
}

/// Extract a JSON value from a reply that was asked for one: a ```json block, or the text from
/// the first `{` or `[` to the matching last `}` or `]`.
pub fn extract_json(choice: &Choice) -> Result<serde_json::Value, Malformed> {
    if choice.truncated() {
        return Err(Malformed::Truncated);
    }
    let text = &choice.text;
    let candidate = code_blocks(text).into_iter().next().unwrap_or_else(|| {
        let start = text.find(['{', '[']).unwrap_or(0);
        let end = text.rfind(['}', ']']).map_or(text.len(), |e| e + 1);
        text[start..end.max(start)].to_string()
    });
    if candidate.trim().is_empty() {
        return Err(Malformed::NoCode);
    }
    serde_json::from_str(&candidate).map_err(|e| Malformed::InvalidJson(e.to_string()))
}

fn strip_fences(s: &str) -> String {
    s.lines()
        .filter(|l| !l.trim_start().starts_with("```"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The fenced code blocks of a reply, in order (a block opens and closes at a line starting
/// with three backticks).
pub fn code_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut cur: Option<Vec<&str>> = None;
    for line in text.lines() {
        if line.starts_with("```") {
            match cur.take() {
                Some(b) => blocks.push(b.join("\n")),
                None => cur = Some(Vec::new()),
            }
        } else if let Some(b) = cur.as_mut() {
            b.push(line);
        }
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(text: &str) -> Choice {
        Choice {
            text: text.into(),
            finish_reason: Some("stop".into()),
        }
    }

    #[test]
    fn begin_done_wins() {
        let r = "Sure.\n[BEGIN]\nmodule TopModule(output y);\n  assign y = 1;\nendmodule\n[DONE]\nHope it helps.";
        assert_eq!(
            extract(&c(r), false).unwrap(),
            "module TopModule(output y);\n  assign y = 1;\nendmodule\n"
        );
        let inline = "[BEGIN]module TopModule(output y); assign y = 1; endmodule[DONE]";
        assert_eq!(
            extract(&c(inline), false).unwrap(),
            "module TopModule(output y); assign y = 1; endmodule\n"
        );
    }

    #[test]
    fn backticks_and_bare_modules() {
        let r = "Here:\n```verilog\nmodule TopModule(output y);\n  assign y = 0;\nendmodule\n```\n";
        assert!(
            extract(&c(r), false)
                .unwrap()
                .starts_with("module TopModule")
        );
        let bare =
            "The answer is module TopModule(output y); assign y = 0; endmodule and that is all.";
        assert_eq!(
            extract(&c(bare), false).unwrap(),
            "module TopModule(output y); assign y = 0; endmodule\n"
        );
        let body = "  assign y = a;\nendmodule\n";
        assert_eq!(
            extract(&c(body), true).unwrap(),
            "  assign y = a;\nendmodule\n"
        );
    }

    #[test]
    fn malformed_replies_are_named() {
        assert_eq!(
            extract(&c("I cannot help with that."), false),
            Err(Malformed::NoCode)
        );
        let two = "```\nmodule A(); endmodule\n```\nor\n```\nmodule B(); endmodule\n```\n";
        assert_eq!(extract(&c(two), false), Err(Malformed::SeveralBlocks(2)));
        let cut = Choice {
            text: "[BEGIN]\nmodule TopModule(".into(),
            finish_reason: Some("length".into()),
        };
        assert_eq!(extract(&cut, false), Err(Malformed::Truncated));
        assert_eq!(
            extract(&c("[BEGIN]\nmodule TopModule(output y);\n[DONE]"), false),
            Err(Malformed::NoEndmodule)
        );
    }

    #[test]
    fn json_replies() {
        let v = extract_json(&c("Here it is:\n```json\n{\"a\": [1, 2]}\n```")).unwrap();
        assert_eq!(v["a"][1], 2);
        assert_eq!(
            extract_json(&c("Sure! {\"ok\": true} Done.")).unwrap()["ok"],
            true
        );
        assert!(matches!(
            extract_json(&c("{\"a\": 1,}")),
            Err(Malformed::InvalidJson(_))
        ));
        assert!(matches!(
            extract_json(&c("no json here")),
            Err(Malformed::InvalidJson(_))
        ));
    }
}
