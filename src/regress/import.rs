//! Reading the file lists HDL projects already have, so a regression case does not retype
//! them: FuseSoC CAPI2 `.core` files (filesets and targets) and Bender `Bender.yml` (source
//! groups). YAML through serde_yaml_ng (the maintained fork of serde_yaml).

use std::path::{Path, PathBuf};

use serde_yaml_ng::Value;

use super::filelist::FileList;

fn load(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_yaml_ng::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn is_hdl(file_type: Option<&str>, name: &str) -> bool {
    match file_type {
        Some(t) => t.starts_with("verilogSource") || t.starts_with("systemVerilogSource"),
        None => [".v", ".sv", ".vh", ".svh"]
            .iter()
            .any(|e| name.ends_with(e)),
    }
}

/// What a FuseSoC core's target contributes: its files in fileset order (include files become
/// include directories) and its top level.
pub fn fusesoc(path: &Path, target: Option<&str>) -> Result<(FileList, Option<String>), String> {
    let path = crate::process::absolute(path);
    let doc = load(&path)?;
    let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let err = |m: String| format!("{}: {m}", path.display());
    let targets = doc
        .get("targets")
        .ok_or_else(|| err("no `targets` (is it a CAPI2 core?)".into()))?;
    let name = match target {
        Some(t) => t.to_string(),
        None => ["sim", "default"]
            .into_iter()
            .find(|t| targets.get(*t).is_some())
            .ok_or_else(|| err("no `sim` or `default` target; name one with `target`".into()))?
            .to_string(),
    };
    let t = targets
        .get(&name)
        .ok_or_else(|| err(format!("no target `{name}`")))?;
    let mut filesets: Vec<String> = Vec::new();
    // a target may extend the default one's filesets (`<<: *default` resolves in the YAML)
    if let Some(fs) = t.get("filesets").and_then(Value::as_sequence) {
        filesets.extend(fs.iter().filter_map(Value::as_str).map(str::to_string));
    }
    let toplevel = t.get("toplevel").and_then(|v| {
        v.as_str().map(str::to_string).or_else(|| {
            v.as_sequence()
                .and_then(|s| s.first())
                .and_then(Value::as_str)
                .map(str::to_string)
        })
    });
    let mut fl = FileList::default();
    for fsname in filesets {
        let fs = doc
            .get("filesets")
            .and_then(|f| f.get(&fsname))
            .ok_or_else(|| {
                err(format!(
                    "target `{name}` names fileset `{fsname}`, which is not defined"
                ))
            })?;
        let default_type = fs.get("file_type").and_then(Value::as_str);
        for f in fs
            .get("files")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            // a file is `name` or `{name: {is_include_file: true, include_path: dir, file_type: …}}`
            let (fname, opts) = match f {
                Value::String(s) => (s.clone(), None),
                Value::Mapping(m) => match m.iter().next() {
                    Some((k, v)) => (k.as_str().unwrap_or_default().to_string(), Some(v)),
                    None => continue,
                },
                _ => continue,
            };
            let ftype = opts
                .and_then(|o| o.get("file_type"))
                .and_then(Value::as_str)
                .or(default_type);
            if !is_hdl(ftype, &fname) {
                continue;
            }
            let full = base.join(&fname);
            let include = opts
                .and_then(|o| o.get("is_include_file"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if include {
                let dir = match opts
                    .and_then(|o| o.get("include_path"))
                    .and_then(Value::as_str)
                {
                    Some(p) => base.join(p),
                    None => full
                        .parent()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| base.clone()),
                };
                if !fl.include_dirs.contains(&dir) {
                    fl.include_dirs.push(dir);
                }
            } else {
                if !full.is_file() {
                    return Err(err(format!(
                        "fileset `{fsname}` lists {fname}, which does not exist"
                    )));
                }
                fl.sources.push(full);
            }
        }
    }
    Ok((fl, toplevel))
}

/// What a Bender package contributes: its source groups (groups with a `target` condition are
/// taken when it mentions simulation or test), their include directories and defines, and its
/// exported include directories.
pub fn bender(path: &Path) -> Result<FileList, String> {
    let path = crate::process::absolute(path);
    let doc = load(&path)?;
    let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let mut fl = FileList::default();
    for d in doc
        .get("export_include_dirs")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        if let Some(s) = d.as_str() {
            fl.include_dirs.push(base.join(s));
        }
    }
    fn group(v: &Value, base: &Path, fl: &mut FileList, file: &Path) -> Result<(), String> {
        match v {
            Value::String(s) => {
                let p = base.join(s);
                if !p.is_file() {
                    return Err(format!("{}: source {s} does not exist", file.display()));
                }
                fl.sources.push(p);
            }
            Value::Mapping(_) => {
                if let Some(t) = v.get("target").and_then(Value::as_str) {
                    let t = t.to_lowercase();
                    let wanted = ["sim", "test", "rtl"].iter().any(|w| t.contains(w))
                        && !t.starts_with("not(");
                    if !wanted {
                        return Ok(());
                    }
                }
                for d in v
                    .get("include_dirs")
                    .and_then(Value::as_sequence)
                    .into_iter()
                    .flatten()
                {
                    if let Some(s) = d.as_str() {
                        fl.include_dirs.push(base.join(s));
                    }
                }
                if let Some(m) = v.get("defines").and_then(Value::as_mapping) {
                    for (k, val) in m {
                        let k = k.as_str().unwrap_or_default().to_string();
                        let val = match val {
                            Value::Null => None,
                            Value::String(s) => Some(s.clone()),
                            other => Some(
                                serde_yaml_ng::to_string(other)
                                    .unwrap_or_default()
                                    .trim()
                                    .to_string(),
                            ),
                        };
                        fl.defines.push((k, val));
                    }
                }
                for f in v
                    .get("files")
                    .and_then(Value::as_sequence)
                    .into_iter()
                    .flatten()
                {
                    group(f, base, fl, file)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
    for s in doc
        .get("sources")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        group(s, &base, &mut fl, &path)?;
    }
    if fl.sources.is_empty() {
        return Err(format!("{}: no sources", path.display()));
    }
    Ok(fl)
}

/// Where a path names a project file: `.core` or `Bender.yml`.
pub fn kind_of(p: &str) -> Option<&'static str> {
    let name = Path::new(p).file_name()?.to_string_lossy().to_lowercase();
    if name.ends_with(".core") {
        Some("fusesoc")
    } else if name == "bender.yml" || name == "bender.yaml" {
        Some("bender")
    } else {
        None
    }
}

pub fn read(
    base: &Path,
    p: &str,
    target: Option<&str>,
) -> Result<(FileList, Option<String>), String> {
    let full: PathBuf = base.join(p);
    match kind_of(p) {
        Some("fusesoc") => fusesoc(&full, target),
        Some("bender") => Ok((bender(&full)?, None)),
        _ => Err(format!("{p}: not a .core or Bender.yml")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for f in [
            "rtl/a.v",
            "rtl/b.sv",
            "rtl/defs.vh",
            "tb/tb.sv",
            "doc/readme.md",
        ] {
            let p = d.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        d
    }

    #[test]
    fn fusesoc_core_target_filesets() {
        let d = tree();
        std::fs::write(
            d.path().join("ip.core"),
            "CAPI=2:\nname: ::ip:1.0\nfilesets:\n  rtl:\n    files:\n      - rtl/defs.vh: {is_include_file: true}\n      - rtl/a.v\n      - rtl/b.sv: {file_type: systemVerilogSource}\n      - doc/readme.md: {file_type: user}\n    file_type: verilogSource\n  tb:\n    files: [tb/tb.sv]\n    file_type: systemVerilogSource\ntargets:\n  default: &default\n    filesets: [rtl]\n    toplevel: ip\n  sim:\n    <<: *default\n    filesets: [rtl, tb]\n    toplevel: [tb]\n",
        )
        .unwrap();
        let (fl, top) = fusesoc(&d.path().join("ip.core"), None).unwrap();
        let names: Vec<String> = fl
            .sources
            .iter()
            .map(|p| p.strip_prefix(d.path()).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["rtl/a.v", "rtl/b.sv", "tb/tb.sv"]);
        assert_eq!(fl.include_dirs, vec![d.path().join("rtl")]);
        assert_eq!(top.as_deref(), Some("tb"));
        let (fl, top) = fusesoc(&d.path().join("ip.core"), Some("default")).unwrap();
        assert_eq!((fl.sources.len(), top.as_deref()), (2, Some("ip")));
        assert!(
            fusesoc(&d.path().join("ip.core"), Some("lint"))
                .unwrap_err()
                .contains("no target `lint`")
        );
    }

    #[test]
    fn bender_groups() {
        let d = tree();
        std::fs::write(
            d.path().join("Bender.yml"),
            "package:\n  name: ip\nexport_include_dirs: [rtl]\nsources:\n  - rtl/a.v\n  - target: simulation\n    defines: {SIM: ~, WIDTH: 8}\n    files: [tb/tb.sv]\n  - target: synthesis\n    files: [rtl/b.sv]\n",
        )
        .unwrap();
        let fl = bender(&d.path().join("Bender.yml")).unwrap();
        let names: Vec<String> = fl
            .sources
            .iter()
            .map(|p| p.strip_prefix(d.path()).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["rtl/a.v", "tb/tb.sv"]);
        assert_eq!(
            fl.defines,
            vec![
                ("SIM".to_string(), None),
                ("WIDTH".to_string(), Some("8".to_string()))
            ]
        );
        assert_eq!(fl.include_dirs, vec![d.path().join("rtl")]);
    }
}
