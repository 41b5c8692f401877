`timescale 1ns/1ps
`include "tb_common.vh"
module pipe_mult_tb;
  `TB_RAND
  parameter WIDTH = 16;
  localparam LATENCY = 3, N = 1000;
  integer errors = 0, checks = 0, issued = 0, got = 0, cycle = 0;
  reg clk, rst, in_valid;
  reg [WIDTH-1:0] a, b;
  reg [2*WIDTH-1:0] expected [0:N-1];
  reg [31:0] issue_cycle [0:N-1];
  wire out_valid;
  wire [2*WIDTH-1:0] p;

  `CLOCK(clk, 5)
  pipe_mult #(.WIDTH(WIDTH)) dut (.clk(clk), .rst(rst), .in_valid(in_valid), .a(a), .b(b), .out_valid(out_valid), .p(p));

  initial begin
    rst = 1; in_valid = 0; a = 0; b = 0;
    repeat (2) @(posedge clk);
    #1 rst = 0;
    while (got < N) begin
      in_valid = (issued < N) && ((urand(0) & 7) != 0);
      a = (issued == 0) ? {WIDTH{1'b1}} : urand(0);
      b = (issued == 0) ? {WIDTH{1'b1}} : urand(0);
      if (in_valid) begin
        expected[issued] = a * b;
        issue_cycle[issued] = cycle;
      end
      @(posedge clk);
      if (in_valid) issued = issued + 1;
      cycle = cycle + 1;
      #1;
      if (out_valid) begin
        checks = checks + 1;
        `CHECK(p === expected[got], ("result %0d: %h, expected %h", got, p, expected[got]))
        `CHECK(cycle - issue_cycle[got] == LATENCY, ("result %0d after %0d cycles, expected %0d", got, cycle - issue_cycle[got], LATENCY))
        got = got + 1;
      end
      if (cycle > 4 * N) $fatal(1, "no progress: %0d of %0d results", got, N);
    end
    `TB_DONE("pipe_mult")
  end
endmodule
