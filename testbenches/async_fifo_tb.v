`timescale 1ns/1ps
`include "tb_common.vh"
module async_fifo_tb;
  `TB_RAND
  localparam WIDTH = 8, AW = 3, N = 400;
  integer errors = 0, checks = 0, sent = 0, got = 0;
  reg wclk, rclk, wrst_n, rrst_n, winc, rinc;
  reg [WIDTH-1:0] wdata;
  reg [WIDTH-1:0] sent_data [0:N-1];
  wire [WIDTH-1:0] rdata;
  wire wfull, rempty;

  initial wclk = 0;
  always #5 wclk = ~wclk;     // 100 MHz writer
  initial rclk = 0;
  always #7.3 rclk = ~rclk;   // ~68 MHz reader, unrelated phase

  async_fifo #(.WIDTH(WIDTH), .AW(AW)) dut (
      .wclk(wclk), .wrst_n(wrst_n), .winc(winc), .wdata(wdata), .wfull(wfull),
      .rclk(rclk), .rrst_n(rrst_n), .rinc(rinc), .rdata(rdata), .rempty(rempty));

  // writer: bursts with random gaps
  initial begin
    wrst_n = 0; winc = 0; wdata = 0;
    #23 wrst_n = 1;
    while (sent < N) begin
      @(negedge wclk);
      if (!wfull && (urand(0) % 4 != 0)) begin
        winc = 1;
        wdata = urand(0);
        sent_data[sent] = wdata;
        sent = sent + 1;
      end else winc = 0;
    end
    @(negedge wclk) winc = 0;
  end

  // reader: random pauses, checks order and content
  initial begin
    rrst_n = 0; rinc = 0;
    #31 rrst_n = 1;
    while (got < N) begin
      @(negedge rclk);
      rinc = 0;
      if (!rempty && (urand(0) % 3 != 0)) begin
        checks = checks + 1;
        `CHECK(rdata === sent_data[got], ("word %0d: read %h, expected %h", got, rdata, sent_data[got]))
        rinc = 1;
        got = got + 1;
      end
    end
    @(negedge rclk) rinc = 0;
    repeat (10) @(posedge rclk);
    `CHECK(rempty, ("FIFO not empty after all %0d words were read", N))
    `TB_DONE("async_fifo")
  end

  // a hung FIFO must not hang the run
  initial begin
    #200000;
    $fatal(1, "watchdog: only %0d of %0d words arrived", got, N);
  end
endmodule
