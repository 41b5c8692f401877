/*!
rtlsmith: turns hardware specifications into verified RTL, regression-tests Verilog designs on
Icarus Verilog and Verilator, and evaluates LLMs on VerilogEval and RTLLM.

The library never prints and knows nothing of the command line; the `rtlsmith` binary parses
arguments, calls into these modules, and maps outcomes to exit codes (see [`ExitCode`]).
*/

pub mod eval;
pub mod llm;
pub mod process;
pub mod prompts;
pub mod regress;
pub mod report;
pub mod sim;
pub mod spec;
pub mod suite;

/// Exit codes of the `rtlsmith` binary (documented in `--help` and the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Everything checked passed.
    Success = 0,
    /// Something checked failed (a test, a lint error, a simulator verdict).
    Failed = 1,
    /// Usage or configuration error: bad arguments, missing input, malformed manifest.
    Usage = 2,
    /// A required tool or credential is missing.
    ToolMissing = 3,
}
