`timescale 1ns/1ps
`include "tb_common.vh"
module uart_tb;
  `TB_RAND
  localparam CPB = 16;
  integer errors = 0, checks = 0, i, b;
  reg clk, rst, start;
  reg [7:0] data, expected;
  wire tx, busy, done;
  wire [7:0] rx_data, raw_data;
  wire rx_valid, rx_ferr, raw_valid, raw_ferr;
  reg raw_line;

  `CLOCK(clk, 5)
  uart_tx #(.CLKS_PER_BIT(CPB)) utx (.clk(clk), .rst(rst), .start(start), .data(data), .tx(tx), .busy(busy), .done(done));
  uart_rx #(.CLKS_PER_BIT(CPB)) urx (.clk(clk), .rst(rst), .rx(tx), .data(rx_data), .valid(rx_valid), .frame_err(rx_ferr));
  // a second receiver driven bit by bit from the testbench (framing checks)
  uart_rx #(.CLKS_PER_BIT(CPB)) raw (.clk(clk), .rst(rst), .rx(raw_line), .data(raw_data), .valid(raw_valid), .frame_err(raw_ferr));

  task send_raw(input [7:0] value, input stop_bit);
    integer k;
    begin
      raw_line = 0;
      repeat (CPB) @(posedge clk);
      for (k = 0; k < 8; k = k + 1) begin
        raw_line = value[k];
        repeat (CPB) @(posedge clk);
      end
      raw_line = stop_bit;
      repeat (CPB) @(posedge clk);
      raw_line = 1;
      repeat (4 * CPB) @(posedge clk);
    end
  endtask

  // everything the loopback receiver reports is checked against what was sent
  always @(posedge clk) begin
    if (rx_valid) begin
      checks = checks + 1;
      `CHECK(rx_data === expected, ("loopback: received %h, expected %h", rx_data, expected))
    end
    if (rx_ferr) begin
      errors = errors + 1;
      $error("loopback: unexpected framing error");
    end
  end

  integer raw_valid_seen = 0, raw_ferr_seen = 0;
  always @(posedge clk) begin
    if (raw_valid) raw_valid_seen = raw_valid_seen + 1;
    if (raw_ferr) raw_ferr_seen = raw_ferr_seen + 1;
  end

  initial begin
    rst = 1; start = 0; data = 0; raw_line = 1;
    repeat (3) @(posedge clk);
    #1 rst = 0;
    `CHECK(tx === 1'b1, ("line must idle high, tx=%b", tx))
    for (i = 0; i < 24; i = i + 1) begin
      data = (i == 0) ? 8'h55 : (i == 1) ? 8'h00 : (i == 2) ? 8'hFF : urand(0);
      expected = data;
      @(negedge clk) start = 1;
      @(negedge clk) start = 0;
      `CHECK(busy, ("busy must rise after start"))
      wait (done);
      @(posedge clk);
      repeat (2 * CPB) @(posedge clk);
    end
    // a well-formed frame, then one with a broken stop bit
    send_raw(8'hA5, 1'b1);
    checks = checks + 1;
    `CHECK(raw_valid_seen == 1 && raw_data === 8'hA5, ("raw frame: valid seen %0d, data %h", raw_valid_seen, raw_data))
    send_raw(8'h3C, 1'b0);
    checks = checks + 1;
    `CHECK(raw_ferr_seen == 1 && raw_valid_seen == 1, ("bad stop bit: frame errors %0d, valid %0d", raw_ferr_seen, raw_valid_seen))
    `TB_DONE("uart")
  end
endmodule
