`timescale 1ns/1ps
`include "tb_common.vh"
module spi_master_tb;
  `TB_RAND
  localparam WIDTH = 8;
  integer errors = 0, checks = 0, i;
  reg clk, rst, start;
  reg [WIDTH-1:0] tx_data, slave_reply;
  wire [WIDTH-1:0] rx_data;
  wire busy, done, sclk, mosi, cs_n;
  reg miso;

  `CLOCK(clk, 5)
  spi_master #(.WIDTH(WIDTH), .CLK_DIV(3)) dut (
      .clk(clk), .rst(rst), .start(start), .tx_data(tx_data), .rx_data(rx_data),
      .busy(busy), .done(done), .sclk(sclk), .mosi(mosi), .miso(miso), .cs_n(cs_n));

  // SPI mode 0 slave model: shift in MOSI on rising SCLK, drive MISO after falling SCLK
  reg [WIDTH-1:0] s_tx, s_rx;
  integer s_bits;
  always @(negedge cs_n) begin
    s_tx = slave_reply;
    s_rx = 0;
    s_bits = 0;
    miso = s_tx[WIDTH-1];
  end
  always @(posedge sclk) if (!cs_n) begin
    s_rx = {s_rx[WIDTH-2:0], mosi};
    s_bits = s_bits + 1;
  end
  always @(negedge sclk) if (!cs_n) begin
    s_tx = {s_tx[WIDTH-2:0], 1'b0};
    miso = s_tx[WIDTH-1];
  end
  always @(posedge clk) if (cs_n) begin
    `CHECK(sclk === 1'b0, ("SCLK must idle low while CS_n is high"))
  end

  initial begin
    rst = 1; start = 0; tx_data = 0; miso = 0; slave_reply = 0;
    repeat (3) @(posedge clk);
    #1 rst = 0;
    for (i = 0; i < 40; i = i + 1) begin
      tx_data = (i == 0) ? 8'h80 : (i == 1) ? 8'h01 : urand(0);
      slave_reply = urand(0);
      @(negedge clk) start = 1;
      @(negedge clk) start = 0;
      wait (done);
      @(negedge clk);
      checks = checks + 1;
      `CHECK(s_bits == WIDTH, ("transfer %0d: %0d SCLK edges, expected %0d", i, s_bits, WIDTH))
      `CHECK(s_rx === tx_data, ("transfer %0d: slave received %h, master sent %h", i, s_rx, tx_data))
      `CHECK(rx_data === slave_reply, ("transfer %0d: master received %h, slave sent %h", i, rx_data, slave_reply))
      `CHECK(cs_n === 1'b1 && !busy, ("transfer %0d: CS_n/busy not released", i))
      repeat (urand(0) & 7) @(posedge clk);
    end
    `TB_DONE("spi_master")
  end
endmodule
