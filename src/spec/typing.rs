//! Recognising what a table is from its header row — the vocabulary varies between datasheets
//! (Direction / Dir / I/O; Access / R/W / Type; Reset / Default / Init) — and turning its rows
//! into ports, parameters, registers and bit fields.

use std::sync::LazyLock;

use regex::Regex;

use super::{
    Block, Direction, Field, Parameter, Port, Register, Section, Spec, Table, TableKind, Width,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Name,
    Direction,
    Width,
    Description,
    Type,
    Default,
    Offset,
    Access,
    Reset,
    Bits,
    Other,
}

fn col(h: &str) -> Col {
    let k: String = h
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '/' || *c == ' ')
        .collect();
    let k = k.trim();
    match k {
        "name" | "signal" | "signal name" | "port" | "port name" | "pin" | "parameter"
        | "parameter name" | "register" | "register name" | "field" | "field name" | "mnemonic"
        | "symbol" | "generic" => Col::Name,
        "direction" | "dir" | "i/o" | "io" | "in/out" | "mode" if true => Col::Direction,
        "width" | "bits wide" | "size" | "msblsb" | "bus width" | "width bits" | "width (bits)" => {
            Col::Width
        }
        "description" | "desc" | "function" | "comment" | "comments" | "notes" | "meaning"
        | "purpose" | "details" => Col::Description,
        "type" | "kind" | "data type" => Col::Type,
        "default" | "default value" | "value" | "defaults" => Col::Default,
        "offset" | "address" | "addr" | "offset hex" | "address offset" | "byte offset" => {
            Col::Offset
        }
        "access" | "r/w" | "rw" | "attr" | "attribute" | "sw access" | "software access" => {
            Col::Access
        }
        "reset" | "reset value" | "init" | "initial" | "initial value" | "por" | "reset val" => {
            Col::Reset
        }
        "bit" | "bits" | "bit s" | "bit range" | "range" | "position" | "bit position"
        | "bit field" => Col::Bits,
        _ if k.starts_with("description") => Col::Description,
        _ if k.starts_with("offset") || k.starts_with("address") => Col::Offset,
        _ if k.starts_with("reset") => Col::Reset,
        _ if k.starts_with("width") => Col::Width,
        _ if k.starts_with("default") => Col::Default,
        _ => Col::Other,
    }
}

/// Like [`classify`], looking at the rows too: a `Type` column holding in/out values is the
/// direction column of a port table ("Pin | Type | Description").
pub(crate) fn classify_rows(header: &[String], rows: &[Vec<String>]) -> TableKind {
    let k = classify(header);
    if k != TableKind::Other && k != TableKind::Parameters {
        return k;
    }
    if let Some(i) = header.iter().position(|h| col(h) == Col::Type) {
        let dirs = rows
            .iter()
            .filter(|r| r.get(i).and_then(|v| direction(v)).is_some())
            .count();
        if !rows.is_empty() && dirs * 5 >= rows.len() * 4 {
            return TableKind::Ports;
        }
    }
    k
}

pub(crate) fn classify(header: &[String]) -> TableKind {
    let cols: Vec<Col> = header.iter().map(|h| col(h)).collect();
    let has = |c: Col| cols.contains(&c);
    let name = has(Col::Name) || header.first().is_some_and(|h| col(h) == Col::Other);
    if has(Col::Offset) && name && (has(Col::Access) || has(Col::Reset) || has(Col::Description)) {
        TableKind::Registers
    } else if has(Col::Bits) && (has(Col::Access) || has(Col::Reset) || has(Col::Description)) {
        TableKind::Fields
    } else if has(Col::Direction) && name {
        TableKind::Ports
    } else if has(Col::Name)
        && (has(Col::Default) || has(Col::Type))
        && header.iter().any(|h| {
            let l = h.to_lowercase();
            l.contains("param") || l.contains("generic") || l == "default" || l.contains("default")
        })
    {
        TableKind::Parameters
    } else {
        TableKind::Other
    }
}

fn direction(v: &str) -> Option<Direction> {
    match v.trim().to_lowercase().as_str() {
        "in" | "input" | "i" => Some(Direction::In),
        "out" | "output" | "o" => Some(Direction::Out),
        "inout" | "in/out" | "i/o" | "io" | "bidir" | "bidirectional" | "bi" => {
            Some(Direction::InOut)
        }
        _ => None,
    }
}

static RANGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\[?\s*(\d+)\s*(?::\s*(\d+))?\s*\]?$").unwrap());
static NAME_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Za-z_][A-Za-z0-9_]*)\s*\[\s*(\d+)\s*:\s*(\d+)\s*\]$").unwrap()
});

fn width(v: &str) -> Width {
    let t = v.trim();
    if t.is_empty() {
        return Width::Bits(1);
    }
    if let Ok(n) = t.parse::<u32>() {
        return Width::Bits(n);
    }
    if let Some(c) = RANGE.captures(t)
        && let (Some(a), Some(b)) = (c.get(1), c.get(2))
    {
        let (a, b): (u32, u32) = (
            a.as_str().parse().unwrap_or(0),
            b.as_str().parse().unwrap_or(0),
        );
        return Width::Bits(a.abs_diff(b) + 1);
    }
    Width::Expr(t.to_string())
}

fn bits(v: &str) -> (Option<u32>, Option<u32>) {
    match RANGE.captures(v.trim()) {
        Some(c) => {
            let a: Option<u32> = c.get(1).and_then(|m| m.as_str().parse().ok());
            let b: Option<u32> = c.get(2).and_then(|m| m.as_str().parse().ok()).or(a);
            (a, b)
        }
        None => (None, None),
    }
}

fn cell<'a>(row: &'a [String], cols: &[Col], want: Col) -> Option<&'a str> {
    cols.iter()
        .position(|c| *c == want)
        .and_then(|i| row.get(i))
        .map(|s| s.trim())
        .filter(|s| !s.is_empty() && *s != "—" && *s != "-")
}

fn name_cell<'a>(row: &'a [String], cols: &[Col]) -> Option<&'a str> {
    cell(row, cols, Col::Name).or_else(|| row.first().map(|s| s.trim()).filter(|s| !s.is_empty()))
}

/// Fill the spec's typed lists from its tables (walking sections in order), and attach bit-field
/// tables to their registers.
pub(crate) fn extract(spec: &mut Spec, warnings: &mut Vec<String>) {
    let mut ports = Vec::new();
    let mut params = Vec::new();
    let mut regs: Vec<Register> = Vec::new();
    let mut field_tables: Vec<(String, Vec<Field>)> = Vec::new();
    let mut visit = |t: &Table, context: &str| {
        let cols: Vec<Col> = t.header.iter().map(|h| col(h)).collect();
        match t.kind {
            TableKind::Ports => {
                let group = t
                    .caption
                    .clone()
                    .map(|c| strip_label(&c))
                    .unwrap_or_else(|| context.to_string());
                for r in &t.rows {
                    let Some(name) = name_cell(r, &cols) else {
                        continue;
                    };
                    let Some(dir) = cell(r, &cols, Col::Direction)
                        .or_else(|| cell(r, &cols, Col::Type))
                        .and_then(direction)
                    else {
                        warnings.push(format!(
                            "port table row `{}` has no recognisable direction",
                            r.join(" | ")
                        ));
                        continue;
                    };
                    let (name, w) = match NAME_RANGE.captures(name) {
                        Some(c) => (
                            c[1].to_string(),
                            Width::Bits(
                                c[2].parse::<u32>()
                                    .unwrap_or(0)
                                    .abs_diff(c[3].parse().unwrap_or(0))
                                    + 1,
                            ),
                        ),
                        None => (
                            name.to_string(),
                            cell(r, &cols, Col::Width).map_or(Width::Bits(1), width),
                        ),
                    };
                    ports.push(Port {
                        name,
                        direction: dir,
                        width: w,
                        description: cell(r, &cols, Col::Description).unwrap_or("").to_string(),
                        interface: group.clone(),
                        prov: t.prov,
                    });
                }
            }
            TableKind::Parameters => {
                for r in &t.rows {
                    let Some(name) = name_cell(r, &cols) else {
                        continue;
                    };
                    params.push(Parameter {
                        name: name.to_string(),
                        ty: cell(r, &cols, Col::Type).map(str::to_string),
                        default: cell(r, &cols, Col::Default).map(str::to_string),
                        description: cell(r, &cols, Col::Description).unwrap_or("").to_string(),
                        prov: t.prov,
                    });
                }
            }
            TableKind::Registers => {
                for r in &t.rows {
                    let Some(name) = name_cell(r, &cols) else {
                        continue;
                    };
                    regs.push(Register {
                        name: name.to_string(),
                        offset: cell(r, &cols, Col::Offset).map(str::to_string),
                        width: cell(r, &cols, Col::Width).and_then(|w| w.parse().ok()),
                        access: cell(r, &cols, Col::Access)
                            .or_else(|| cell(r, &cols, Col::Type))
                            .map(str::to_string),
                        reset: cell(r, &cols, Col::Reset)
                            .or_else(|| cell(r, &cols, Col::Default))
                            .map(str::to_string),
                        description: cell(r, &cols, Col::Description).unwrap_or("").to_string(),
                        fields: Vec::new(),
                        prov: t.prov,
                    });
                }
            }
            TableKind::Fields => {
                let mut fields = Vec::new();
                for r in &t.rows {
                    let Some(b) = cell(r, &cols, Col::Bits) else {
                        continue;
                    };
                    let (msb, lsb) = bits(b);
                    fields.push(Field {
                        name: cell(r, &cols, Col::Name).unwrap_or("").to_string(),
                        bits: b.to_string(),
                        msb,
                        lsb,
                        access: cell(r, &cols, Col::Access)
                            .or_else(|| cell(r, &cols, Col::Type))
                            .map(str::to_string),
                        reset: cell(r, &cols, Col::Reset)
                            .or_else(|| cell(r, &cols, Col::Default))
                            .map(str::to_string),
                        description: cell(r, &cols, Col::Description).unwrap_or("").to_string(),
                        prov: t.prov,
                    });
                }
                let label = format!("{} {}", t.caption.clone().unwrap_or_default(), context);
                field_tables.push((label, fields));
            }
            TableKind::Other => {}
        }
    };
    fn walk(sections: &[Section], visit: &mut dyn FnMut(&Table, &str)) {
        for s in sections {
            for b in &s.blocks {
                if let Block::Table(t) = b {
                    visit(t, &s.title);
                }
            }
            walk(&s.children, visit);
        }
    }
    for b in &spec.preamble {
        if let Block::Table(t) = b {
            visit(t, "");
        }
    }
    walk(&spec.sections, &mut visit);
    // a field table belongs to the register its caption or section names (longest name first)
    for (label, fields) in field_tables {
        let upper = label.to_uppercase();
        let mut order: Vec<usize> = (0..regs.len()).collect();
        order.sort_by_key(|i| std::cmp::Reverse(regs[*i].name.len()));
        // by the whole name, or by its abbreviation (`Line Control Register (LCR)`)
        let hit = order.into_iter().find(|i| {
            let n = regs[*i].name.to_uppercase();
            let abbr = ABBR.captures(&n).map(|c| c[1].to_string());
            std::iter::once(n.clone()).chain(abbr).any(|n| {
                Regex::new(&format!(r"\b{}\b", regex::escape(&n)))
                    .is_ok_and(|re| re.is_match(&upper))
            })
        });
        match hit {
            Some(i) => regs[i].fields.extend(fields),
            None => warnings.push(format!(
                "bit-field table `{}` names no known register",
                label.trim()
            )),
        }
    }
    spec.ports = ports;
    spec.parameters = params;
    spec.registers = regs;
}

static ABBR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\(([A-Z][A-Z0-9_]+)\)\s*$").unwrap());

fn strip_label(c: &str) -> String {
    static L: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(?:Table|Figure)\s+[A-Z]?[\d.-]+\s*[:.–—-]?\s*").unwrap());
    L.replace(c.trim(), "").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn vocabulary_variants() {
        assert_eq!(
            classify(&h(&["Signal", "Dir", "Width", "Description"])),
            TableKind::Ports
        );
        assert_eq!(classify(&h(&["Pin", "I/O", "Function"])), TableKind::Ports);
        assert_eq!(
            classify(&h(&["Name", "Direction", "Width", "Description"])),
            TableKind::Ports
        );
        assert_eq!(
            classify(&h(&["Parameter", "Type", "Default", "Description"])),
            TableKind::Parameters
        );
        assert_eq!(
            classify(&h(&["Name", "Default Value", "Meaning"])),
            TableKind::Parameters
        );
        assert_eq!(
            classify(&h(&["Offset", "Name", "Access", "Reset", "Description"])),
            TableKind::Registers
        );
        assert_eq!(
            classify(&h(&["Address", "Register", "R/W", "Init", "Notes"])),
            TableKind::Registers
        );
        assert_eq!(
            classify(&h(&["Bits", "Field", "Access", "Reset", "Description"])),
            TableKind::Fields
        );
        assert_eq!(
            classify(&h(&["Bit", "Name", "Type", "Default", "Description"])),
            TableKind::Fields
        );
        assert_eq!(classify(&h(&["op", "Name", "y"])), TableKind::Other);
    }

    #[test]
    fn widths_and_bits() {
        assert_eq!(width("8"), Width::Bits(8));
        assert_eq!(width("[7:0]"), Width::Bits(8));
        assert_eq!(width("WIDTH"), Width::Expr("WIDTH".into()));
        assert_eq!(width(""), Width::Bits(1));
        assert_eq!(bits("15:8"), (Some(15), Some(8)));
        assert_eq!(bits("[3]"), (Some(3), Some(3)));
    }
}
