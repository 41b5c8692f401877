`timescale 1ns/1ps
`include "tb_common.vh"
module seq_detect_tb;
  `TB_RAND
  integer errors = 0, checks = 0, i, hits = 0, r;
  reg clk, rst, din;
  reg [3:0] hist;
  wire detected;
  localparam [6:0] pattern = 7'b1101101;

  `CLOCK(clk, 5)
  seq_detect dut (.clk(clk), .rst(rst), .din(din), .detected(detected));

  initial begin
    rst = 1; din = 0; hist = 0;
    @(posedge clk); @(posedge clk);
    #1 rst = 0;
    for (i = 0; i < 2000; i = i + 1) begin
      r = urand(0);
      din = (i < 7) ? pattern[i] : r[4];  // starts with 1011011: two overlapping hits
      @(posedge clk); #1;
      hist = {hist[2:0], din};
      checks = checks + 1;
      if (hist == 4'b1011) hits = hits + 1;
      `CHECK(detected === (hist == 4'b1011), ("bit %0d: history %b, detected=%b", i, hist, detected))
    end
    `CHECK(hits > 10, ("only %0d detections in the random stream", hits))
    `TB_DONE("seq_detect")
  end
endmodule
