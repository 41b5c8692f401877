/*!
The Verilog source layer: what rtlsmith knows of a design's text without simulating it.

Two levels, for two kinds of text:

- [`parse`] reads sources with sv-parser into [`Module`]s: names, parameters with their default
  expressions, ports (ANSI and non-ANSI, inherited directions and types, packed dimensions) and
  instances. Widths are resolved with [`expr`] against the parameters and any overrides. This is
  what co-simulation, tracing and the suites' interface summaries use.
- [`graph`] builds a module's statement graph (petgraph): signals and statements, data edges
  from what a statement reads to what it writes, control edges from the enclosing conditions,
  clock and reset, port connections directed by the instantiated module's ports — the ground
  `trace` walks.
- [`sites`] lists where a single fault can be planted (operators, constants, conditions…) for
  `mutate` and for `gen --inject`.
- [`text`] works on tokens: comments and strings, module and instance names, renaming. It needs
  no parser to accept the text, so it judges candidates that do not parse (a model's
  half-written module is still refused or accepted for the right reason).

This module is a leaf: it imports nothing else of rtlsmith.
*/

pub mod expr;
pub mod graph;
pub mod parse;
pub mod sites;
pub mod text;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use parse::{TokenSpan, modules_in, parse_modules, parse_tree, token_span};
pub use text::{
    declared_modules, instantiations, rename_module, strip_comments, strip_strings, summarize_ports,
};

/// A port's direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Input,
    Output,
    Inout,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Input => "input",
            Direction::Output => "output",
            Direction::Inout => "inout",
        })
    }
}

/// A parameter (or localparam) and its default expression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Param {
    pub name: String,
    pub value: Option<String>,
    pub local: bool,
}

/// A port as declared: packed dimensions as (msb, lsb) expressions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Port {
    pub name: String,
    pub direction: Direction,
    pub packed: Vec<(String, String)>,
    pub signed: bool,
}

impl Port {
    /// A port known by name only (no direction or type declared): 1-bit inout.
    pub fn bare(name: String) -> Port {
        Port {
            name,
            direction: Direction::Inout,
            packed: Vec::new(),
            signed: false,
        }
    }

    /// The port's width in bits with these parameter values.
    pub fn width(&self, params: &HashMap<String, i64>) -> Result<u64, String> {
        let mut w: u64 = 1;
        for (msb, lsb) in &self.packed {
            let m = expr::eval(msb, params).map_err(|e| format!("port {}: {e}", self.name))?;
            let l = expr::eval(lsb, params).map_err(|e| format!("port {}: {e}", self.name))?;
            w = w.saturating_mul(m.abs_diff(l) + 1);
        }
        Ok(w)
    }

    /// `a[7:0]` as written.
    pub fn declared(&self) -> String {
        let mut s = self.name.clone();
        for (m, l) in &self.packed {
            s.push_str(&format!("[{}:{}]", m.replace(' ', ""), l.replace(' ', "")));
        }
        s
    }
}

/// An instance of a module inside another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    pub module: String,
    pub name: String,
    pub line: u32,
}

/// One module declaration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Module {
    pub name: String,
    /// 1-based line of the declaration.
    pub line: u32,
    pub params: Vec<Param>,
    pub ports: Vec<Port>,
    pub instances: Vec<Instance>,
}

impl Module {
    /// Parameter values: defaults in declaration order, `overrides` (name, Verilog expression)
    /// replacing non-local ones. A parameter whose value cannot be evaluated is left out (a
    /// width that needs it then names it).
    pub fn resolve_params(
        &self,
        overrides: &[(String, String)],
    ) -> Result<HashMap<String, i64>, String> {
        let mut values = HashMap::new();
        for (k, _) in overrides {
            if !self.params.iter().any(|p| &p.name == k && !p.local) {
                return Err(format!("module {} has no parameter {k}", self.name));
            }
        }
        for p in &self.params {
            let over = (!p.local)
                .then(|| overrides.iter().find(|(k, _)| *k == p.name))
                .flatten();
            let text = match over {
                Some((_, v)) => Some(v.as_str()),
                None => p.value.as_deref(),
            };
            if let Some(v) = text.and_then(|t| expr::eval(t, &values).ok()) {
                values.insert(p.name.clone(), v);
            }
        }
        Ok(values)
    }

    pub fn port(&self, name: &str) -> Option<&Port> {
        self.ports.iter().find(|p| p.name == name)
    }
}

/// Errors of the source layer.
#[derive(Debug, thiserror::Error)]
pub enum HdlError {
    #[error("{}{}: could not parse: {message}", .path.display(), .line.map(|l| format!(":{l}")).unwrap_or_default())]
    Parse {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },
    #[error("cannot read {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Parse a file into its modules.
pub fn parse_file(path: &Path) -> Result<Vec<Module>, HdlError> {
    let text = std::fs::read_to_string(path).map_err(|source| HdlError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_modules(&text, path)
}

/// A one-line port summary of the first module in `src`: `in: a[7:0], b; out: y`. Parsed
/// with sv-parser (a header without its `endmodule` is completed first); text that does not
/// parse gets the token-level summary.
pub fn port_summary(src: &str) -> String {
    let mut text = strip_comments(src);
    if !text.contains("endmodule") {
        text.push_str("\nendmodule\n");
    }
    match parse_modules(&text, Path::new("interface.sv")) {
        Ok(mods) if !mods.is_empty() && !mods[0].ports.is_empty() => {
            let m = &mods[0];
            let list = |d: Direction| {
                m.ports
                    .iter()
                    .filter(|p| (p.direction == Direction::Input) == (d == Direction::Input))
                    .map(Port::declared)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            format!(
                "in: {}; out: {}",
                list(Direction::Input),
                list(Direction::Output)
            )
        }
        _ => summarize_ports(src),
    }
}

#[cfg(test)]
mod tests;
