`timescale 1ns/1ps
`include "tb_common.vh"
module gcd_tb;
  `TB_RAND
  localparam WIDTH = 16;
  integer errors = 0, checks = 0, i;
  reg clk, rst, start;
  reg [WIDTH-1:0] a, b;
  wire busy, done;
  wire [WIDTH-1:0] result;

  `CLOCK(clk, 5)
  gcd #(.WIDTH(WIDTH)) dut (.clk(clk), .rst(rst), .start(start), .a(a), .b(b), .busy(busy), .done(done), .result(result));

  function [WIDTH-1:0] model(input [WIDTH-1:0] x, input [WIDTH-1:0] y);
    reg [WIDTH-1:0] t;
    begin
      while (y != 0) begin
        t = x % y;
        x = y;
        y = t;
      end
      model = x;
    end
  endfunction

  task run_one(input [WIDTH-1:0] x, input [WIDTH-1:0] y);
    begin
      a = x; b = y;
      @(negedge clk) start = 1;
      @(negedge clk) start = 0;
      wait (done);
      #1;
      checks = checks + 1;
      `CHECK(result === model(x, y), ("gcd(%0d, %0d) = %0d, expected %0d", x, y, result, model(x, y)))
      @(negedge clk);
    end
  endtask

  initial begin
    rst = 1; start = 0; a = 0; b = 0;
    repeat (2) @(posedge clk);
    #1 rst = 0;
    run_one(0, 0);
    run_one(0, 9);
    run_one(12, 0);
    run_one(48, 18);
    run_one(17, 5);
    run_one(1071, 462);
    run_one(1000, 1);
    for (i = 0; i < 60; i = i + 1)
      run_one((urand(0) & 16'h0FFF) * 3, (urand(0) & 16'h0FFF) * 3);
    `TB_DONE("gcd")
  end
endmodule
