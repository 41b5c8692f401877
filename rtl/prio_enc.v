`timescale 1ns/1ps
// prio_enc: N-input priority encoder, highest index wins. See specs/prio_enc.md.
module prio_enc #(
    parameter N = 8,
    parameter W = (N > 1) ? $clog2(N) : 1
) (
    input      [N-1:0] req,
    output reg [W-1:0] idx,
    output             valid
);
  integer i;
  always @* begin
    idx = {W{1'b0}};
    for (i = 0; i < N; i = i + 1)
      if (req[i]) idx = i[W-1:0];
  end
  assign valid = |req;
endmodule
