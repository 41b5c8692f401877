//! The design under test flattened for tracing: every statement of its hierarchy (from each
//! module's [`crate::hdl::graph`]) with signal names made hierarchical (`dut.sub.x`), its guards
//! pointing at condition statements, its block's kind, and the condition expressions parsed for
//! evaluation. Where sv-parser cannot read a file, its modules get a coarser line-level
//! analysis: every line with an assignment is a statement reading the names right of the
//! operator and writing those left of it, always running; conditions are not evaluated.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use petgraph::Direction::{Incoming, Outgoing};

use super::logic::{self, Expr, V};
use crate::hdl::graph::{Cond, Edge, ModuleGraph, ProcessKind, StmtKind, module_graphs};
use crate::hdl::{self, Module};

/// A condition, parsed.
#[derive(Debug, Clone)]
pub enum FCond {
    If(Option<Expr>),
    CaseArm {
        expr: Option<Expr>,
        arms: Vec<Option<Vec<Option<Expr>>>>,
        index: usize,
        wildcard: bool,
    },
}

/// One statement of the flattened design.
#[derive(Debug, Clone)]
pub struct FStmt {
    pub file: PathBuf,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub text: String,
    pub kind: StmtKind,
    /// The instance path it lives in (`tb.dut.sub`); names in its expressions are relative.
    pub scope: String,
    /// Full names.
    pub reads: Vec<String>,
    pub writes: Vec<String>,
    pub process: Option<usize>,
    /// (index of a condition statement, outcome required).
    pub guards: Vec<(usize, bool)>,
    pub cond: Option<FCond>,
}

/// A block's kind with full names.
#[derive(Debug, Clone)]
pub enum FProcess {
    Combinational,
    Clocked(Vec<(bool, String)>),
    Initial,
}

#[derive(Debug, Clone, Default)]
pub struct Flat {
    pub stmts: Vec<FStmt>,
    pub processes: Vec<FProcess>,
    /// Full signal name → statements writing it.
    pub writers: HashMap<String, Vec<usize>>,
    /// Full parameter name → value.
    pub params: HashMap<String, V>,
    /// Files read with the coarse analysis, and why.
    pub coarse: Vec<String>,
}

/// What each module is, from the sources: graphs where sv-parser reads the file, coarse
/// statements otherwise.
struct Library {
    graphs: HashMap<String, (ModuleGraph, PathBuf)>,
    modules: HashMap<String, Module>,
    coarse: HashMap<String, (String, PathBuf, u32)>,
    notes: Vec<String>,
}

fn library(sources: &[(PathBuf, String)]) -> Library {
    let mut lib = Library {
        graphs: HashMap::new(),
        modules: HashMap::new(),
        coarse: HashMap::new(),
        notes: Vec::new(),
    };
    let mut known: Vec<Module> = Vec::new();
    for (path, text) in sources {
        if let Ok(ms) = hdl::parse_modules(text, path) {
            known.extend(ms);
        }
    }
    for (path, text) in sources {
        match module_graphs(text, path, &known) {
            Ok(gs) => {
                for g in gs {
                    lib.graphs.insert(g.module.clone(), (g, path.clone()));
                }
            }
            Err(e) => {
                lib.notes.push(format!(
                    "{e}; traced with a coarser line-level analysis (conditions not evaluated)"
                ));
                for (name, body, line) in module_texts(text) {
                    lib.coarse.insert(name, (body, path.clone(), line));
                }
            }
        }
    }
    for m in known {
        lib.modules.insert(m.name.clone(), m);
    }
    lib
}

/// (module name, its text up to `endmodule`, 1-based line of `module`) for each module in a
/// text that does not parse (comments blanked, lines kept).
fn module_texts(text: &str) -> Vec<(String, String, u32)> {
    let clean = hdl::strip_comments(text);
    let re = regex::Regex::new(r"(?m)\b(?:module|macromodule)\s+([A-Za-z_][A-Za-z0-9_$]*)")
        .expect("regex");
    let mut out = Vec::new();
    for c in re.captures_iter(&clean) {
        let start = c.get(0).map_or(0, |m| m.start());
        let end = clean[start..]
            .find("endmodule")
            .map_or(clean.len(), |i| start + i);
        let line = 1 + clean[..start].matches('\n').count() as u32;
        out.push((c[1].to_string(), clean[start..end].to_string(), line));
    }
    out
}

/// Flatten the hierarchy of `module` instantiated at `path`.
pub fn flatten(sources: &[(PathBuf, String)], module: &str, path: &str) -> Flat {
    let lib = library(sources);
    let mut flat = Flat {
        coarse: lib.notes.clone(),
        ..Flat::default()
    };
    add_module(&lib, &mut flat, module, path, 0);
    for (i, s) in flat.stmts.iter().enumerate() {
        for w in &s.writes {
            flat.writers.entry(w.clone()).or_default().push(i);
        }
    }
    flat
}

fn parse_opt(s: &str) -> Option<Expr> {
    logic::parse(s)
}

fn add_module(lib: &Library, flat: &mut Flat, module: &str, path: &str, depth: usize) {
    if depth > 32 {
        return;
    }
    if let Some(m) = lib.modules.get(module)
        && let Ok(values) = m.resolve_params(&[])
    {
        for (k, v) in values {
            flat.params
                .insert(format!("{path}.{k}"), V::known(32, v as u64 as u128));
        }
    }
    if let Some((body, file, line)) = lib.coarse.get(module) {
        coarse(flat, body, file, *line, path);
        return;
    }
    let Some((g, file)) = lib.graphs.get(module) else {
        return;
    };
    let full = |n: &str| format!("{path}.{n}");
    let base = flat.stmts.len();
    let pbase = flat.processes.len();
    for p in &g.processes {
        flat.processes.push(match &p.kind {
            ProcessKind::Combinational => FProcess::Combinational,
            ProcessKind::Initial => FProcess::Initial,
            ProcessKind::Clocked(e) => {
                FProcess::Clocked(e.iter().map(|(pos, s)| (*pos, full(s))).collect())
            }
        });
    }
    // statements in node order; remember where each node went
    let mut at: HashMap<petgraph::graph::NodeIndex, usize> = HashMap::new();
    let nodes: Vec<_> = g
        .graph
        .node_indices()
        .filter(|i| g.stmt(*i).is_some())
        .collect();
    for (k, i) in nodes.iter().enumerate() {
        at.insert(*i, base + k);
    }
    for i in &nodes {
        let s = g.stmt(*i).expect("statement");
        let cond = s.cond.as_ref().map(|c| match c {
            Cond::If(e) => FCond::If(parse_opt(e)),
            Cond::CaseArm {
                expr,
                arms,
                index,
                wildcard,
            } => FCond::CaseArm {
                expr: parse_opt(expr),
                arms: arms
                    .iter()
                    .map(|a| {
                        a.as_ref()
                            .map(|items| items.iter().map(|e| parse_opt(e)).collect())
                    })
                    .collect(),
                index: *index,
                wildcard: *wildcard,
            },
        });
        flat.stmts.push(FStmt {
            file: file.clone(),
            line: s.line,
            column: s.column,
            end_line: s.end_line,
            text: s.text.clone(),
            kind: s.kind,
            scope: path.to_string(),
            reads: g
                .signals_of(*i, Incoming, Edge::Data)
                .iter()
                .map(|n| full(n))
                .collect(),
            writes: g
                .signals_of(*i, Outgoing, Edge::Data)
                .iter()
                .map(|n| full(n))
                .collect(),
            process: s.process.map(|p| pbase + p),
            guards: s
                .guards
                .iter()
                .filter_map(|gd| at.get(&gd.cond).map(|c| (*c, gd.taken)))
                .collect(),
            cond,
        });
    }
    if let Some(m) = lib.modules.get(module) {
        for inst in &m.instances {
            add_module(lib, flat, &inst.module, &full(&inst.name), depth + 1);
        }
    }
}

/// The coarse reading of a module that does not parse.
fn coarse(flat: &mut Flat, body: &str, file: &Path, first_line: u32, path: &str) {
    let ident = regex::Regex::new(r"\b[A-Za-z_][A-Za-z0-9_$]*\b").expect("regex");
    let keyword = |w: &str| {
        matches!(
            w,
            "assign"
                | "always"
                | "begin"
                | "end"
                | "if"
                | "else"
                | "case"
                | "endcase"
                | "posedge"
                | "negedge"
                | "or"
                | "and"
                | "not"
                | "reg"
                | "wire"
                | "logic"
                | "default"
                | "always_ff"
                | "always_comb"
                | "input"
                | "output"
                | "integer"
        )
    };
    let names = |s: &str| -> Vec<String> {
        ident
            .find_iter(s)
            .map(|m| m.as_str())
            .filter(|w| !keyword(w))
            // skip the base letters of numbers like 4'b1010
            .filter(|w| !w.starts_with(|c: char| c.is_ascii_digit()))
            .map(|w| format!("{path}.{w}"))
            .collect()
    };
    let assign = regex::Regex::new(r"^(.*?[^<>=!])(<=|=)([^=].*)$").expect("regex");
    for (k, line) in body.lines().enumerate() {
        let t = line.trim();
        let number = first_line + k as u32;
        let stripped = t
            .trim_start_matches("assign")
            .trim_start_matches("else")
            .trim();
        let line_stmt = |kind, reads, writes| FStmt {
            file: file.to_path_buf(),
            line: number,
            column: 1,
            end_line: number,
            text: t.to_string(),
            kind,
            scope: path.to_string(),
            reads,
            writes,
            process: None,
            guards: Vec::new(),
            cond: None,
        };
        if t.starts_with("if") || t.starts_with("else if") || t.starts_with("case") {
            flat.stmts
                .push(line_stmt(StmtKind::Condition, names(stripped), Vec::new()));
            continue;
        }
        // strip a leading `if (...)` or label before the assignment
        if let Some(c) = assign.captures(stripped) {
            let lhs = &c[1];
            let lhs = lhs.rsplit([')', ':']).next().unwrap_or(lhs);
            if lhs.contains("module") || lhs.contains("parameter") {
                continue;
            }
            flat.stmts.push(line_stmt(
                StmtKind::Assign,
                names(&c[3]),
                names(lhs).into_iter().take(1).collect(),
            ));
        }
    }
}
