//! The `rtlsmith` binary: parses the command line, runs the one command asked for (each lives
//! in its own file under `cli/`), prints any error with a hint, and exits with the command's
//! code (0 passed, 1 failed, 2 usage or configuration, 3 missing tool, 130 interrupted).

mod cli;

use std::io::Write;

use clap::Parser;

fn main() {
    // a closed pipe (`rtlsmith suite list … | head`) ends the program quietly, as for any filter
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let args = cli::Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let outcome = rt.block_on(async {
        // Children run in their own process groups, so Ctrl-C reaches only us: take them down
        // before leaving.
        tokio::spawn(async {
            if tokio::signal::ctrl_c().await.is_ok() {
                rtlsmith::process::kill_all_children();
                eprintln!("rtlsmith: interrupted; stopped all simulator processes");
                std::process::exit(130);
            }
        });
        if !rtlsmith::process::sandbox_supported() {
            eprintln!(
                "warning: this kernel does not enforce Landlock; simulations can write outside their job directories"
            );
        }
        cli::dispatch(args.command).await
    });
    let code = match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", e.message);
            if !e.hint.is_empty() {
                eprintln!("  hint: {}", e.hint);
            }
            e.code
        }
    };
    let _ = std::io::stdout().flush();
    std::process::exit(code as i32);
}
