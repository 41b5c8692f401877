/*!
Spec documents (PDF, Markdown, plain text, HTML) read into a typed, citable [`Spec`].

Each reader turns its format into a flat list of located elements (headings, paragraphs, list
items, tables, captions, code) — PDF through `pdftotext -layout`, page by page, with running
headers, footers and page numbers removed and two-column pages split at their gutter. One
builder then makes the section tree, types the tables it recognises (ports grouped into
interfaces, parameters, registers and their bit fields), keeps figures and equations as
labelled placeholders, and remembers where every element came from (page, line range) so any
later artifact can cite "§3.2, p. 7".
*/

mod build;
mod chunk;
mod html;
mod layout;
mod markdown;
mod pdf;
mod typing;

use build::build;
pub use chunk::{Chunk, chunks, estimate_tokens, search, summary, to_markdown};

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const FORMAT_VERSION: u32 = 1;

/// Where an element came from: page (PDF) and line range (of the page's text, or the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Provenance {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    pub line_start: u32,
    pub line_end: u32,
}

impl Provenance {
    pub fn cite(&self) -> String {
        match self.page {
            Some(p) => format!("p. {p}"),
            None => format!("l. {}", self.line_start),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    In,
    Out,
    InOut,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Width {
    Bits(u32),
    Expr(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Port {
    pub name: String,
    pub direction: Direction,
    pub width: Width,
    pub description: String,
    /// The interface (group) it belongs to: the port table's caption or section.
    pub interface: String,
    pub prov: Provenance,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    pub name: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub ty: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    pub description: String,
    pub prov: Provenance,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    /// As written: `7:0`, `31`, `[15:8]`.
    pub bits: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub msb: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lsb: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reset: Option<String>,
    pub description: String,
    pub prov: Provenance,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Register {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reset: Option<String>,
    pub description: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
    pub prov: Provenance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TableKind {
    Ports,
    Parameters,
    Registers,
    Fields,
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    pub kind: TableKind,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub prov: Provenance,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Block {
    Paragraph {
        text: String,
        prov: Provenance,
    },
    List {
        items: Vec<String>,
        prov: Provenance,
    },
    Table(Table),
    /// A figure kept as a labelled placeholder.
    Figure {
        label: String,
        caption: String,
        prov: Provenance,
    },
    /// An equation kept as a labelled placeholder with its text.
    Equation {
        label: String,
        text: String,
        prov: Provenance,
    },
    Code {
        text: String,
        prov: Provenance,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// `2.1`, `A`, `A.3`; none for unnumbered headings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    pub title: String,
    pub level: u32,
    pub prov: Provenance,
    pub blocks: Vec<Block>,
    pub children: Vec<Section>,
}

impl Section {
    /// `§2.1` or the title.
    pub fn cite(&self) -> String {
        match &self.number {
            Some(n) => format!("§{n}"),
            None => format!("“{}”", self.title),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceInfo {
    pub path: String,
    /// pdf, markdown, text, html
    pub format: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pages: Option<u32>,
    pub reader: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    pub format_version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub source: SourceInfo,
    /// Text before the first heading.
    pub preamble: Vec<Block>,
    pub sections: Vec<Section>,
    pub ports: Vec<Port>,
    pub parameters: Vec<Parameter>,
    pub registers: Vec<Register>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl Spec {
    /// Every section, depth first.
    pub fn all_sections(&self) -> Vec<&Section> {
        fn walk<'a>(s: &'a Section, out: &mut Vec<&'a Section>) {
            out.push(s);
            for c in &s.children {
                walk(c, out);
            }
        }
        let mut out = Vec::new();
        for s in &self.sections {
            walk(s, &mut out);
        }
        out
    }

    /// Interfaces in order of first appearance, with their port counts.
    pub fn interfaces(&self) -> Vec<(String, usize)> {
        let mut v: Vec<(String, usize)> = Vec::new();
        for p in &self.ports {
            match v.iter_mut().find(|(n, _)| *n == p.interface) {
                Some(e) => e.1 += 1,
                None => v.push((p.interface.clone(), 1)),
            }
        }
        v
    }

    pub fn tables(&self) -> Vec<&Table> {
        let mut out = Vec::new();
        let blocks = self.preamble.iter().chain(
            self.all_sections()
                .into_iter()
                .flat_map(|s| s.blocks.iter()),
        );
        for b in blocks {
            if let Block::Table(t) = b {
                out.push(t);
            }
        }
        out
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("spec file not found: {}", .0.display())]
    NotFound(PathBuf),
    #[error("{}: {message}", .path.display())]
    Unreadable {
        path: PathBuf,
        message: String,
        hint: &'static str,
    },
    #[error("{tool} not found on PATH (needed to read PDFs)")]
    ToolMissing { tool: String },
}

impl IngestError {
    pub fn hint(&self) -> &'static str {
        match self {
            IngestError::NotFound(_) => "check the path",
            IngestError::Unreadable { hint, .. } => hint,
            IngestError::ToolMissing { .. } => "install poppler-utils (scripts/setup.sh does)",
        }
    }

    pub(crate) fn unreadable(path: &Path, message: impl Into<String>, hint: &'static str) -> Self {
        IngestError::Unreadable {
            path: path.to_path_buf(),
            message: message.into(),
            hint,
        }
    }
}

/// A located element of a document, before the section tree is built.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Elem {
    Heading {
        level: u32,
        number: Option<String>,
        title: String,
    },
    Para(String),
    Item(String),
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    Caption(String),
    Code(String),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Located {
    pub elem: Elem,
    pub prov: Provenance,
}

/// Read a spec document; the format comes from the extension (`.pdf`, `.md`/`.markdown`,
/// `.html`/`.htm`, anything else as text).
pub fn ingest(path: &Path) -> Result<Spec, IngestError> {
    if !path.is_file() {
        return Err(IngestError::NotFound(path.to_path_buf()));
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let (format, reader, pages, elems, mut warnings) = match ext.as_str() {
        "pdf" => {
            let r = pdf::read(path)?;
            ("pdf", r.reader, Some(r.pages), r.elems, r.warnings)
        }
        "md" | "markdown" => {
            let text = read_text(path)?;
            (
                "markdown",
                "pulldown-cmark".to_string(),
                None,
                markdown::read(&text),
                Vec::new(),
            )
        }
        "html" | "htm" => {
            let text = read_text(path)?;
            (
                "html",
                "scraper".to_string(),
                None,
                html::read(&text),
                Vec::new(),
            )
        }
        _ => {
            let text = read_text(path)?;
            (
                "text",
                "layout analysis".to_string(),
                None,
                layout::read_page(&text, None),
                Vec::new(),
            )
        }
    };
    if elems.is_empty() {
        return Err(IngestError::unreadable(
            path,
            "no text found in the document",
            "check that the file is the spec and not empty",
        ));
    }
    let mut spec = build(elems, &mut warnings);
    spec.source = SourceInfo {
        path: path.display().to_string(),
        format: format.to_string(),
        pages,
        reader,
    };
    spec.warnings = warnings;
    Ok(spec)
}

/// Text files may be in any 8-bit encoding: invalid UTF-8 is read as Latin-1 (every byte is a
/// character), never rejected.
fn read_text(path: &Path) -> Result<String, IngestError> {
    let bytes = std::fs::read(path).map_err(|e| {
        IngestError::unreadable(path, e.to_string(), "check the file's permissions")
    })?;
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => e.into_bytes().iter().map(|&b| b as char).collect(),
    })
}

/// Section numbers: `2`, `2.1`, `A`, `A.1`, `Appendix B`.
pub(crate) fn split_heading(title: &str) -> (Option<String>, String) {
    static NUM: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^(?:(?:Appendix|Annex)\s+([A-Z])(?:[.:]\s*|\s+[-–—]\s+|\s+)|(\d+(?:\.\d+)*|[A-Z](?:\.\d+)+)\.?\s+)(.*)$").unwrap()
    });
    let t = title.trim();
    match NUM.captures(t) {
        Some(c) => {
            let number = c.get(1).or(c.get(2)).map(|m| m.as_str().to_string());
            let rest = c.get(3).map_or("", |m| m.as_str()).trim().to_string();
            if rest.is_empty() {
                (None, t.to_string())
            } else {
                (number, rest)
            }
        }
        None => (None, t.to_string()),
    }
}
