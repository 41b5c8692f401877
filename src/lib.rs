/*!
rtlsmith: turns hardware specifications into verified RTL, regression-tests Verilog designs on
Icarus Verilog and Verilator, and evaluates LLMs on VerilogEval and RTLLM.

The library never prints and knows nothing of the command line; the `rtlsmith` binary parses
arguments, calls into these modules, and maps outcomes to exit codes (see [`ExitCode`]).
*/

pub mod process;
pub mod sim;
