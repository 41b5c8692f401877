//! The C++ golden model and its contract (README: *Co-simulation*): `struct Model` with one
//! public field per port but the clock, wide enough for it; `eval()`, and `tick()` for a design
//! with a clock. The contract is checked by the C++ compiler itself — a probe program asks, port
//! by port, whether `Model` has the field and how wide its type is — so any way of declaring
//! the fields works, and what is wrong is named before anything is simulated.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use super::{CosimError, Port};
use crate::process::{self, CommandSpec, Limits};

/// The C++ helpers every generated program shares: the width of a field's type (0 when the
/// field is missing, -1 when its type is not one the contract allows).
pub fn traits_source(ports: &[&Port], clock: Option<&str>) -> String {
    let mut s = String::from(
        r#"#include <array>
#include <cstdint>
#include <type_traits>
#include <utility>
namespace rtlsmith_cosim {
template <class T> struct bits {
  static constexpr int value = std::is_same<T, bool>::value ? 1
      : (std::is_integral<T>::value && std::is_unsigned<T>::value) ? int(8 * sizeof(T)) : -1;
};
template <std::size_t N> struct bits<std::array<uint32_t, N>> { static constexpr int value = int(32 * N); };
template <class T, class = void> struct has_eval : std::false_type {};
template <class T> struct has_eval<T, std::void_t<decltype(std::declval<T&>().eval())>> : std::true_type {};
template <class T, class = void> struct has_tick : std::false_type {};
template <class T> struct has_tick<T, std::void_t<decltype(std::declval<T&>().tick())>> : std::true_type {};
"#,
    );
    let names = ports
        .iter()
        .map(|p| p.name.as_str())
        .chain(clock)
        .collect::<Vec<_>>();
    for n in names {
        let _ = writeln!(
            s,
            "template <class T, class = void> struct w_{n} {{ static constexpr int value = 0; }};\n\
             template <class T> struct w_{n}<T, std::void_t<decltype(std::declval<T&>().{n})>> {{\n  \
             static constexpr int value = bits<std::remove_cv_t<std::remove_reference_t<decltype(std::declval<T&>().{n})>>>::value;\n}};"
        );
    }
    s.push_str("}  // namespace rtlsmith_cosim\n");
    s
}

/// What the probe found of the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelShape {
    /// (port, width of the field: 0 missing, -1 a type the contract does not allow)
    pub fields: Vec<(String, i64)>,
    pub clock_field: bool,
    pub has_eval: bool,
    pub has_tick: bool,
}

/// Compile and run the probe in `dir`; a model that does not compile is the model's fault.
pub async fn probe(
    model: &Path,
    ports: &[&Port],
    clock: Option<&str>,
    dir: &Path,
) -> Result<ModelShape, CosimError> {
    let mut src = format!("#include \"{}\"\n", model.display());
    src.push_str(&traits_source(ports, clock));
    src.push_str("#include <cstdio>\nint main() {\n  using namespace rtlsmith_cosim;\n");
    for p in ports {
        let _ = writeln!(
            src,
            "  std::printf(\"field {0} %d\\n\", w_{0}<Model>::value);",
            p.name
        );
    }
    if let Some(c) = clock {
        let _ = writeln!(src, "  std::printf(\"clock %d\\n\", w_{c}<Model>::value);");
    }
    src.push_str(
        "  std::printf(\"eval %d\\n\", int(has_eval<Model>::value));\n  \
         std::printf(\"tick %d\\n\", int(has_tick<Model>::value));\n  Model m; (void)m;\n}\n",
    );
    let probe = dir.join("probe.cpp");
    std::fs::write(&probe, src).map_err(|e| CosimError::io(&probe, e))?;
    let exe = dir.join("probe");
    let out = compile(&probe, &exe, dir).await?;
    if !out.exit.success() {
        return Err(CosimError::ModelCompile {
            model: model.to_path_buf(),
            messages: compiler_messages(&out.combined(), model),
        });
    }
    let run = process::run(
        &CommandSpec::new(&exe, dir)
            .cpu_timeout(Duration::from_secs(10))
            .limits(Limits::for_simulation())
            .sandbox_writes(vec![dir.to_path_buf()]),
    )
    .await
    .map_err(CosimError::Process)?;
    let text = run.stdout.text();
    let mut shape = ModelShape {
        fields: Vec::new(),
        clock_field: false,
        has_eval: false,
        has_tick: false,
    };
    for line in text.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        match w.as_slice() {
            ["field", name, v] => shape
                .fields
                .push((name.to_string(), v.parse().unwrap_or(-1))),
            ["clock", v] => shape.clock_field = *v != "0",
            ["eval", v] => shape.has_eval = *v == "1",
            ["tick", v] => shape.has_tick = *v == "1",
            _ => {}
        }
    }
    Ok(shape)
}

/// Check the shape against the contract; every problem named, ports in order.
pub fn check(shape: &ModelShape, ports: &[&Port], clock: Option<&str>) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    for p in ports {
        let w = shape
            .fields
            .iter()
            .find(|(n, _)| *n == p.name)
            .map_or(0, |f| f.1);
        let dir = if p.input { "input" } else { "output" };
        let want = if p.width <= 64 {
            "an unsigned integer type (bool, uint8_t … uint64_t)".to_string()
        } else {
            format!("std::array<uint32_t, {}>", p.width.div_ceil(32))
        };
        match w {
            0 => problems.push(format!(
                "port {} ({dir}, {} bit(s)) has no field in struct Model: add `{}` of {want}",
                p.name, p.width, p.name
            )),
            -1 => problems.push(format!(
                "field {} has a type the contract does not allow: use {want}",
                p.name
            )),
            w if w < i64::from(p.width) => problems.push(format!(
                "field {} is {w} bit(s) wide but port {} is {} bit(s): use {want}",
                p.name, p.name, p.width
            )),
            w if p.width > 64 && w != i64::from(p.width.div_ceil(32) * 32) => {
                problems.push(format!("field {} must be {want}", p.name))
            }
            _ => {}
        }
    }
    if let Some(c) = clock
        && shape.clock_field
    {
        problems.push(format!(
            "field {c} is the clock, which the harness drives through tick(): remove it from struct Model"
        ));
    }
    if !shape.has_eval {
        problems.push("struct Model has no `void eval()`".into());
    }
    match (clock, shape.has_tick) {
        (Some(c), false) => problems.push(format!(
            "struct Model has no `void tick()`, but the design has a clock ({c})"
        )),
        (None, true) => problems.push(
            "struct Model has `tick()` but the design has no clock (give it with --clock)".into(),
        ),
        _ => {}
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// `g++ -std=c++17 -O2` of one source into `exe`, under the process layer's limits.
pub async fn compile(src: &Path, exe: &Path, dir: &Path) -> Result<process::Output, CosimError> {
    let gxx = process::find_program("g++").ok_or(CosimError::ToolMissing("g++"))?;
    process::run(
        &CommandSpec::new(gxx, dir)
            .args(["-std=c++17", "-O2", "-o"])
            .arg(exe)
            .arg(src)
            .cpu_timeout(Duration::from_secs(120))
            .limits(Limits::for_compile())
            .env("TMPDIR", dir)
            .sandbox_writes(vec![dir.to_path_buf()]),
    )
    .await
    .map_err(CosimError::Process)
}

/// g++'s messages about the model file (file:line: error …), or all of them if none names it.
pub fn compiler_messages(text: &str, model: &Path) -> Vec<String> {
    let name = model.display().to_string();
    let about: Vec<String> = text
        .lines()
        .filter(|l| l.contains(": error") || l.contains(": fatal error"))
        .map(str::to_string)
        .collect();
    let mine: Vec<String> = about
        .iter()
        .filter(|l| l.starts_with(&name))
        .cloned()
        .collect();
    let pick = if mine.is_empty() { about } else { mine };
    if pick.is_empty() {
        text.lines().take(10).map(str::to_string).collect()
    } else {
        pick.into_iter().take(10).collect()
    }
}
