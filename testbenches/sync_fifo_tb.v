`timescale 1ns/1ps
`include "tb_common.vh"
module sync_fifo_tb;
  `TB_RAND
  localparam WIDTH = 8, DEPTH = 8;
  integer errors = 0, checks = 0, i, head = 0, tail = 0;
  reg clk, rst, wr_en, rd_en;
  reg [WIDTH-1:0] din;
  reg [WIDTH-1:0] model [0:4095];
  reg expect_read;
  reg [WIDTH-1:0] expect_data;
  wire [WIDTH-1:0] dout;
  wire full, empty;
  wire [3:0] count;

  `CLOCK(clk, 5)
  sync_fifo #(.WIDTH(WIDTH), .DEPTH(DEPTH)) dut (
      .clk(clk), .rst(rst), .wr_en(wr_en), .din(din), .full(full),
      .rd_en(rd_en), .dout(dout), .empty(empty), .count(count));

  initial begin
    rst = 1; wr_en = 0; rd_en = 0; din = 0; expect_read = 0;
    @(posedge clk); @(posedge clk);
    #1 rst = 0;
    `CHECK(empty && !full && count == 0, ("after reset: empty=%b full=%b count=%0d", empty, full, count))
    for (i = 0; i < 3000; i = i + 1) begin
      // phases: fill, drain, then random traffic
      if (i < 12) begin wr_en = 1; rd_en = 0; end
      else if (i < 24) begin wr_en = 0; rd_en = 1; end
      else begin wr_en = urand(0); rd_en = urand(0); end
      din = urand(0);
      checks = checks + 1;
      `CHECK(count == tail - head, ("cycle %0d: count=%0d, model holds %0d", i, count, tail - head))
      `CHECK(full == (tail - head == DEPTH) && empty == (tail == head), ("cycle %0d: full=%b empty=%b with %0d entries", i, full, empty, tail - head))
      expect_read = rd_en && (tail != head);
      if (expect_read) begin expect_data = model[head % 4096]; head = head + 1; end
      if (wr_en && (tail - head + (expect_read ? 1 : 0)) < DEPTH) begin model[tail % 4096] = din; tail = tail + 1; end
      @(posedge clk); #1;
      if (expect_read) begin
        `CHECK(dout === expect_data, ("cycle %0d: dout=%h, expected %h", i, dout, expect_data))
      end
    end
    `TB_DONE("sync_fifo")
  end
endmodule
