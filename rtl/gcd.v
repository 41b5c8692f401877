`timescale 1ns/1ps
// gcd: greatest common divisor by repeated subtraction, start/done handshake.
// See specs/gcd.md.
module gcd #(
    parameter WIDTH = 16
) (
    input                  clk,
    input                  rst,
    input                  start,
    input      [WIDTH-1:0] a,
    input      [WIDTH-1:0] b,
    output reg             busy,
    output reg             done,
    output reg [WIDTH-1:0] result
);
  reg [WIDTH-1:0] x, y;

  always @(posedge clk) begin
    if (rst) begin
      busy <= 1'b0;
      done <= 1'b0;
      result <= {WIDTH{1'b0}};
      x <= {WIDTH{1'b0}};
      y <= {WIDTH{1'b0}};
    end else begin
      done <= 1'b0;
      if (!busy) begin
        if (start) begin
          x <= a;
          y <= b;
          busy <= 1'b1;
        end
      end else if (y == 0) begin
        result <= x;
        done <= 1'b1;
        busy <= 1'b0;
      end else if (x >= y) begin
        x <= x - y;
      end else begin
        x <= y;
        y <= x;
      end
    end
  end
endmodule
