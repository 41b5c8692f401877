//! One integration-test binary (link once): snapshot tests over captured tool output and
//! end-to-end runs of the `rtlsmith` binary.

#[path = "integration/browser.rs"]
mod browser;
#[path = "integration/ci_recipes.rs"]
mod ci_recipes;
#[path = "integration/cli.rs"]
mod cli;
#[path = "integration/common.rs"]
mod common;
#[path = "integration/cosim.rs"]
mod cosim;
#[path = "integration/diagnostics.rs"]
mod diagnostics;
#[path = "integration/eval.rs"]
mod eval;
#[path = "integration/gen.rs"]
mod gen_pipeline;
#[path = "integration/hdl.rs"]
mod hdl;
#[path = "integration/html.rs"]
mod html;
#[path = "integration/llm.rs"]
mod llm;
#[path = "integration/mutate.rs"]
mod mutate;
#[path = "integration/prompts.rs"]
mod prompts;
#[path = "integration/reflect.rs"]
mod reflection;
#[path = "integration/repair.rs"]
mod repair;
#[path = "integration/reports.rs"]
mod reports;
#[path = "integration/spec.rs"]
mod spec;
#[path = "integration/trace.rs"]
mod trace;
