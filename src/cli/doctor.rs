//! `rtlsmith doctor`: every tool rtlsmith drives with its version, the write sandbox, the cache
//! folder and the API keys; exit 3 when a tool is missing.

use std::time::Duration;

use super::{AppError, ExitCode};

/// What is installed and usable: each tool's version, the Landlock sandbox, the cache folder.
pub async fn run() -> Result<ExitCode, AppError> {
    use rtlsmith::process::{self, CommandSpec};
    let mut missing = Vec::new();
    println!("rtlsmith {}", env!("CARGO_PKG_VERSION"));
    let tools: [(&str, &[&str], &str); 7] = [
        (
            "iverilog",
            &["-V"],
            "simulation with Icarus (sim, regress, eval)",
        ),
        ("vvp", &["-V"], "simulation with Icarus"),
        (
            "verilator",
            &["--version"],
            "simulation and lint with Verilator",
        ),
        ("make", &["--version"], "Verilator builds"),
        ("g++", &["--version"], "Verilator builds"),
        ("pdftotext", &["-v"], "PDF specs (ingest)"),
        ("pdfinfo", &["-v"], "PDF specs (ingest)"),
    ];
    for (tool, args, why) in tools {
        match process::find_program(tool) {
            Some(path) => {
                let spec = CommandSpec::new(&path, std::env::temp_dir())
                    .args(args.iter().copied())
                    .timeout(Duration::from_secs(20));
                let v = match process::run(&spec).await {
                    Ok(o) => o.combined().lines().next().unwrap_or("").trim().to_string(),
                    Err(e) => format!("does not run: {e}"),
                };
                println!("  ok       {tool:<10} {v}");
            }
            None => {
                println!("  MISSING  {tool:<10} needed for {why}");
                missing.push(tool);
            }
        }
    }
    println!(
        "  {}  landlock   {}",
        if process::sandbox_supported() {
            "ok     "
        } else {
            "absent "
        },
        if process::sandbox_supported() {
            "simulations cannot write outside their job directories"
        } else {
            "this kernel does not enforce Landlock: simulations run without the write sandbox"
        }
    );
    match rtlsmith::util::default_cache_dir() {
        Some(d) => println!("  ok       cache      {}", d.display()),
        None => println!("  absent   cache      HOME is not set: nothing is cached between runs"),
    }
    for var in ["OPENAI_API_KEY", "ANTHROPIC_API_KEY"] {
        let set = std::env::var_os(var).is_some_and(|v| !v.is_empty());
        println!("  {}  {var}", if set { "set    " } else { "not set" });
    }
    if missing.is_empty() {
        Ok(ExitCode::Success)
    } else {
        Err(AppError {
            code: ExitCode::ToolMissing,
            message: format!("missing: {}", missing.join(", ")),
            hint: "install them with scripts/setup.sh".into(),
        })
    }
}
