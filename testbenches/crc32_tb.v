`timescale 1ns/1ps
`include "tb_common.vh"
// Reads its check vector with $readmemh by a relative path: the regression runs it with
// workdir = "testbenches/data" so the file is found in the job directory.
module crc32_tb;
  `TB_RAND
  integer errors = 0, checks = 0, i, n;
  reg clk, rst, init, en;
  reg [7:0] data;
  reg [7:0] vec [0:8];
  reg [31:0] model;
  wire [31:0] crc;

  `CLOCK(clk, 5)
  crc32 dut (.clk(clk), .rst(rst), .init(init), .en(en), .data(data), .crc(crc));

  // bit-serial reference model
  function [31:0] ref_step(input [31:0] c, input [7:0] d);
    integer k;
    reg [31:0] x;
    begin
      x = c;
      for (k = 0; k < 8; k = k + 1)
        x = (x >> 1) ^ (`CRC_POLY & {32{x[0] ^ d[k]}});
      ref_step = x;
    end
  endfunction

  initial begin
    rst = 1; init = 0; en = 0; data = 0;
    $readmemh("crc32_vectors.hex", vec);
    @(posedge clk); #1 rst = 0;
    `CHECK(crc === 32'h00000000, ("CRC of the empty message is %h, expected 00000000", crc))
    for (i = 0; i < 9; i = i + 1) begin
      en = 1; data = vec[i];
      @(posedge clk); #1;
    end
    en = 0;
    checks = checks + 1;
    `CHECK(crc === 32'hCBF43926, ("CRC(\"123456789\") = %h, expected cbf43926", crc))
    // random messages against the bit-serial model
    for (n = 0; n < 50; n = n + 1) begin
      init = 1; @(posedge clk); #1 init = 0;
      model = 32'hFFFFFFFF;
      for (i = 0; i < (n % 17) + 1; i = i + 1) begin
        en = (urand(0) & 3) != 0;
        data = urand(0);
        if (en) model = ref_step(model, data);
        @(posedge clk); #1;
      end
      en = 0;
      checks = checks + 1;
      `CHECK(crc === ~model, ("message %0d: crc %h, expected %h", n, crc, ~model))
    end
    `TB_DONE("crc32")
  end
endmodule
