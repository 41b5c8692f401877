//! The regression manifest, `rtlsmith.toml`.
//!
//! ```toml
//! [defaults]                       # optional; every key may be overridden per case
//! simulators = ["icarus", "verilator"]
//! timeout = 60                     # seconds of simulation (wall clock)
//! compile_timeout = 300
//! include_dirs = ["rtl/include"]
//! defines = { SIMULATION = true }
//!
//! [[case]]
//! name = "uart"
//! sources = ["rtl/uart_*.v", "testbenches/uart_tb.v"]   # globs, relative to this file;
//!                                  # a `.f` file list adds its sources, +incdir+ and +define+;
//!                                  # a FuseSoC `.core` (with `target = "sim"`) or a `Bender.yml`
//!                                  # adds its files, include dirs, defines (and the core's top)
//! top = "uart_tb"
//! parameters = { BAUD_DIV = 16 }  # integers, or strings holding a Verilog expression
//! defines = { WIDTH = 8, TRACE = true }
//! workdir = "testbenches/data"    # copied into the job dir: $readmemh("x.hex") works
//! pass = "ALL TESTS PASSED"       # optional: a line must match
//! fail = "(?i)mismatch"           # optional: no line may match
//! require_finish = true           # default: the run must end through $finish
//! ```
//!
//! Unknown keys are errors that name the key and its line.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use regex::Regex;
use serde::Deserialize;

use crate::sim::{Design, SimKind, SimOptions};

pub const MANIFEST_NAME: &str = "rtlsmith.toml";

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("no {MANIFEST_NAME} in {} or any folder above it", .0.display())]
    NotFound(PathBuf),
    #[error("cannot read manifest {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid manifest {}: {message}", .path.display())]
    Invalid { path: PathBuf, message: String },
}

impl ManifestError {
    pub fn hint(&self) -> &'static str {
        match self {
            ManifestError::NotFound(_) => {
                "run from a folder with an rtlsmith.toml, or pass --manifest PATH (see README: Manifest)"
            }
            ManifestError::Read { .. } => "check the path given to --manifest",
            ManifestError::Invalid { .. } => {
                "fix the manifest; the keys are listed in the README under Manifest"
            }
        }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    simulators: Option<Vec<SimKind>>,
    timeout: Option<f64>,
    compile_timeout: Option<f64>,
    #[serde(default)]
    include_dirs: Vec<String>,
    #[serde(default)]
    defines: BTreeMap<String, Scalar>,
    require_finish: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: String,
    sources: Vec<String>,
    top: Option<String>,
    /// FuseSoC target of a `.core` in `sources` (default: `sim`, else `default`).
    target: Option<String>,
    #[serde(default)]
    include_dirs: Vec<String>,
    #[serde(default)]
    defines: BTreeMap<String, Scalar>,
    #[serde(default)]
    parameters: BTreeMap<String, Scalar>,
    simulators: Option<Vec<SimKind>>,
    timeout: Option<f64>,
    compile_timeout: Option<f64>,
    workdir: Option<String>,
    pass: Option<String>,
    fail: Option<String>,
    require_finish: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    #[serde(default)]
    defaults: RawDefaults,
    #[serde(default, rename = "case")]
    cases: Vec<RawCase>,
    /// `[llm]` belongs to the LLM layer (crate::llm::config); the regression ignores it.
    #[serde(default)]
    #[expect(dead_code, reason = "read by crate::llm::config, accepted here")]
    llm: Option<toml::Table>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
enum Scalar {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

impl Scalar {
    /// As a define value: `true` means defined without a value; `false` means not defined.
    fn define_value(&self) -> Option<Option<String>> {
        match self {
            Scalar::Bool(true) => Some(None),
            Scalar::Bool(false) => None,
            other => Some(Some(other.verilog())),
        }
    }

    fn verilog(&self) -> String {
        match self {
            Scalar::Bool(b) => if *b { "1" } else { "0" }.to_string(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Str(s) => s.clone(),
        }
    }
}

/// One regression case, resolved: absolute paths, expanded globs, compiled regexes.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub design: Design,
    pub simulators: Vec<SimKind>,
    pub timeout: Duration,
    pub compile_timeout: Duration,
    pub workdir: Option<PathBuf>,
    pub pass: Option<Regex>,
    pub fail: Option<Regex>,
    pub require_finish: bool,
}

impl Case {
    pub fn sim_options(&self) -> SimOptions {
        SimOptions {
            compile_timeout: self.compile_timeout,
            timeout: self.timeout,
            data_dir: self.workdir.clone(),
            pass_regex: self.pass.clone(),
            fail_regex: self.fail.clone(),
            require_finish: self.require_finish,
            ..SimOptions::default()
        }
    }
}

#[derive(Debug, Clone)]
pub struct Manifest {
    pub path: PathBuf,
    pub cases: Vec<Case>,
}

/// Look for `rtlsmith.toml` in `start` and its ancestors.
pub fn find(start: &Path) -> Result<PathBuf, ManifestError> {
    let start = crate::process::absolute(start);
    let mut dir = Some(start.as_path());
    while let Some(d) = dir {
        let candidate = d.join(MANIFEST_NAME);
        if candidate.is_file() {
            return Ok(candidate);
        }
        dir = d.parent();
    }
    Err(ManifestError::NotFound(start))
}

/// Read and resolve a manifest file.
pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
    let path = crate::process::absolute(path);
    let text = std::fs::read_to_string(&path).map_err(|source| ManifestError::Read {
        path: path.clone(),
        source,
    })?;
    parse(&text, &path)
}

/// Parse manifest text; `path` locates relative paths and names the file in errors.
pub fn parse(text: &str, path: &Path) -> Result<Manifest, ManifestError> {
    let invalid = |message: String| ManifestError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    let raw: RawManifest = toml::from_str(text).map_err(|e| invalid(toml_message(&e, text)))?;
    let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let d = &raw.defaults;
    let mut names = HashSet::new();
    let mut cases = Vec::new();
    for rc in &raw.cases {
        let ctx = |m: String| invalid(format!("case `{}`: {m}", rc.name));
        if rc.name.trim().is_empty() {
            return Err(invalid("a case has an empty name".into()));
        }
        if !names.insert(rc.name.clone()) {
            return Err(ctx("duplicate case name".into()));
        }
        if rc.sources.is_empty() {
            return Err(ctx("`sources` is empty".into()));
        }
        let mut sources: Vec<PathBuf> = Vec::new();
        let mut listed_incs: Vec<PathBuf> = Vec::new();
        let mut listed_defs: Vec<(String, Option<String>)> = Vec::new();
        let mut imported_top: Option<String> = None;
        for pat in &rc.sources {
            if super::import::kind_of(pat).is_some() {
                // a FuseSoC core or a Bender package: its files, include dirs, defines, top
                let (fl, top) =
                    super::import::read(&base, pat, rc.target.as_deref()).map_err(&ctx)?;
                for f in fl.sources {
                    if !sources.contains(&f) {
                        sources.push(f);
                    }
                }
                listed_incs.extend(fl.include_dirs);
                listed_defs.extend(fl.defines);
                imported_top = imported_top.or(top);
                continue;
            }
            if pat.ends_with(".f") {
                // a simulator file list: its sources, include dirs and defines
                let fl = super::filelist::read(&base.join(pat)).map_err(&ctx)?;
                for f in fl.sources {
                    if !sources.contains(&f) {
                        sources.push(f);
                    }
                }
                listed_incs.extend(fl.include_dirs);
                listed_defs.extend(fl.defines);
                continue;
            }
            let found = expand(&base, pat).map_err(&ctx)?;
            if found.is_empty() {
                return Err(ctx(format!(
                    "source pattern `{pat}` matches no file (relative to {})",
                    base.display()
                )));
            }
            for f in found {
                if !sources.contains(&f) {
                    sources.push(f);
                }
            }
        }
        let mut include_dirs = Vec::new();
        for inc in d.include_dirs.iter().chain(rc.include_dirs.iter()) {
            let p = base.join(inc);
            if !p.is_dir() {
                return Err(ctx(format!("include dir `{inc}` is not a folder")));
            }
            include_dirs.push(p);
        }
        include_dirs.extend(listed_incs);
        let mut defines: BTreeMap<String, Scalar> = d.defines.clone();
        defines.extend(rc.defines.clone());
        // file-list defines first, so the manifest's own win where both name a macro
        let mut defines: Vec<(String, Option<String>)> = listed_defs
            .into_iter()
            .filter(|(k, _)| !defines.contains_key(k))
            .chain(
                defines
                    .iter()
                    .filter_map(|(k, v)| v.define_value().map(|v| (k.clone(), v))),
            )
            .collect();
        defines.dedup();
        let parameters = rc
            .parameters
            .iter()
            .map(|(k, v)| (k.clone(), v.verilog()))
            .collect();
        let secs = |v: Option<f64>, dflt: f64, what: &str| -> Result<Duration, ManifestError> {
            let s = v.unwrap_or(dflt);
            if !(s > 0.0 && s.is_finite()) {
                return Err(ctx(format!(
                    "`{what}` must be a positive number of seconds"
                )));
            }
            Ok(Duration::from_secs_f64(s))
        };
        let regex = |v: &Option<String>, what: &str| -> Result<Option<Regex>, ManifestError> {
            v.as_deref()
                .map(|r| {
                    Regex::new(r).map_err(|e| ctx(format!("`{what}` is not a valid regex: {e}")))
                })
                .transpose()
        };
        let workdir = match &rc.workdir {
            Some(w) => {
                let p = base.join(w);
                if !p.is_dir() {
                    return Err(ctx(format!("workdir `{w}` is not a folder")));
                }
                Some(p)
            }
            None => None,
        };
        let simulators = rc
            .simulators
            .clone()
            .or_else(|| d.simulators.clone())
            .unwrap_or_else(|| SimKind::ALL.to_vec());
        if simulators.is_empty() {
            return Err(ctx("`simulators` is empty".into()));
        }
        cases.push(Case {
            name: rc.name.clone(),
            design: Design {
                sources,
                include_dirs,
                defines,
                top: Some(rc.top.clone().or(imported_top).ok_or_else(|| {
                    ctx("has no `top` (and no .core target in its sources names one)".into())
                })?),
                parameters,
                extra_args: Vec::new(),
            },
            simulators,
            timeout: secs(rc.timeout.or(d.timeout), 60.0, "timeout")?,
            compile_timeout: secs(
                rc.compile_timeout.or(d.compile_timeout),
                300.0,
                "compile_timeout",
            )?,
            workdir,
            pass: regex(&rc.pass, "pass")?,
            fail: regex(&rc.fail, "fail")?,
            require_finish: rc.require_finish.or(d.require_finish).unwrap_or(true),
        });
    }
    Ok(Manifest {
        path: path.to_path_buf(),
        cases,
    })
}

fn expand(base: &Path, pat: &str) -> Result<Vec<PathBuf>, String> {
    let full = if Path::new(pat).is_absolute() {
        pat.to_string()
    } else {
        format!("{}/{}", glob::Pattern::escape(&base.to_string_lossy()), pat)
    };
    let mut out: Vec<PathBuf> = glob::glob(&full)
        .map_err(|e| format!("bad source pattern `{pat}`: {e}"))?
        .filter_map(Result::ok)
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    Ok(out)
}

/// toml's messages carry line, column and the offending text; keep them on one or two lines.
fn toml_message(e: &toml::de::Error, text: &str) -> String {
    let msg = e.message().trim().to_string();
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            let snippet = text[span.start.min(text.len())..span.end.min(text.len())].trim();
            format!("line {line}: {msg} (at `{snippet}`)")
        }
        None => msg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("rtl dir")).unwrap();
        std::fs::write(d.path().join("rtl dir/a.v"), "").unwrap();
        std::fs::write(d.path().join("rtl dir/b.v"), "").unwrap();
        std::fs::write(d.path().join("tb.v"), "").unwrap();
        d
    }

    #[test]
    fn resolves_globs_defaults_and_overrides() {
        let d = setup();
        let m = parse(
            r#"
[defaults]
timeout = 5
simulators = ["icarus"]
defines = { A = 1, OFF = false }

[[case]]
name = "x"
sources = ["rtl dir/*.v", "tb.v"]
top = "tb"
defines = { B = true, C = "8'hff" }
parameters = { N = 4, S = "\"str\"" }
"#,
            &d.path().join("rtlsmith.toml"),
        )
        .unwrap();
        let c = &m.cases[0];
        assert_eq!(c.design.sources.len(), 3);
        assert!(c.design.sources[0].ends_with("rtl dir/a.v"));
        assert_eq!(c.simulators, vec![SimKind::Icarus]);
        assert_eq!(c.timeout, Duration::from_secs(5));
        assert_eq!(
            c.design.defines,
            vec![
                ("A".into(), Some("1".into())),
                ("B".into(), None),
                ("C".into(), Some("8'hff".into()))
            ]
        );
        assert_eq!(
            c.design.parameters,
            vec![("N".into(), "4".into()), ("S".into(), "\"str\"".into())]
        );
    }

    #[test]
    fn unknown_key_names_key_and_line() {
        let d = setup();
        let e = parse(
            "[[case]]\nname = \"x\"\nsources = [\"tb.v\"]\ntop = \"tb\"\ntimeot = 3\n",
            &d.path().join("rtlsmith.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("line 5") && e.contains("timeot"), "{e}");
    }

    #[test]
    fn unmatched_glob_and_duplicates_are_errors() {
        let d = setup();
        let p = d.path().join("rtlsmith.toml");
        let e = parse(
            "[[case]]\nname = \"x\"\nsources = [\"nope/*.v\"]\ntop = \"tb\"\n",
            &p,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("matches no file"), "{e}");
        let e = parse(
            "[[case]]\nname = \"x\"\nsources = [\"tb.v\"]\ntop = \"tb\"\n[[case]]\nname = \"x\"\nsources = [\"tb.v\"]\ntop = \"tb\"\n",
            &p,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("duplicate"), "{e}");
    }

    #[test]
    fn bad_regex_and_missing_key() {
        let d = setup();
        let p = d.path().join("rtlsmith.toml");
        let e = parse(
            "[[case]]\nname = \"x\"\nsources = [\"tb.v\"]\ntop = \"tb\"\nfail = \"(\"\n",
            &p,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("not a valid regex"), "{e}");
        let e = parse("[[case]]\nname = \"x\"\nsources = [\"tb.v\"]\n", &p)
            .unwrap_err()
            .to_string();
        assert!(e.contains("top"), "{e}");
    }

    #[test]
    fn find_walks_upward() {
        let d = setup();
        std::fs::write(d.path().join(MANIFEST_NAME), "").unwrap();
        let found = find(&d.path().join("rtl dir")).unwrap();
        assert_eq!(found, d.path().join(MANIFEST_NAME));
    }
}
