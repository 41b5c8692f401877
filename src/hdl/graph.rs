//! The statement graph of a module, the ground `trace` walks: a node per signal and per
//! statement; data edges from the signals a statement reads to the statement and from it to
//! the signals it writes. Conditions are statements too (`if (a)`, `else if (b)`, each arm of a
//! `case`): they read signals, and control edges lead from them to the statements they guard,
//! each statement keeping its guards with the outcome required (`if (a) S1 else if (b) S2`:
//! S1 under a; S2 under !a, b), so a trace can tell from recorded values which statements ran.
//! The event list of the enclosing `always` (clock, reset) gives control edges too, and the
//! block's kind (clocked at which edges, combinational, initial) is kept. Instances are
//! statements: one per port connection, directed by the instantiated module's port direction.
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
    /// The condition of an `if` / `else if`, or one arm of a `case`: it reads signals and
    /// decides which statements run.
    Condition,
    /// A declaration without an initial value (a port, net or variable): it "writes" the names
    /// it declares (their width is its doing) and reads the names in its dimensions. One with
    /// an initial value (`wire y = a & b;`) is an [`StmtKind::Assign`].
    Declaration,
}

/// What a [`StmtKind::Condition`] decides, as written (for evaluation with recorded values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cond {
    /// `if (expr)`: the branch runs when the expression is true.
    If(String),
    /// Arm `index` of `case (expr)`: it runs when it is the first arm whose items match
    /// (`None` items: the default arm). `wildcard` for `casez`/`casex`.
    CaseArm {
        expr: String,
        arms: Vec<Option<Vec<String>>>,
        index: usize,
        wildcard: bool,
    },
}

/// A condition a statement runs under: the condition's node and the outcome it must have
/// (`false`: the statement is in the `else` branch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Guard {
    pub cond: NodeIndex,
    pub taken: bool,
}

/// How an `always`/`initial` block runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcessKind {
    /// `always @*`, `always_comb`, `always @(a or b)`: whenever what it reads changes.
    Combinational,
    /// `always @(posedge clk or negedge rst_n)`: at these edges (`true`: posedge).
    Clocked(Vec<(bool, String)>),
    /// `initial`, or an `always` without an event control.
    Initial,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    pub line: u32,
    pub kind: ProcessKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stmt {
    pub kind: StmtKind,
    /// 1-based line and column in the file.
    pub line: u32,
    pub column: u32,
    /// The line of its last token (a statement may span lines).
    pub end_line: u32,
    pub text: String,
    /// The `always`/`initial` block it is in (index into [`ModuleGraph::processes`]).
    pub process: Option<usize>,
    /// The conditions leading to it, outermost first.
    pub guards: Vec<Guard>,
    /// For a condition: what it decides.
    pub cond: Option<Cond>,
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
    pub processes: Vec<Process>,
    signals: BTreeMap<String, NodeIndex>,
}

impl ModuleGraph {
    fn new(module: String) -> ModuleGraph {
        ModuleGraph {
            module,
            graph: Graph::new(),
            processes: Vec::new(),
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

    /// Add a statement: data edges from what it reads and to what it writes, control edges
    /// from the event signals of its block and from the conditions guarding it.
    fn statement(
        &mut self,
        s: Stmt,
        reads: &[String],
        writes: &[String],
        events: &[String],
    ) -> NodeIndex {
        let guards: Vec<NodeIndex> = s.guards.iter().map(|g| g.cond).collect();
        let st = self.graph.add_node(Node::Statement(s));
        for r in reads {
            let i = self.signal(r);
            self.graph.add_edge(i, st, Edge::Data);
        }
        for c in events {
            let i = self.signal(c);
            self.graph.add_edge(i, st, Edge::Control);
        }
        for g in guards {
            self.graph.add_edge(g, st, Edge::Control);
        }
        for w in writes {
            let i = self.signal(w);
            self.graph.add_edge(st, i, Edge::Data);
        }
        st
    }

    pub fn signal_index(&self, name: &str) -> Option<NodeIndex> {
        self.signals.get(name).copied()
    }

    /// Every signal by name.
    pub fn signals(&self) -> impl Iterator<Item = (&str, NodeIndex)> {
        self.signals.iter().map(|(k, v)| (k.as_str(), *v))
    }

    /// The statement at `i` (None for a signal).
    pub fn stmt(&self, i: NodeIndex) -> Option<&Stmt> {
        match &self.graph[i] {
            Node::Statement(s) => Some(s),
            Node::Signal(_) => None,
        }
    }

    /// Names of the signals connected to statement `i` by edges of `kind` in direction `dir`
    /// (incoming data: what it reads; outgoing data: what it writes; incoming control: the
    /// event signals of its block), sorted.
    pub fn signals_of(&self, i: NodeIndex, dir: petgraph::Direction, kind: Edge) -> Vec<String> {
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
    }

    /// The statements, in line order, each with what it reads, writes and depends on (the
    /// event signals of its block and the signals its guarding conditions read): one line
    /// each (for snapshots and for a model's prompt).
    pub fn render(&self) -> String {
        use petgraph::Direction::{Incoming, Outgoing};
        let mut rows = Vec::new();
        for i in self.graph.node_indices() {
            let Node::Statement(s) = &self.graph[i] else {
                continue;
            };
            let reads = self.signals_of(i, Incoming, Edge::Data);
            let writes = self.signals_of(i, Outgoing, Edge::Data);
            let mut control = self.signals_of(i, Incoming, Edge::Control);
            for g in &s.guards {
                control.extend(self.signals_of(g.cond, Incoming, Edge::Data));
            }
            control.sort();
            control.dedup();
            let guards: Vec<String> = s
                .guards
                .iter()
                .filter_map(|g| {
                    let c = self.stmt(g.cond)?;
                    Some(format!("L{}{}", c.line, if g.taken { "" } else { "!" }))
                })
                .collect();
            let row = if s.kind == StmtKind::Condition {
                format!(
                    "L{}:{} Condition `{}`  reads [{}] guards [{}]",
                    s.line,
                    s.column,
                    s.text,
                    reads.join(", "),
                    guards.join(", ")
                )
            } else {
                format!(
                    "L{}:{} {:?} `{}`  reads [{}] writes [{}] control [{}]",
                    s.line,
                    s.column,
                    s.kind,
                    s.text,
                    reads.join(", "),
                    writes.join(", "),
                    control.join(", ")
                )
            };
            rows.push((s.line, s.column, row));
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
    let end_line = span.line
        + text
            .get(span.start..span.end)
            .map_or(0, |t| t.matches('\n').count() as u32);
    Stmt {
        kind,
        line: span.line,
        column: (span.start - line_start + 1) as u32,
        end_line,
        text: written.unwrap_or_else(|| span.tokens.join(" ")),
        process: None,
        guards: Vec::new(),
        cond: None,
    }
}

/// The text of an expression-like node (for evaluation later).
fn expr_text(tree: &SyntaxTree, text: &str, node: RefNode) -> String {
    stmt(tree, text, node, StmtKind::Condition).text
}

/// How an `always` runs, from its keyword and event control.
fn process_kind(tree: &SyntaxTree, node: RefNode, x: &sv_parser::AlwaysConstruct) -> ProcessKind {
    if let sv_parser::AlwaysKeyword::AlwaysComb(_) | sv_parser::AlwaysKeyword::AlwaysLatch(_) =
        &x.nodes.0
    {
        return ProcessKind::Combinational;
    }
    let Some(ec) = node.into_iter().find_map(|m| match m {
        RefNode::EventControl(_) => Some(m),
        _ => None,
    }) else {
        return ProcessKind::Initial;
    };
    let tokens = token_span(tree, ec).map(|s| s.tokens).unwrap_or_default();
    let mut edges = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if (*t == "posedge" || *t == "negedge")
            && let Some(sig) = tokens.get(i + 1)
        {
            edges.push((*t == "posedge", sig.to_string()));
        }
    }
    if edges.is_empty() {
        ProcessKind::Combinational
    } else {
        ProcessKind::Clocked(edges)
    }
}

fn one_module(tree: &SyntaxTree, text: &str, node: RefNode, known: &[Module]) -> ModuleGraph {
    let mut g = ModuleGraph::new(String::new());
    // the enclosing block: its index and event signals
    let mut process: Option<(usize, Vec<String>)> = None;
    // the guards of the enclosing branches, innermost last: one frame per if statement,
    // branch, case
    let mut frames: Vec<Vec<Guard>> = Vec::new();
    // the branches of the if and case statements met so far (by address) and the guards that
    // lead into each: `if (a) S1 else if (b) S2 else S3` → S1: a; S2: !a, b; S3: !a, !b
    let mut branches: std::collections::HashMap<usize, Vec<Guard>> =
        std::collections::HashMap::new();
    let addr = |x: &sv_parser::StatementOrNull| x as *const _ as usize;
    let cond_stmt = |g: &mut ModuleGraph,
                     frames: &[Vec<Guard>],
                     process: &Option<(usize, Vec<String>)>,
                     mut s: Stmt,
                     reads: Vec<String>,
                     cond: Cond,
                     extra: &[Guard]| {
        s.kind = StmtKind::Condition;
        s.process = process.as_ref().map(|p| p.0);
        s.guards = frames.concat();
        s.guards.extend_from_slice(extra);
        s.cond = Some(cond);
        let events = process.as_ref().map(|p| p.1.clone()).unwrap_or_default();
        g.statement(s, &reads, &[], &events)
    };
    for ev in node.clone().into_iter().event() {
        match ev {
            NodeEvent::Enter(n) => match n {
                RefNode::ModuleIdentifier(_) if g.module.is_empty() => {
                    g.module = idents(tree, n).into_iter().next().unwrap_or_default();
                }
                RefNode::AlwaysConstruct(x) => {
                    let line = token_span(tree, n.clone()).map_or(0, |s| s.line);
                    let kind = process_kind(tree, n.clone(), x);
                    let events = match &kind {
                        ProcessKind::Clocked(e) => e.iter().map(|(_, s)| s.clone()).collect(),
                        _ => Vec::new(),
                    };
                    g.processes.push(Process { line, kind });
                    process = Some((g.processes.len() - 1, events));
                }
                RefNode::InitialConstruct(_) => {
                    let line = token_span(tree, n.clone()).map_or(0, |s| s.line);
                    g.processes.push(Process {
                        line,
                        kind: ProcessKind::Initial,
                    });
                    process = Some((g.processes.len() - 1, Vec::new()));
                }
                RefNode::ConditionalStatement(x) => {
                    let mut before: Vec<Guard> = Vec::new();
                    let preds = std::iter::once((&x.nodes.2, &x.nodes.3, "if"))
                        .chain(x.nodes.4.iter().map(|(_, _, p, st)| (p, st, "else if")));
                    for (p, st, word) in preds {
                        let pred = RefNode::CondPredicate(&p.nodes.1);
                        let mut s = stmt(tree, text, pred.clone(), StmtKind::Condition);
                        let e = s.text.clone();
                        s.text = format!("{word} ({e})");
                        let reads = idents(tree, pred);
                        let c =
                            cond_stmt(&mut g, &frames, &process, s, reads, Cond::If(e), &before);
                        let mut taken = before.clone();
                        taken.push(Guard {
                            cond: c,
                            taken: true,
                        });
                        branches.insert(addr(st), taken);
                        before.push(Guard {
                            cond: c,
                            taken: false,
                        });
                    }
                    if let Some((_, st)) = &x.nodes.5 {
                        branches.insert(addr(st), before);
                    }
                    frames.push(Vec::new());
                }
                RefNode::StatementOrNull(x) => {
                    if let Some(c) = branches.get(&addr(x)) {
                        frames.push(c.clone());
                    }
                }
                RefNode::CaseStatementNormal(x) => {
                    let expr = expr_text(tree, text, RefNode::CaseExpression(&x.nodes.2.nodes.1));
                    let expr_reads = idents(tree, RefNode::CaseExpression(&x.nodes.2.nodes.1));
                    let wildcard = !matches!(x.nodes.1, sv_parser::CaseKeyword::Case(_));
                    let items: Vec<&sv_parser::CaseItem> = std::iter::once(&x.nodes.3)
                        .chain(x.nodes.4.iter())
                        .collect();
                    let arms: Vec<Option<Vec<String>>> = items
                        .iter()
                        .map(|it| match it {
                            sv_parser::CaseItem::NonDefault(d) => Some(
                                d.nodes
                                    .0
                                    .contents()
                                    .into_iter()
                                    .map(|e| expr_text(tree, text, RefNode::CaseItemExpression(e)))
                                    .collect(),
                            ),
                            sv_parser::CaseItem::Default(_) => None,
                        })
                        .collect();
                    for (index, it) in items.iter().enumerate() {
                        let (node, st) = match it {
                            sv_parser::CaseItem::NonDefault(d) => {
                                (RefNode::CaseItemNondefault(d), &d.nodes.2)
                            }
                            sv_parser::CaseItem::Default(d) => {
                                (RefNode::CaseItemDefault(d), &d.nodes.2)
                            }
                        };
                        let mut s = stmt(tree, text, node, StmtKind::Condition);
                        s.text = match &arms[index] {
                            Some(v) => format!("{}:", v.join(", ")),
                            None => "default:".to_string(),
                        };
                        let mut reads = expr_reads.clone();
                        if let sv_parser::CaseItem::NonDefault(d) = it {
                            for e in d.nodes.0.contents() {
                                reads.extend(idents(tree, RefNode::CaseItemExpression(e)));
                            }
                        }
                        let cond = Cond::CaseArm {
                            expr: expr.clone(),
                            arms: arms.clone(),
                            index,
                            wildcard,
                        };
                        let c = cond_stmt(&mut g, &frames, &process, s, reads, cond, &[]);
                        branches.insert(
                            addr(st),
                            vec![Guard {
                                cond: c,
                                taken: true,
                            }],
                        );
                    }
                    frames.push(Vec::new());
                }
                RefNode::AnsiPortDeclaration(_)
                | RefNode::InputDeclaration(_)
                | RefNode::OutputDeclaration(_)
                | RefNode::InoutDeclaration(_)
                | RefNode::NetDeclaration(_)
                | RefNode::DataDeclaration(_) => declaration(&mut g, tree, text, n.clone()),
                RefNode::ParamAssignment(x) => {
                    // a parameter's value is a constant assignment (`localparam B = 2'd1;`)
                    let s = stmt(tree, text, n.clone(), StmtKind::Assign);
                    let w = idents(tree, RefNode::ParameterIdentifier(&x.nodes.0));
                    let r: Vec<String> = idents(tree, n.clone())
                        .into_iter()
                        .filter(|i| !w.contains(i))
                        .collect();
                    g.statement(s, &r, &w, &[]);
                }
                RefNode::NetAssignment(x) => {
                    let s = stmt(tree, text, n.clone(), StmtKind::Assign);
                    let w = idents(tree, RefNode::NetLvalue(&x.nodes.0));
                    let r = idents(tree, RefNode::Expression(&x.nodes.2));
                    g.statement(s, &r, &w, &[]);
                }
                RefNode::NonblockingAssignment(x) => {
                    let s = procedural(tree, text, n.clone(), &frames, &process);
                    let w = idents(tree, RefNode::VariableLvalue(&x.nodes.0));
                    let r = idents(tree, RefNode::Expression(&x.nodes.3));
                    let events = process.as_ref().map(|p| p.1.clone()).unwrap_or_default();
                    g.statement(s, &r, &w, &events);
                }
                RefNode::OperatorAssignment(x) => {
                    let s = procedural(tree, text, n.clone(), &frames, &process);
                    let w = idents(tree, RefNode::VariableLvalue(&x.nodes.0));
                    let mut r = idents(tree, RefNode::Expression(&x.nodes.2));
                    if tree.get_str(&x.nodes.1.nodes.0.nodes.0) != Some("=") {
                        r.extend(w.iter().cloned()); // `+=` and the like read their target
                    }
                    let events = process.as_ref().map(|p| p.1.clone()).unwrap_or_default();
                    g.statement(s, &r, &w, &events);
                }
                RefNode::ModuleInstantiation(x) => connections(&mut g, tree, text, x, known),
                _ => {}
            },
            NodeEvent::Leave(RefNode::AlwaysConstruct(_) | RefNode::InitialConstruct(_)) => {
                process = None;
            }
            NodeEvent::Leave(
                RefNode::ConditionalStatement(_) | RefNode::CaseStatementNormal(_),
            ) => {
                frames.pop();
            }
            NodeEvent::Leave(RefNode::StatementOrNull(x)) if branches.contains_key(&addr(x)) => {
                frames.pop();
            }
            NodeEvent::Leave(_) => {}
        }
    }
    g
}

/// A declaration: it writes the names it declares, reads the others (dimensions, an initial
/// value).
fn declaration(g: &mut ModuleGraph, tree: &SyntaxTree, text: &str, node: RefNode) {
    let mut declared: Vec<String> = Vec::new();
    let mut initialized = false;
    for m in node.clone() {
        match m {
            RefNode::PortIdentifier(_)
            | RefNode::NetIdentifier(_)
            | RefNode::VariableIdentifier(_) => {
                declared.extend(idents(tree, m));
            }
            RefNode::NetDeclAssignment(x) if x.nodes.2.is_some() => initialized = true,
            RefNode::VariableDeclAssignmentVariable(x) if x.nodes.2.is_some() => initialized = true,
            _ => {}
        }
    }
    declared.sort();
    declared.dedup();
    if declared.is_empty() {
        return;
    }
    let reads: Vec<String> = idents(tree, node.clone())
        .into_iter()
        .filter(|n| !declared.contains(n))
        .collect();
    let kind = if initialized {
        StmtKind::Assign
    } else {
        StmtKind::Declaration
    };
    let s = stmt(tree, text, node, kind);
    g.statement(s, &reads, &declared, &[]);
}

/// A procedural assignment in the current block under the current guards.
fn procedural(
    tree: &SyntaxTree,
    text: &str,
    node: RefNode,
    frames: &[Vec<Guard>],
    process: &Option<(usize, Vec<String>)>,
) -> Stmt {
    let mut s = stmt(tree, text, node, StmtKind::Procedural);
    s.process = process.as_ref().map(|p| p.0);
    s.guards = frames.concat();
    s
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
                    g.statement(s, &both, &both, &[])
                }
            };
        }
    }
}
