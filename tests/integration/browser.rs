//! Reports as a person sees them: a page loaded in headless Chromium (Debian's `chromium`,
//! which `scripts/setup.sh` installs when missing), its DOM read back after the page's script
//! ran, and a screenshot kept under `target/test-artifacts/`. Without a browser the tests that
//! need one say so and skip, unless `RTLSMITH_REQUIRE_BROWSER` is set (scripts/test.sh sets it
//! when Chromium is installed, so a browser that fails to start fails the suite).

use std::path::{Path, PathBuf};
use std::process::Command;

use regex::Regex;

pub struct Browser {
    exe: PathBuf,
}

/// The browser, or None with a message saying why the test is skipped.
pub fn browser(test: &str) -> Option<Browser> {
    let exe = std::env::var_os("RTLSMITH_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| {
            ["chromium", "chromium-browser", "google-chrome"]
                .iter()
                .find_map(|n| which::which(n).ok())
        });
    match exe {
        Some(exe) => Some(Browser { exe }),
        None if std::env::var_os("RTLSMITH_REQUIRE_BROWSER").is_some() => {
            panic!("{test}: RTLSMITH_REQUIRE_BROWSER is set but no chromium was found")
        }
        None => {
            eprintln!(
                "SKIPPED {test}: no headless browser (install Debian's chromium: scripts/setup.sh does, or set RTLSMITH_CHROMIUM)"
            );
            None
        }
    }
}

/// Where screenshots are kept for people (and CI) to look at.
pub fn artifacts() -> PathBuf {
    let d = crate::common::root().join("target/test-artifacts");
    std::fs::create_dir_all(&d).unwrap();
    d
}

impl Browser {
    fn run(&self, extra: &[String], page: &Path, hash: &str) -> std::process::Output {
        let profile = tempfile::tempdir().unwrap();
        let url = format!(
            "file://{}{}",
            std::fs::canonicalize(page).unwrap().display(),
            hash
        );
        let mut c = Command::new("timeout");
        c.arg("300")
            .arg(&self.exe)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--hide-scrollbars",
                "--virtual-time-budget=10000",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra)
            .arg(url);
        let out = c.output().expect("start the browser");
        assert!(
            out.status.success(),
            "{} failed: {}",
            self.exe.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// The DOM of `page#hash` after its script ran.
    pub fn dom(&self, page: &Path, hash: &str) -> String {
        let out = self.run(&["--dump-dom".into()], page, hash);
        let dom = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            dom.contains("data-ready=\"1\""),
            "the page's script did not run: {}",
            &dom[..dom.len().min(2000)]
        );
        dom
    }

    /// A screenshot of `page#hash`, kept as `target/test-artifacts/NAME.png`.
    pub fn screenshot(&self, page: &Path, hash: &str, name: &str) -> PathBuf {
        let png = artifacts().join(format!("{name}.png"));
        let _ = std::fs::remove_file(&png);
        self.run(
            &[
                format!("--screenshot={}", png.display()),
                "--window-size=1300,2400".into(),
            ],
            page,
            hash,
        );
        let bytes = std::fs::read(&png).expect("a screenshot");
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
            "{}",
            png.display()
        );
        png
    }
}

/// The opening tags of `tag` elements whose attributes match `attrs` (a regex over the tag).
pub fn tags<'a>(dom: &'a str, tag: &str, attrs: &str) -> Vec<&'a str> {
    let re = Regex::new(&format!(r"<{tag}\b[^>]*{attrs}[^>]*>")).unwrap();
    re.find_iter(dom).map(|m| m.as_str()).collect()
}

/// The text of the first `td` whose attributes match `attrs`.
pub fn cell(dom: &str, attrs: &str) -> Option<String> {
    let re = Regex::new(&format!(r"<td\b[^>]*{attrs}[^>]*>(.*?)</td>")).unwrap();
    re.captures(dom).map(|c| {
        Regex::new("<[^>]+>")
            .unwrap()
            .replace_all(&c[1], "")
            .into_owned()
    })
}

/// An attribute's value in an opening tag.
pub fn attr(tag: &str, name: &str) -> Option<String> {
    let re = Regex::new(&format!(r#"\b{name}="([^"]*)""#)).unwrap();
    re.captures(tag).map(|c| c[1].to_string())
}

/// The element with `id`, up to the end of the first `</{tag}>` after it.
pub fn element<'a>(dom: &'a str, tag: &str, id: &str) -> Option<&'a str> {
    let start = dom.find(&format!("id=\"{id}\""))?;
    let start = dom[..start].rfind(&format!("<{tag}"))?;
    let end = dom[start..].find(&format!("</{tag}>"))? + start;
    Some(&dom[start..end])
}
