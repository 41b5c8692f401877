//! The statement graph of a module, the ground `trace` walks: a node per signal and per
//! statement; data edges from the signals a statement reads to the statement and from it to
//! the signals it writes; control edges to the statement from the conditions that lead into its
//! branch (`if (a) S1 else if (b) S2`: S1 depends on a, S2 on a and b), the enclosing `case`'s
//! expression, and the event list (clock, reset) of the enclosing `always`. Instances are statements too:
//! one per port connection, directed by the instantiated module's port direction.
//!
//! Generate blocks and `for` loops are not expanded: their statements appear once, with the
//! loop's signals as they are written (conservative: nothing is dropped).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use petgraph::graph::{Graph, NodeIndex};
use sv_parser::{NodeEvent, RefNode, SyntaxTree};

use super::{Direction, HdlError, Module, TokenSpan, modules_in, parse_tree, token_span};

/// What a statement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StmtKind {
    /// `assign lhs = rhs;`
    Assign,
    /// An assignment in an `always`/`initial` block.
    Procedural,
    /// A port connection of an instance.
    Connection,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stmt {
    pub kind: StmtKind,
    /// 1-based line and column in the file.
    pub line: u32,
    pub column: u32,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Signal(String),
    Statement(Stmt),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Edge {
    Data,
    Control,
}

/// One module's graph.
#[derive(Debug, Clone)]
pub struct ModuleGraph {
    pub module: String,
    pub graph: Graph<Node, Edge>,
    signals: BTreeMap<String, NodeIndex>,
}

impl ModuleGraph {
    fn new(module: String) -> ModuleGraph {
        ModuleGraph {
            module,
            graph: Graph::new(),
            signals: BTreeMap::new(),
        }
    }

    fn signal(&mut self, name: &str) -> NodeIndex {
        if let Some(i) = self.signals.get(name) {
            return *i;
        }
        let i = self.graph.add_node(Node::Signal(name.to_string()));
        self.signals.insert(name.to_string(), i);
        i
    }

    fn statement(&mut self, s: Stmt, reads: &[String], writes: &[String], control: &[String]) {
        let st = self.graph.add_node(Node::Statement(s));
        for r in reads {
            let i = self.signal(r);
            self.graph.add_edge(i, st, Edge::Data);
        }
        for c in control {
            let i = self.signal(c);
            self.graph.add_edge(i, st, Edge::Control);
        }
        for w in writes {
            let i = self.signal(w);
            self.graph.add_edge(st, i, Edge::Data);
        }
    }

    pub fn signal_index(&self, name: &str) -> Option<NodeIndex> {
        self.signals.get(name).copied()
    }

    /// The statements, in line order, each with what it reads, writes and depends on: one
    /// line each (for snapshots and for a model's prompt).
    pub fn render(&self) -> String {
        let mut rows = Vec::new();
        for i in self.graph.node_indices() {
            let Node::Statement(s) = &self.graph[i] else {
                continue;
            };
            let names = |dir: petgraph::Direction, kind: Edge| -> Vec<String> {
                let mut v: Vec<String> = self
                    .graph
                    .edges_directed(i, dir)
                    .filter(|e| *e.weight() == kind)
                    .filter_map(|e| {
                        let other = if dir == petgraph::Direction::Incoming {
                            petgraph::visit::EdgeRef::source(&e)
                        } else {
                            petgraph::visit::EdgeRef::target(&e)
                        };
                        match &self.graph[other] {
                            Node::Signal(n) => Some(n.clone()),
                            Node::Statement(_) => None,
                        }
                    })
                    .collect();
                v.sort();
                v.dedup();
                v
            };
            let reads = names(petgraph::Direction::Incoming, Edge::Data);
            let control = names(petgraph::Direction::Incoming, Edge::Control);
            let writes = names(petgraph::Direction::Outgoing, Edge::Data);
            rows.push((
                s.line,
                s.column,
                format!(
                    "L{}:{} {:?} `{}`  reads [{}] writes [{}] control [{}]",
                    s.line,
                    s.column,
                    s.kind,
                    s.text,
                    reads.join(", "),
                    writes.join(", "),
                    control.join(", ")
                ),
            ));
        }
        rows.sort();
        let mut out = format!("module {}\n", self.module);
        for (_, _, r) in rows {
            let _ = writeln!(out, "  {r}");
        }
        out
    }
}

/// The graphs of every module in `text`; instances are resolved against `known` modules (those
/// of this text are added) to direct their connections.
pub fn module_graphs(
    text: &str,
    path: &Path,
    known: &[Module],
) -> Result<Vec<ModuleGraph>, HdlError> {
    let tree = parse_tree(text, path)?;
    let mut all: Vec<Module> = modules_in(&tree);
    all.extend(known.iter().cloned());
    let mut out = Vec::new();
    for node in &tree {
        if let RefNode::ModuleDeclarationAnsi(_) | RefNode::ModuleDeclarationNonansi(_) = node {
            out.push(one_module(&tree, text, node, &all));
        }
    }
    Ok(out)
}

/// Names read in a node (identifiers of signals and parameters; system functions excluded).
fn idents(tree: &SyntaxTree, node: RefNode) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for n in node {
        if let RefNode::Identifier(_) = n {
            for m in n {
                let l = match m {
                    RefNode::SimpleIdentifier(x) => &x.nodes.0,
                    RefNode::EscapedIdentifier(x) => &x.nodes.0,
                    _ => continue,
                };
                if let Some(s) = tree.get_str(l) {
                    v.push(s.to_string());
                }
                break;
            }
        }
    }
    let set: BTreeSet<String> = v.into_iter().collect();
    set.into_iter().collect()
}

fn stmt(tree: &SyntaxTree, text: &str, node: RefNode, kind: StmtKind) -> Stmt {
    let span = token_span(tree, node).unwrap_or(TokenSpan {
        start: 0,
        end: 0,
        line: 0,
        tokens: Vec::new(),
    });
    // the statement as written, where the file and the parsed text agree (macros shift them)
    let joined = span.tokens.concat();
    let written = text
        .get(span.start..span.end)
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|t| t.replace(' ', "") == joined);
    let line_start = text[..span.start.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    Stmt {
        kind,
        line: span.line,
        column: (span.start - line_start + 1) as u32,
        text: written.unwrap_or_else(|| span.tokens.join(" ")),
    }
}

fn one_module(tree: &SyntaxTree, text: &str, node: RefNode, known: &[Module]) -> ModuleGraph {
    let mut g = ModuleGraph::new(String::new());
    // control signals of the enclosing always / if branch / case, innermost last
    let mut control: Vec<Vec<String>> = Vec::new();
    // the branches of the if statements met so far (by address) and the conditions that lead
    // into each: `if (a) S1 else if (b) S2 else S3` → S1: a; S2: a, b; S3: a, b
    let mut branches: std::collections::HashMap<usize, Vec<String>> =
        std::collections::HashMap::new();
    let addr = |x: &sv_parser::StatementOrNull| x as *const _ as usize;
    for ev in node.clone().into_iter().event() {
        match ev {
            NodeEvent::Enter(n) => match n {
                RefNode::ModuleIdentifier(_) if g.module.is_empty() => {
                    g.module = idents(tree, n).into_iter().next().unwrap_or_default();
                }
                RefNode::AlwaysConstruct(_) => {
                    let events = n
                        .clone()
                        .into_iter()
                        .find_map(|m| match m {
                            RefNode::EventControl(_) => Some(idents(tree, m)),
                            _ => None,
                        })
                        .unwrap_or_default();
                    control.push(events);
                }
                RefNode::ConditionalStatement(x) => {
                    let mut c = idents(tree, RefNode::CondPredicate(&x.nodes.2.nodes.1));
                    branches.insert(addr(&x.nodes.3), c.clone());
                    for (_, _, p, st) in &x.nodes.4 {
                        c.extend(idents(tree, RefNode::CondPredicate(&p.nodes.1)));
                        branches.insert(addr(st), c.clone());
                    }
                    if let Some((_, st)) = &x.nodes.5 {
                        branches.insert(addr(st), c.clone());
                    }
                    control.push(Vec::new());
                }
                RefNode::StatementOrNull(x) => {
                    if let Some(c) = branches.get(&addr(x)) {
                        control.push(c.clone());
                    }
                }
                RefNode::CaseStatementNormal(x) => {
                    control.push(idents(tree, RefNode::CaseExpression(&x.nodes.2.nodes.1)));
                }
                RefNode::NetAssignment(x) => {
                    let s = stmt(tree, text, n.clone(), StmtKind::Assign);
                    let w = idents(tree, RefNode::NetLvalue(&x.nodes.0));
                    let r = idents(tree, RefNode::Expression(&x.nodes.2));
                    g.statement(s, &r, &w, &[]);
                }
                RefNode::NonblockingAssignment(x) => {
                    let s = stmt(tree, text, n.clone(), StmtKind::Procedural);
                    let w = idents(tree, RefNode::VariableLvalue(&x.nodes.0));
                    let r = idents(tree, RefNode::Expression(&x.nodes.3));
                    g.statement(s, &r, &w, &control.concat());
                }
                RefNode::OperatorAssignment(x) => {
                    let s = stmt(tree, text, n.clone(), StmtKind::Procedural);
                    let w = idents(tree, RefNode::VariableLvalue(&x.nodes.0));
                    let mut r = idents(tree, RefNode::Expression(&x.nodes.2));
                    if tree.get_str(&x.nodes.1.nodes.0.nodes.0) != Some("=") {
                        r.extend(w.iter().cloned()); // `+=` and the like read their target
                    }
                    g.statement(s, &r, &w, &control.concat());
                }
                RefNode::ModuleInstantiation(x) => connections(&mut g, tree, text, x, known),
                _ => {}
            },
            NodeEvent::Leave(
                RefNode::AlwaysConstruct(_)
                | RefNode::ConditionalStatement(_)
                | RefNode::CaseStatementNormal(_),
            ) => {
                control.pop();
            }
            NodeEvent::Leave(RefNode::StatementOrNull(x)) if branches.contains_key(&addr(x)) => {
                control.pop();
            }
            NodeEvent::Leave(_) => {}
        }
    }
    g
}

/// One statement per port connection, `inst.port` as the signal on the instance's side.
fn connections(
    g: &mut ModuleGraph,
    tree: &SyntaxTree,
    text: &str,
    x: &sv_parser::ModuleInstantiation,
    known: &[Module],
) {
    let module = idents(tree, RefNode::ModuleIdentifier(&x.nodes.0))
        .into_iter()
        .next()
        .unwrap_or_default();
    let child = known.iter().find(|m| m.name == module);
    for h in RefNode::ModuleInstantiation(x) {
        let RefNode::HierarchicalInstance(hi) = h else {
            continue;
        };
        let inst = idents(tree, RefNode::NameOfInstance(&hi.nodes.0))
            .into_iter()
            .next()
            .unwrap_or_default();
        let mut position = 0usize;
        for c in RefNode::HierarchicalInstance(hi) {
            let (port, expr) = match c {
                RefNode::NamedPortConnectionIdentifier(p) => (
                    idents(tree, RefNode::PortIdentifier(&p.nodes.2))
                        .into_iter()
                        .next(),
                    p.nodes.3.as_ref().and_then(|e| e.nodes.1.as_ref()),
                ),
                RefNode::OrderedPortConnection(p) => {
                    position += 1;
                    (
                        child.and_then(|m| m.ports.get(position - 1).map(|p| p.name.clone())),
                        p.nodes.1.as_ref(),
                    )
                }
                _ => continue,
            };
            let (Some(port), Some(expr)) = (port, expr) else {
                continue;
            };
            let s = stmt(tree, text, c.clone(), StmtKind::Connection);
            let outer = idents(tree, RefNode::Expression(expr));
            let inner = vec![format!("{inst}.{port}")];
            let dir = child
                .and_then(|m| m.port(&port))
                .map_or(Direction::Inout, |p| p.direction);
            match dir {
                Direction::Input => g.statement(s, &outer, &inner, &[]),
                Direction::Output => g.statement(s, &inner, &outer, &[]),
                // unknown direction: both ways (conservative)
                Direction::Inout => {
                    let both: Vec<String> = outer.iter().chain(inner.iter()).cloned().collect();
                    g.statement(s, &both, &both, &[]);
                }
            }
        }
    }
}
