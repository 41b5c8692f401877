/*!
rtlsmith: turns hardware specifications into verified RTL, regression-tests Verilog designs on
Icarus Verilog and Verilator, and evaluates LLMs on VerilogEval and RTLLM.

The library never prints and knows nothing of the command line; the `rtlsmith` binary parses
arguments, calls into these modules, and maps outcomes to exit codes.

Layers, each importing only those below it:

- leaves: [`process`] (the one door to child processes), [`hdl`] (Verilog source), [`util`];
- [`sim`] (simulator backends and the driver that judges a run), on `process`;
- [`runner`] (the job scheduler and remembered durations);
- [`regress`], [`suite`], [`spec`], [`llm`], [`prompts`], [`cosim`], [`trace`] (fault
  localization on `sim`, `hdl` and `suite`), and [`eval`] on them (`eval` judges `suite`
  problems, may generate candidates with `llm` — or with the whole [`spec2rtl`] pipeline — and
  trace failures with `trace`), [`spec2rtl`] (`rtlsmith gen`: `spec`, `llm`, `prompts`, `cosim`,
  `sim`, `hdl`), and [`mutate`] (its testbenches are `regress` cases or suite tasks judged by
  `eval`'s judge).
*/

pub mod cosim;
pub mod eval;
pub mod hdl;
pub mod llm;
pub mod mutate;
pub mod process;
pub mod prompts;
pub mod regress;
pub mod repair;
pub mod report;
pub mod runner;
pub mod sim;
pub mod spec;
pub mod spec2rtl;
pub mod suite;
pub mod trace;
pub mod util;
