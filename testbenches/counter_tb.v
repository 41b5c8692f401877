`timescale 1ns/1ps
`include "tb_common.vh"
module counter_tb;
  `TB_RAND
  localparam WIDTH = 4;
  integer errors = 0, checks = 0, i;
  reg clk, rst, en, load, up;
  reg [WIDTH-1:0] d, model;
  wire [WIDTH-1:0] q;
  wire tc;

  `CLOCK(clk, 5)
  counter #(.WIDTH(WIDTH)) dut (.clk(clk), .rst(rst), .en(en), .load(load), .up(up), .d(d), .q(q), .tc(tc));

  initial begin
    rst = 1; en = 0; load = 0; up = 1; d = 0; model = 0;
    @(posedge clk); @(posedge clk);
    #1 rst = 0;
    // count up through the wrap
    en = 1;
    for (i = 0; i < 20; i = i + 1) begin
      @(posedge clk); #1;
      model = model + 1;
      checks = checks + 1;
      `CHECK(q === model, ("up count %0d: q=%0d, expected %0d", i, q, model))
      `CHECK(tc === (model == 4'hF), ("tc=%b at q=%0d", tc, q))
    end
    // random mix of load / enable / direction
    for (i = 0; i < 500; i = i + 1) begin
      load = (urand(0) % 8) == 0;
      en = urand(0);
      up = urand(0);
      d = urand(0);
      @(posedge clk); #1;
      if (load) model = d;
      else if (en) model = up ? model + 1 : model - 1;
      checks = checks + 1;
      `CHECK(q === model, ("step %0d: q=%0d, expected %0d", i, q, model))
      `CHECK(tc === (up ? (model == 4'hF) : (model == 4'h0)), ("step %0d: tc=%b up=%b q=%0d", i, tc, up, q))
    end
    `TB_DONE("counter")
  end
endmodule
