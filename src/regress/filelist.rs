//! `.f` file lists, as every simulator accepts them: one source per line, `+incdir+DIR[+DIR]`,
//! `+define+NAME[=VAL][+…]`, `-f`/`-F FILE` for nested lists, `-v FILE` for library files,
//! `//` and `#` comments, `$VAR` / `${VAR}` from the environment. Relative paths are taken from
//! the list's own folder (what `-F` means; most projects write lists that work either way).

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileList {
    pub sources: Vec<PathBuf>,
    pub include_dirs: Vec<PathBuf>,
    pub defines: Vec<(String, Option<String>)>,
}

fn expand_env(s: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, len) = if let Some(inner) = after.strip_prefix('{') {
            let end = inner
                .find('}')
                .ok_or_else(|| format!("unclosed ${{ in `{s}`"))?;
            (&inner[..end], end + 2)
        } else {
            let end = after
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        let v = std::env::var(name)
            .map_err(|_| format!("environment variable {name} is not set (used in `{s}`)"))?;
        out.push_str(&v);
        rest = &after[len..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Read a file list (and the lists it includes).
pub fn read(path: &Path) -> Result<FileList, String> {
    let mut fl = FileList::default();
    read_into(&crate::process::absolute(path), &mut fl, 0)?;
    Ok(fl)
}

fn read_into(path: &Path, fl: &mut FileList, depth: usize) -> Result<(), String> {
    if depth > 16 {
        return Err(format!(
            "{}: file lists nested more than 16 deep (a cycle?)",
            path.display()
        ));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read file list {}: {e}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let resolve = |p: &str| -> Result<PathBuf, String> {
        let p = expand_env(p)?;
        let pb = PathBuf::from(&p);
        Ok(if pb.is_absolute() { pb } else { base.join(pb) })
    };
    let mut tokens = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = match (line.find("//"), line.find('#')) {
            (Some(a), Some(b)) => &line[..a.min(b)],
            (Some(a), None) | (None, Some(a)) => &line[..a],
            (None, None) => line,
        };
        tokens.extend(line.split_whitespace().map(|t| (n + 1, t.to_string())));
    }
    let mut it = tokens.into_iter();
    while let Some((n, t)) = it.next() {
        let at = |m: String| format!("{}:{n}: {m}", path.display());
        if let Some(dirs) = t.strip_prefix("+incdir+") {
            for d in dirs.split('+').filter(|d| !d.is_empty()) {
                fl.include_dirs.push(resolve(d).map_err(at)?);
            }
        } else if let Some(defs) = t.strip_prefix("+define+") {
            for d in defs.split('+').filter(|d| !d.is_empty()) {
                let d = expand_env(d).map_err(at)?;
                fl.defines.push(match d.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string())),
                    None => (d, None),
                });
            }
        } else if t == "-f" || t == "-F" || t == "-v" {
            let (_, arg) = it.next().ok_or_else(|| at(format!("{t} needs a file")))?;
            let p = resolve(&arg).map_err(at)?;
            if t == "-v" {
                fl.sources.push(p);
            } else {
                read_into(&p, fl, depth + 1)?;
            }
        } else if let Some(d) = t.strip_prefix("-I").filter(|d| !d.is_empty()) {
            fl.include_dirs.push(resolve(d).map_err(at)?);
        } else if t.starts_with('-') || t.starts_with('+') {
            return Err(at(format!(
                "option `{t}` is not supported in file lists (use +incdir+, +define+, -f, -F, -v)"
            )));
        } else {
            let p = resolve(&t).map_err(at)?;
            if !p.is_file() {
                return Err(at(format!("source {} not found", p.display())));
            }
            fl.sources.push(p);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_lists_with_options() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("rtl/inc")).unwrap();
        std::fs::write(d.path().join("rtl/a.v"), "").unwrap();
        std::fs::write(d.path().join("rtl/b.sv"), "").unwrap();
        std::fs::write(d.path().join("rtl/lib.v"), "").unwrap();
        std::fs::write(
            d.path().join("rtl/inner.f"),
            "b.sv // the second file\n-v lib.v\n",
        )
        .unwrap();
        // SAFETY (test): set before the list is read; nothing else reads it concurrently.
        unsafe { std::env::set_var("RTLSMITH_TEST_ROOT", d.path()) };
        std::fs::write(
            d.path().join("top.f"),
            "# a project\n+incdir+rtl/inc\n+define+WIDTH=8+FAST\nrtl/a.v\n-F rtl/inner.f\n${RTLSMITH_TEST_ROOT}/rtl/a.v\n",
        )
        .unwrap();
        let fl = read(&d.path().join("top.f")).unwrap();
        let names: Vec<String> = fl
            .sources
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.v", "b.sv", "lib.v", "a.v"]);
        assert_eq!(fl.include_dirs, vec![d.path().join("rtl/inc")]);
        assert_eq!(
            fl.defines,
            vec![
                ("WIDTH".to_string(), Some("8".to_string())),
                ("FAST".to_string(), None)
            ]
        );
    }

    #[test]
    fn errors_name_the_line() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("x.f"), "\n\nmissing.v\n").unwrap();
        let e = read(&d.path().join("x.f")).unwrap_err();
        assert!(e.contains("x.f:3") && e.contains("missing.v"), "{e}");
        std::fs::write(d.path().join("y.f"), "-y libdir\n").unwrap();
        assert!(
            read(&d.path().join("y.f"))
                .unwrap_err()
                .contains("not supported")
        );
    }
}
