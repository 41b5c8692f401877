//! A design from command-line style inputs — source files, simulator file lists (`-f`),
//! include folders (`-I`), macros (`-D NAME[=VALUE]`) and parameter overrides
//! (`-G NAME=VALUE`) — as `rtlsmith lint` and `rtlsmith sim` take them. (A manifest's cases are
//! built from the same parts in [`super::manifest`].)

use std::path::PathBuf;

use crate::process::absolute;
use crate::sim::Design;

/// The inputs, as given.
#[derive(Debug, Clone, Default)]
pub struct DesignInputs {
    pub files: Vec<PathBuf>,
    pub filelists: Vec<PathBuf>,
    pub include_dirs: Vec<PathBuf>,
    /// `NAME` or `NAME=VALUE`.
    pub defines: Vec<String>,
    pub top: Option<String>,
    /// `NAME=VALUE`.
    pub params: Vec<String>,
}

/// A bad input: what is wrong and what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct DesignError {
    pub message: String,
    pub hint: &'static str,
}

fn bad(message: String, hint: &'static str) -> DesignError {
    DesignError { message, hint }
}

impl DesignInputs {
    /// Check every path and build the design (paths made absolute, file lists expanded).
    pub fn build(&self) -> Result<Design, DesignError> {
        let mut sources = Vec::new();
        for f in &self.files {
            if !f.is_file() {
                return Err(bad(
                    format!("input file not found: {}", f.display()),
                    "check the path; files are relative to the current directory",
                ));
            }
            sources.push(absolute(f));
        }
        let mut include_dirs = Vec::new();
        for d in &self.include_dirs {
            if !d.is_dir() {
                return Err(bad(
                    format!("include directory not found: {}", d.display()),
                    "pass an existing folder to -I",
                ));
            }
            include_dirs.push(absolute(d));
        }
        let mut defines: Vec<(String, Option<String>)> = Vec::new();
        for f in &self.filelists {
            let fl = super::filelist::read(f).map_err(|e| {
                bad(
                    e,
                    "a file list holds sources, +incdir+DIR, +define+NAME=VAL and -f FILE",
                )
            })?;
            sources.extend(fl.sources);
            include_dirs.extend(fl.include_dirs);
            defines.extend(fl.defines);
        }
        defines.extend(self.defines.iter().map(|d| match d.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (d.clone(), None),
        }));
        let mut parameters = Vec::new();
        for p in &self.params {
            let Some((k, v)) = p.split_once('=') else {
                return Err(bad(
                    format!("parameter override `{p}` has no value"),
                    "write it as -G NAME=VALUE",
                ));
            };
            parameters.push((k.trim().to_string(), v.trim().to_string()));
        }
        Ok(Design {
            sources,
            include_dirs,
            defines,
            top: self.top.clone(),
            parameters,
            extra_args: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_names_what_is_wrong() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("a.v");
        std::fs::write(&f, "module a; endmodule\n").unwrap();
        let ok = DesignInputs {
            files: vec![f.clone()],
            include_dirs: vec![d.path().to_path_buf()],
            defines: vec!["A".into(), "B=2".into()],
            top: Some("a".into()),
            params: vec!["W = 8".into()],
            ..DesignInputs::default()
        }
        .build()
        .unwrap();
        assert_eq!(ok.sources, [f]);
        assert_eq!(
            ok.defines,
            [
                ("A".to_string(), None),
                ("B".to_string(), Some("2".to_string()))
            ]
        );
        assert_eq!(ok.parameters, [("W".to_string(), "8".to_string())]);
        let e = DesignInputs {
            files: vec![d.path().join("missing.v")],
            ..DesignInputs::default()
        }
        .build()
        .unwrap_err();
        assert!(e.message.contains("missing.v"), "{e}");
        let e = DesignInputs {
            params: vec!["W".into()],
            ..DesignInputs::default()
        }
        .build()
        .unwrap_err();
        assert_eq!(e.hint, "write it as -G NAME=VALUE");
    }
}
