//! Modules, parameters, ports and instances read with sv-parser (IEEE 1800-2017): the exact
//! port list (ANSI and non-ANSI headers, inherited directions and types, packed dimensions),
//! parameters with their default expressions, and the instances each module makes.
//!
//! sv-parser's errors carry only a byte offset, so a failure here is reported as "could not
//! parse" with the line; the simulators' own messages are what a user or a model is shown.

use std::path::Path;

use sv_parser::{Defines, Locate, NodeEvent, RefNode, SyntaxTree, parse_sv_str};

use super::{Direction, HdlError, Instance, Module, Param, Port};

/// Parse Verilog/SystemVerilog `text` (named `path` in messages) into its modules.
/// `` `include `` directives are not followed (the text must stand alone).
pub fn parse_modules(text: &str, path: &Path) -> Result<Vec<Module>, HdlError> {
    Ok(modules_in(&parse_tree(text, path)?))
}

/// The syntax tree of `text` (`` `include ``s not followed), or the error with its line.
pub fn parse_tree(text: &str, path: &Path) -> Result<SyntaxTree, HdlError> {
    let includes: Vec<std::path::PathBuf> = Vec::new();
    parse_sv_str(text, path, &Defines::new(), &includes, true, false)
        .map(|(tree, _)| tree)
        .map_err(|e| {
            let line =
                error_offset(&e).map(|off| 1 + text[..off.min(text.len())].matches('\n').count());
            HdlError::Parse {
                path: path.to_path_buf(),
                line,
                message: parse_error_message(&e),
            }
        })
}

/// The modules declared in a parsed tree.
pub fn modules_in(tree: &SyntaxTree) -> Vec<Module> {
    let mut modules = Vec::new();
    for node in tree {
        if let RefNode::ModuleDeclarationAnsi(_) | RefNode::ModuleDeclarationNonansi(_) = node {
            modules.push(read_module(tree, node));
        }
    }
    modules
}

/// Where a node's tokens lie in the parsed text, and the tokens (white space and comments
/// left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSpan<'a> {
    pub start: usize,
    pub end: usize,
    /// 1-based line of the first token.
    pub line: u32,
    pub tokens: Vec<&'a str>,
}

/// The token span of `node`; `None` for a node without tokens.
pub fn token_span<'a>(tree: &'a SyntaxTree, node: RefNode<'_>) -> Option<TokenSpan<'a>> {
    let mut span: Option<TokenSpan> = None;
    let mut skip = 0usize;
    for ev in node.into_iter().event() {
        match ev {
            NodeEvent::Enter(RefNode::WhiteSpace(_)) => skip += 1,
            NodeEvent::Leave(RefNode::WhiteSpace(_)) => skip -= 1,
            NodeEvent::Enter(RefNode::Locate(l)) if skip == 0 => {
                let s = span.get_or_insert(TokenSpan {
                    start: l.offset,
                    end: l.offset,
                    line: l.line,
                    tokens: Vec::new(),
                });
                s.end = s.end.max(l.offset + l.len);
                s.tokens.extend(tree.get_str(l));
            }
            _ => {}
        }
    }
    span
}

fn error_offset(e: &sv_parser::Error) -> Option<usize> {
    match e {
        sv_parser::Error::Parse(Some((_, off))) => Some(*off),
        _ => None,
    }
}

fn parse_error_message(e: &sv_parser::Error) -> String {
    match e {
        sv_parser::Error::Parse(_) => "syntax error".to_string(),
        sv_parser::Error::Include { .. } => "an `include could not be resolved".to_string(),
        sv_parser::Error::DefineNotFound(m) => format!("macro `{m} is not defined"),
        other => other.to_string(),
    }
}

/// The text of an identifier node (simple or escaped).
fn ident(tree: &SyntaxTree, node: RefNode) -> Option<String> {
    for n in node {
        match n {
            RefNode::SimpleIdentifier(x) => return locate_str(tree, &x.nodes.0),
            RefNode::EscapedIdentifier(x) => return locate_str(tree, &x.nodes.0),
            _ => {}
        }
    }
    None
}

fn locate_str(tree: &SyntaxTree, l: &Locate) -> Option<String> {
    tree.get_str(l).map(str::to_string)
}

/// The tokens of a node joined by single spaces, comments and white space left out.
fn tokens(tree: &SyntaxTree, node: RefNode) -> String {
    token_span(tree, node).map_or_else(String::new, |s| s.tokens.join(" "))
}

fn first_line(node: RefNode) -> u32 {
    for n in node {
        if let RefNode::Locate(l) = n {
            return l.line;
        }
    }
    0
}

/// The packed dimensions and signedness found anywhere below a port header.
fn packed_dims(tree: &SyntaxTree, node: RefNode) -> (Vec<(String, String)>, bool) {
    let mut dims = Vec::new();
    let mut signed = false;
    for n in node {
        match n {
            RefNode::PackedDimensionRange(x) => {
                let range = &x.nodes.0.nodes.1;
                dims.push((
                    tokens(tree, RefNode::ConstantExpression(&range.nodes.0)),
                    tokens(tree, RefNode::ConstantExpression(&range.nodes.2)),
                ));
            }
            RefNode::Signing(s) => {
                signed = tokens(tree, RefNode::Signing(s)) == "signed";
            }
            _ => {}
        }
    }
    (dims, signed)
}

fn direction(node: RefNode) -> Option<Direction> {
    for n in node {
        if let RefNode::PortDirection(d) = n {
            return Some(match d {
                sv_parser::PortDirection::Input(_) => Direction::Input,
                sv_parser::PortDirection::Output(_) => Direction::Output,
                sv_parser::PortDirection::Inout(_) => Direction::Inout,
                sv_parser::PortDirection::Ref(_) => Direction::Inout,
            });
        }
    }
    None
}

fn read_module(tree: &SyntaxTree, node: RefNode) -> Module {
    let mut m = Module {
        line: first_line(node.clone()),
        ..Module::default()
    };
    // in order of appearance: header parameters, ports, body declarations, instances
    let mut local_depth = 0usize;
    // the previous ANSI port, whose direction and type a bare name inherits
    let mut prev: Option<Port> = None;
    // non-ANSI: directions and types declared in the body
    let mut body_decls: Vec<Port> = Vec::new();
    let mut header_names: Vec<String> = Vec::new();
    for ev in node.into_iter().event() {
        let n = match ev {
            NodeEvent::Enter(n) => n,
            NodeEvent::Leave(RefNode::LocalParameterDeclaration(_)) => {
                local_depth -= 1;
                continue;
            }
            NodeEvent::Leave(_) => continue,
        };
        match n {
            RefNode::ModuleIdentifier(_) if m.name.is_empty() => {
                m.name = ident(tree, n).unwrap_or_default();
            }
            RefNode::LocalParameterDeclaration(_) => local_depth += 1,
            RefNode::ParamAssignment(x) => {
                let name =
                    ident(tree, RefNode::ParameterIdentifier(&x.nodes.0)).unwrap_or_default();
                let value = x
                    .nodes
                    .2
                    .as_ref()
                    .map(|(_, e)| tokens(tree, RefNode::ConstantParamExpression(e)));
                m.params.push(Param {
                    name,
                    value,
                    local: local_depth > 0,
                });
            }
            RefNode::AnsiPortDeclaration(d) => {
                let (name, header): (String, Option<RefNode>) = match d {
                    sv_parser::AnsiPortDeclaration::Net(x) => (
                        ident(tree, RefNode::PortIdentifier(&x.nodes.1)).unwrap_or_default(),
                        x.nodes
                            .0
                            .as_ref()
                            .map(RefNode::NetPortHeaderOrInterfacePortHeader),
                    ),
                    sv_parser::AnsiPortDeclaration::Variable(x) => (
                        ident(tree, RefNode::PortIdentifier(&x.nodes.1)).unwrap_or_default(),
                        x.nodes.0.as_ref().map(RefNode::VariablePortHeader),
                    ),
                    sv_parser::AnsiPortDeclaration::Paren(x) => (
                        ident(tree, RefNode::PortIdentifier(&x.nodes.2)).unwrap_or_default(),
                        None,
                    ),
                };
                // a port without a header inherits the previous port's direction and type;
                // one with a type but no direction inherits the direction
                let port = match header {
                    Some(h) => {
                        let (packed, signed) = packed_dims(tree, h.clone());
                        let direction = direction(h)
                            .or(prev.as_ref().map(|p| p.direction))
                            .unwrap_or(Direction::Inout);
                        Port {
                            name,
                            direction,
                            packed,
                            signed,
                        }
                    }
                    None => match &prev {
                        Some(p) => Port { name, ..p.clone() },
                        None => Port::bare(name),
                    },
                };
                prev = Some(port.clone());
                m.ports.push(port);
            }
            RefNode::ListOfPorts(x) => {
                for p in RefNode::ListOfPorts(x) {
                    if let RefNode::PortIdentifier(_) = p {
                        header_names.push(ident(tree, p).unwrap_or_default());
                    }
                }
            }
            RefNode::PortDeclaration(x) => {
                let dir = match x {
                    sv_parser::PortDeclaration::Input(_) => Direction::Input,
                    sv_parser::PortDeclaration::Output(_) => Direction::Output,
                    _ => Direction::Inout,
                };
                let (packed, signed) = packed_dims(tree, n.clone());
                for p in n.clone() {
                    match p {
                        RefNode::PortIdentifier(_) | RefNode::VariableIdentifier(_) => {
                            body_decls.push(Port {
                                name: ident(tree, p).unwrap_or_default(),
                                direction: dir,
                                packed: packed.clone(),
                                signed,
                            });
                        }
                        _ => {}
                    }
                }
            }
            RefNode::ModuleInstantiation(x) => {
                let module = ident(tree, RefNode::ModuleIdentifier(&x.nodes.0)).unwrap_or_default();
                for h in RefNode::ModuleInstantiation(x) {
                    if let RefNode::InstanceIdentifier(_) = h {
                        m.instances.push(Instance {
                            module: module.clone(),
                            name: ident(tree, h.clone()).unwrap_or_default(),
                            line: first_line(h),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    // non-ANSI: the header names the ports, the body gives their directions and types
    for name in header_names {
        let port = match body_decls.iter().find(|b| b.name == name) {
            Some(b) => b.clone(),
            None => Port::bare(name),
        };
        m.ports.push(port);
    }
    m
}
