// Shared testbench helpers for the bundled designs.
// A testbench declares `integer errors = 0;`, checks with `CHECK, and ends with `TB_DONE.
`ifndef TB_COMMON_VH
`define TB_COMMON_VH

// `CHECK(condition, ("format", args...)) — count and report a mismatch
`define CHECK(cond, msg) \
  if (!(cond)) begin \
    errors = errors + 1; \
    $error msg; \
  end

// print the verdict and end the simulation (a failure ends through $fatal)
`define TB_DONE(name) \
  begin \
    if (errors == 0) $display("PASS: %s (%0d checks)", name, checks); \
    else $fatal(1, "FAIL: %s: %0d of %0d checks failed", name, errors, checks); \
    $finish; \
  end

`define CLOCK(clk, half) initial clk = 1'b0; always #(half) clk = ~clk;

// `TB_RAND declares urand(0): a xorshift32 generator giving the same sequence on every
// simulator (Verilator 5.006's seeded $random(seed) degenerates after a few calls).
`define TB_RAND \
  reg [31:0] rng_state = 32'h2545F491; \
  function [31:0] urand(input integer unused); \
    begin \
      rng_state = rng_state ^ (rng_state << 13); \
      rng_state = rng_state ^ (rng_state >> 17); \
      rng_state = rng_state ^ (rng_state << 5); \
      urand = rng_state; \
    end \
  endfunction

`endif
