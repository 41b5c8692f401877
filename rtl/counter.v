`timescale 1ns/1ps
// counter: loadable up/down counter with terminal count. See specs/counter.md.
module counter #(
    parameter WIDTH = 8
) (
    input                  clk,
    input                  rst,
    input                  en,
    input                  load,
    input                  up,
    input      [WIDTH-1:0] d,
    output reg [WIDTH-1:0] q,
    output                 tc
);
  always @(posedge clk) begin
    if (rst) q <= {WIDTH{1'b0}};
    else if (load) q <= d;
    else if (en) q <= up ? q + 1'b1 : q - 1'b1;
  end
  assign tc = up ? (q == {WIDTH{1'b1}}) : (q == {WIDTH{1'b0}});
endmodule
