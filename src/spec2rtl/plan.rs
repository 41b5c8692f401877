//! The plan: the top-level interface (from the spec's port tables where it has them), the clock
//! and reset, and the sub-functions — each a hardware block with ports, a record of what it
//! does and where the spec says so, its open questions and its tests — in a dependency graph
//! that must be acyclic and end in the top module.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use petgraph::graph::DiGraph;
use serde::{Deserialize, Serialize};

use crate::spec::{self, Spec};

/// A port of the top module or of a sub-function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pin {
    pub name: String,
    pub width: u32,
}

/// The top module's port, with its direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopPort {
    pub name: String,
    /// `input` or `output`.
    pub direction: String,
    pub width: u32,
}

impl TopPort {
    pub fn is_input(&self) -> bool {
        self.direction == "input"
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetSpec {
    pub name: String,
    #[serde(default)]
    pub active_low: bool,
    #[serde(default)]
    pub asynchronous: bool,
}

/// The top module's interface and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interface {
    pub top: String,
    pub ports: Vec<TopPort>,
    /// Parameters with their default values (Verilog expressions), from the spec.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<(String, String)>,
    pub clock: Option<String>,
    pub reset: Option<ResetSpec>,
    /// `spec` (its port tables: never invented) or `model` (the spec has none).
    pub source: String,
    /// Citations of the port tables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub citations: Vec<String>,
}

impl ResetSpec {
    /// `rst (active high, synchronous)`.
    pub fn describe(&self) -> String {
        format!(
            "{} ({}, {})",
            self.name,
            if self.active_low {
                "active low"
            } else {
                "active high"
            },
            if self.asynchronous {
                "asynchronous"
            } else {
                "synchronous"
            }
        )
    }
}

impl Interface {
    pub fn port(&self, name: &str) -> Option<&TopPort> {
        self.ports.iter().find(|p| p.name == name)
    }

    /// One line per port, as prompts show it.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        for p in &self.ports {
            let _ = writeln!(s, "- {} {} [{} bit(s)]", p.direction, p.name, p.width);
        }
        if let Some(c) = &self.clock {
            let _ = writeln!(s, "Clock: {c} (rising edge).");
        }
        if let Some(r) = &self.reset {
            let _ = writeln!(s, "Reset: {}.", r.describe());
        }
        s
    }
}

/// An ambiguity or a missing fact, and how it was settled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub id: String,
    pub question: String,
    /// What the model assumes if nobody answers.
    #[serde(default)]
    pub assumption: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// `answers file`, `terminal` (both one intervention) or `assumption`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settled_by: Option<String>,
}

impl Question {
    /// The answer in force: a human's, or the assumption.
    pub fn resolution(&self) -> &str {
        self.answer.as_deref().unwrap_or(&self.assumption)
    }
}

/// One cycle of a test: inputs set (others keep their value), outputs expected before the
/// rising edge (others not checked). Values are numbers or hex strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct TestCycle {
    #[serde(rename = "in", default)]
    pub inputs: BTreeMap<String, serde_json::Value>,
    #[serde(rename = "out", default)]
    pub outputs: BTreeMap<String, serde_json::Value>,
}

/// A test derived from the spec (an example it gives, cited) or generated and reviewed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestCase {
    pub name: String,
    /// The citation of the example it comes from, or `generated`.
    #[serde(default)]
    pub source: String,
    pub cycles: Vec<TestCycle>,
}

/// A sub-function's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub name: String,
    #[serde(default)]
    pub purpose: String,
    #[serde(default)]
    pub depends_on: Vec<String>,
    #[serde(default)]
    pub inputs: Vec<Pin>,
    #[serde(default)]
    pub outputs: Vec<Pin>,
    /// Has state updated on the clock's rising edge.
    #[serde(default)]
    pub clocked: bool,
    #[serde(default)]
    pub behaviour: String,
    #[serde(default)]
    pub timing: String,
    #[serde(default)]
    pub state: String,
    /// As the model wrote them (`§4`); [`Record::sources`] has them resolved.
    #[serde(default)]
    pub citations: Vec<String>,
    #[serde(default)]
    pub questions: Vec<Question>,
    #[serde(default)]
    pub tests: Vec<TestCase>,
    /// The citations resolved against the Spec (`§4 Behaviour, l. 26`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// The verifier's rounds: what it asked to fix.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub review: Vec<String>,
}

impl Record {
    /// The record as prompts show it (JSON, without the bookkeeping).
    pub fn for_prompt(&self) -> String {
        let mut r = self.clone();
        r.review.clear();
        serde_json::to_string_pretty(&r).unwrap_or_default()
    }

    pub fn pins(&self) -> impl Iterator<Item = (&Pin, bool)> {
        self.inputs
            .iter()
            .map(|p| (p, true))
            .chain(self.outputs.iter().map(|p| (p, false)))
    }
}

/// A section's summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub section: String,
    pub summary: String,
}

/// The plan a run follows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub interface: Interface,
    #[serde(default)]
    pub summaries: Vec<Summary>,
    pub subfunctions: Vec<Record>,
    /// Sub-function names in dependency order (dependencies first; the top last).
    pub order: Vec<String>,
}

impl Plan {
    pub fn record(&self, name: &str) -> Option<&Record> {
        self.subfunctions.iter().find(|r| r.name == name)
    }

    pub fn top(&self) -> Option<&Record> {
        self.record(&self.interface.top)
    }

    /// Every question of every record.
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.subfunctions.iter().flat_map(|r| r.questions.iter())
    }

    /// The sub-functions that depend on `name`, directly or not.
    pub fn dependents(&self, name: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut frontier = vec![name.to_string()];
        while let Some(n) = frontier.pop() {
            for r in &self.subfunctions {
                if r.depends_on.contains(&n) && !out.contains(&r.name) {
                    out.push(r.name.clone());
                    frontier.push(r.name.clone());
                }
            }
        }
        out
    }
}

/// An identifier both C++ and Verilog accept, and not a keyword of either we are likely to meet.
pub fn is_identifier(s: &str) -> bool {
    const RESERVED: &[&str] = &[
        "module",
        "input",
        "output",
        "wire",
        "reg",
        "logic",
        "always",
        "assign",
        "begin",
        "end",
        "case",
        "default",
        "if",
        "else",
        "for",
        "while",
        "int",
        "bool",
        "struct",
        "class",
        "new",
        "delete",
        "switch",
        "return",
        "void",
        "const",
        "static",
        "signed",
        "unsigned",
        "char",
        "do",
        "break",
        "continue",
        "auto",
        "Model",
        "main",
        "initial",
        "parameter",
    ];
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
        && !RESERVED.contains(&s)
        && !s.starts_with("rtlsmith")
}

/// The dependency order (dependencies first), or the names on a cycle.
pub fn order(records: &[Record]) -> Result<Vec<String>, String> {
    let mut g: DiGraph<&str, ()> = DiGraph::new();
    let idx: HashMap<&str, _> = records
        .iter()
        .map(|r| (r.name.as_str(), g.add_node(r.name.as_str())))
        .collect();
    for r in records {
        for d in &r.depends_on {
            if let (Some(a), Some(b)) = (idx.get(d.as_str()), idx.get(r.name.as_str())) {
                g.add_edge(*a, *b, ());
            }
        }
    }
    match petgraph::algo::toposort(&g, None) {
        Ok(v) => Ok(v.into_iter().map(|i| g[i].to_string()).collect()),
        Err(cycle) => {
            let start = cycle.node_id();
            let sccs = petgraph::algo::kosaraju_scc(&g);
            let on: Vec<String> = sccs
                .into_iter()
                .find(|c| c.contains(&start))
                .unwrap_or_default()
                .into_iter()
                .map(|i| g[i].to_string())
                .collect();
            Err(on.join(" → "))
        }
    }
}

/// Resolve a citation (`§4`, `§3.2`, `4`, `Behaviour`) to the Spec's chunk citation
/// (`§4 Behaviour, l. 26`), or None.
pub fn resolve_citation(chunks: &[spec::Chunk], c: &str) -> Option<String> {
    let t = c.trim().trim_start_matches('§').trim();
    let t = t.split([',', ' ']).next().unwrap_or(t);
    if t.is_empty() {
        return None;
    }
    let by_number = chunks.iter().find(|k| {
        k.citation
            .trim_start_matches('§')
            .split([' ', ','])
            .next()
            .is_some_and(|n| n == t)
    });
    by_number
        .or_else(|| {
            let low = c.trim().to_lowercase();
            chunks
                .iter()
                .find(|k| k.citation.to_lowercase().contains(&low))
        })
        .map(|k| k.citation.clone())
}

/// The text of the chunks a record cites (for the verifier and the coders).
pub fn cited_text(chunks: &[spec::Chunk], sources: &[String]) -> String {
    let mut s = String::new();
    for k in chunks {
        if sources.contains(&k.citation) {
            let _ = writeln!(s, "<!-- {} -->\n{}", k.citation, k.markdown);
        }
    }
    s
}

/// The mechanical checks of a record, before any verifier request: names, widths, the top's
/// ports against the interface, citations, tests naming real ports with values that fit.
pub fn check_record(
    r: &Record,
    ifc: &Interface,
    known: &[String],
    chunks: &[spec::Chunk],
) -> Vec<String> {
    let mut p = Vec::new();
    if !is_identifier(&r.name) {
        p.push(format!("`{}` is not a usable module name", r.name));
    }
    if r.outputs.is_empty() {
        p.push("the record lists no outputs".into());
    }
    let mut seen: Vec<&str> = Vec::new();
    for (pin, _) in r.pins() {
        if !is_identifier(&pin.name) {
            p.push(format!("port `{}` is not a usable name", pin.name));
        }
        if pin.width == 0 || pin.width > 64 {
            p.push(format!(
                "port {} is {} bits wide: widths from 1 to 64 are supported",
                pin.name, pin.width
            ));
        }
        if seen.contains(&pin.name.as_str()) {
            p.push(format!("port {} is listed twice", pin.name));
        }
        seen.push(&pin.name);
    }
    for d in &r.depends_on {
        if !known.contains(d) {
            p.push(format!(
                "depends on `{d}`, which is not a sub-function of the plan ({})",
                known.join(", ")
            ));
        }
    }
    if r.name == ifc.top {
        for tp in &ifc.ports {
            let list = if tp.is_input() { &r.inputs } else { &r.outputs };
            match list.iter().find(|x| x.name == tp.name) {
                None => p.push(format!(
                    "the top module must have the spec's {} {} [{} bit(s)]",
                    tp.direction, tp.name, tp.width
                )),
                Some(x) if x.width != tp.width => p.push(format!(
                    "port {} is {} bit(s) in the record but {} in the spec",
                    tp.name, x.width, tp.width
                )),
                _ => {}
            }
        }
        for (pin, input) in r.pins() {
            if !ifc
                .ports
                .iter()
                .any(|t| t.name == pin.name && t.is_input() == input)
            {
                p.push(format!(
                    "port {} is not in the spec's interface of {}",
                    pin.name, ifc.top
                ));
            }
        }
    }
    if r.citations.is_empty() {
        p.push("the record cites no passage of the spec".into());
    }
    for c in &r.citations {
        if resolve_citation(chunks, c).is_none() {
            p.push(format!("citation `{c}` names no section of the spec"));
        }
    }
    for t in &r.tests {
        for (i, cyc) in t.cycles.iter().enumerate() {
            for (name, v, want_input) in cyc
                .inputs
                .iter()
                .map(|(k, v)| (k, v, true))
                .chain(cyc.outputs.iter().map(|(k, v)| (k, v, false)))
            {
                let list = if want_input { &r.inputs } else { &r.outputs };
                match list.iter().find(|x| &x.name == name) {
                    None => p.push(format!(
                        "test {} cycle {i}: {name} is not an {} of {}",
                        t.name,
                        if want_input { "input" } else { "output" },
                        r.name
                    )),
                    Some(pin) => {
                        if let Err(e) = value(v, pin.width) {
                            p.push(format!("test {} cycle {i}: {name}: {e}", t.name));
                        }
                    }
                }
            }
        }
    }
    for q in &r.questions {
        if q.id.trim().is_empty() || q.question.trim().is_empty() {
            p.push("a question needs an id and a question".into());
        }
    }
    p
}

/// A test value as a u64 of `width` (≤ 64) bits: a number, `true`/`false`, or a hex string
/// (`0x1f`) — read as `cosim --vectors` reads its values.
pub fn value(v: &serde_json::Value, width: u32) -> Result<u64, String> {
    let words = crate::cosim::stimulus::parse_value(v, width.min(64))?;
    Ok(words
        .iter()
        .take(2)
        .enumerate()
        .fold(0, |acc, (i, w)| acc | (u64::from(*w) << (32 * i))))
}

/// The interface the spec gives: its port tables (widths resolved with the parameters'
/// defaults), or None when it has no port table.
pub fn interface_from_spec(s: &Spec, top: &str) -> Result<Option<Interface>, String> {
    if s.ports.is_empty() {
        return Ok(None);
    }
    let mut params: HashMap<String, i64> = HashMap::new();
    let mut parameters = Vec::new();
    for p in &s.parameters {
        if let Some(d) = &p.default
            && let Ok(v) = crate::hdl::expr::eval(d, &params)
        {
            params.insert(p.name.clone(), v);
            parameters.push((p.name.clone(), d.clone()));
        }
    }
    let mut ports = Vec::new();
    for p in &s.ports {
        let width = match &p.width {
            spec::Width::Bits(n) => *n,
            spec::Width::Expr(e) => {
                let e = e.trim().trim_start_matches('[').trim_end_matches(']');
                let w = match e.split_once(':') {
                    Some((a, b)) => crate::hdl::expr::eval(a, &params).and_then(|a| {
                        crate::hdl::expr::eval(b, &params).map(|b| (a - b).abs() + 1)
                    }),
                    None => crate::hdl::expr::eval(e, &params),
                };
                let w = w.map_err(|m| {
                    format!(
                        "the width `{e}` of port {} ({}) cannot be resolved: {m}",
                        p.name,
                        p.prov.cite()
                    )
                })?;
                u32::try_from(w).map_err(|_| format!("port {} has width {w}", p.name))?
            }
        };
        let direction = match p.direction {
            spec::Direction::In => "input",
            spec::Direction::Out => "output",
            spec::Direction::InOut => {
                return Err(format!(
                    "port {} is inout: generated designs drive inputs and compare outputs",
                    p.name
                ));
            }
        };
        ports.push(TopPort {
            name: p.name.clone(),
            direction: direction.into(),
            width,
        });
    }
    let mut citations: Vec<String> = Vec::new();
    for sec in s.all_sections() {
        let has_ports = sec
            .blocks
            .iter()
            .any(|b| matches!(b, spec::Block::Table(t) if t.kind == spec::TableKind::Ports));
        if has_ports {
            citations.push(format!("{} {}, {}", sec.cite(), sec.title, sec.prov.cite()));
        }
    }
    let clock = ports
        .iter()
        .find(|p| p.is_input() && p.width == 1 && crate::cosim::is_clock_name(&p.name))
        .map(|p| p.name.clone());
    Ok(Some(Interface {
        top: top.to_string(),
        ports,
        parameters,
        clock,
        reset: None,
        source: "spec".into(),
        citations,
    }))
}

/// The plan as Markdown: interface, summaries, and each sub-function's record with citations.
pub fn to_markdown(plan: &Plan) -> String {
    let mut s = String::new();
    let i = &plan.interface;
    let _ = writeln!(s, "# Plan: {}\n", i.top);
    let _ = writeln!(
        s,
        "## Interface (from the {})\n",
        if i.source == "spec" {
            format!("spec: {}", i.citations.join("; "))
        } else {
            "model: the spec has no port table".to_string()
        }
    );
    s.push_str("| Port | Direction | Width |\n|---|---|---|\n");
    for p in &i.ports {
        let _ = writeln!(s, "| {} | {} | {} |", p.name, p.direction, p.width);
    }
    let _ = writeln!(
        s,
        "\nClock: {}. Reset: {}.\n",
        i.clock.as_deref().unwrap_or("none (combinational)"),
        i.reset
            .as_ref()
            .map_or("none".to_string(), ResetSpec::describe)
    );
    if !plan.summaries.is_empty() {
        s.push_str("## Section summaries\n\n");
        for x in &plan.summaries {
            let _ = writeln!(s, "- **{}** {}", x.section, x.summary);
        }
        s.push('\n');
    }
    let _ = writeln!(
        s,
        "## Sub-functions, in dependency order\n\n{}\n",
        plan.order.join(" → ")
    );
    for name in &plan.order {
        let Some(r) = plan.record(name) else { continue };
        let _ = writeln!(s, "### {}\n", r.name);
        if !r.purpose.is_empty() {
            let _ = writeln!(s, "{}\n", r.purpose);
        }
        if !r.depends_on.is_empty() {
            let _ = writeln!(s, "Depends on: {}\n", r.depends_on.join(", "));
        }
        let pins = |v: &[Pin]| {
            v.iter()
                .map(|p| format!("{}[{}]", p.name, p.width))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            s,
            "- Inputs: {}\n- Outputs: {}\n- Clocked: {}",
            pins(&r.inputs),
            pins(&r.outputs),
            if r.clocked { "yes" } else { "no" }
        );
        for (k, v) in [
            ("Behaviour", &r.behaviour),
            ("Timing", &r.timing),
            ("State", &r.state),
        ] {
            if !v.is_empty() {
                let _ = writeln!(s, "- {k}: {v}");
            }
        }
        let _ = writeln!(
            s,
            "- Sources: {}",
            if r.sources.is_empty() {
                r.citations.join("; ")
            } else {
                r.sources.join("; ")
            }
        );
        for q in &r.questions {
            let _ = writeln!(
                s,
                "- Question {}: {} — **{}** ({})",
                q.id,
                q.question,
                q.resolution(),
                q.settled_by.as_deref().unwrap_or("open")
            );
        }
        for t in &r.tests {
            let _ = writeln!(
                s,
                "- Test {} ({} cycle(s)) from {}",
                t.name,
                t.cycles.len(),
                if t.source.is_empty() {
                    "generated"
                } else {
                    &t.source
                }
            );
        }
        if !r.review.is_empty() {
            let _ = writeln!(s, "- Verifier rounds: {}", r.review.len());
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(name: &str, deps: &[&str]) -> Record {
        Record {
            name: name.into(),
            purpose: String::new(),
            depends_on: deps.iter().map(|d| d.to_string()).collect(),
            inputs: vec![],
            outputs: vec![Pin {
                name: "y".into(),
                width: 1,
            }],
            clocked: false,
            behaviour: String::new(),
            timing: String::new(),
            state: String::new(),
            citations: vec![],
            questions: vec![],
            tests: vec![],
            sources: vec![],
            review: vec![],
        }
    }

    #[test]
    fn dependency_order_and_cycles() {
        let v = vec![rec("top", &["a", "b"]), rec("b", &["a"]), rec("a", &[])];
        assert_eq!(order(&v).unwrap(), ["a", "b", "top"]);
        let v = vec![rec("top", &["a"]), rec("a", &["b"]), rec("b", &["a"])];
        let e = order(&v).unwrap_err();
        assert!(
            e.contains('a') && e.contains('b') && !e.contains("top"),
            "{e}"
        );
    }

    #[test]
    fn values_and_identifiers() {
        assert_eq!(value(&serde_json::json!(5), 3), Ok(5));
        assert_eq!(value(&serde_json::json!("0x1f"), 5), Ok(31));
        assert!(value(&serde_json::json!(8), 3).is_err());
        assert!(value(&serde_json::json!("zz"), 8).is_err());
        assert!(is_identifier("next_q") && !is_identifier("3x") && !is_identifier("module"));
    }
}
