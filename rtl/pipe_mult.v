`timescale 1ns/1ps
// pipe_mult: three-stage pipelined unsigned multiplier, one result per cycle.
// See specs/pipe_mult.md.
module pipe_mult #(
    parameter WIDTH = 16
) (
    input                    clk,
    input                    rst,
    input                    in_valid,
    input      [WIDTH-1:0]   a,
    input      [WIDTH-1:0]   b,
    output reg               out_valid,
    output reg [2*WIDTH-1:0] p
);
  localparam H = WIDTH / 2;
  // stage 1: register the operands
  reg [WIDTH-1:0] a1, b1;
  reg v1;
  // stage 2: two partial products (low and high half of b)
  reg [WIDTH+H-1:0] lo2;
  reg [2*WIDTH-H-1:0] hi2;
  reg v2;

  always @(posedge clk) begin
    if (rst) begin
      v1 <= 1'b0;
      v2 <= 1'b0;
      out_valid <= 1'b0;
    end else begin
      v1 <= in_valid;
      v2 <= v1;
      out_valid <= v2;
    end
    a1  <= a;
    b1  <= b;
    lo2 <= a1 * b1[H-1:0];
    hi2 <= a1 * b1[WIDTH-1:H];
    p   <= {{(WIDTH - H){1'b0}}, lo2} + ({{H{1'b0}}, hi2} << H);
  end
endmodule
