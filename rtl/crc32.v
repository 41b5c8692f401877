`timescale 1ns/1ps
// crc32: byte-serial CRC-32 (IEEE 802.3, reflected, init and final XOR 0xFFFFFFFF).
// See specs/crc32.md.
module crc32 (
    input             clk,
    input             rst,
    input             init,
    input             en,
    input      [7:0]  data,
    output     [31:0] crc
);
  localparam [31:0] POLY = 32'hEDB88320;
  reg [31:0] state;

  function [31:0] next_crc(input [31:0] c, input [7:0] byte_in);
    integer k;
    reg [31:0] x;
    begin
      x = c ^ {24'h000000, byte_in};
      for (k = 0; k < 8; k = k + 1)
        x = (x >> 1) ^ (POLY & {32{x[0]}});
      next_crc = x;
    end
  endfunction

  always @(posedge clk) begin
    if (rst || init) state <= 32'hFFFFFFFF;
    else if (en) state <= next_crc(state, data);
  end

  assign crc = ~state;
endmodule
