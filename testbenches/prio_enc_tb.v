`timescale 1ns/1ps
`include "tb_common.vh"
module prio_enc_tb;
  localparam N = 8;
  integer errors = 0, checks = 0, v, k, expect_idx;
  reg [N-1:0] req;
  wire [2:0] idx;
  wire valid;

  prio_enc #(.N(N)) dut (.req(req), .idx(idx), .valid(valid));

  initial begin
    for (v = 0; v < (1 << N); v = v + 1) begin
      req = v;
      #1;
      expect_idx = 0;
      for (k = 0; k < N; k = k + 1) if (req[k]) expect_idx = k;
      checks = checks + 1;
      `CHECK(valid === (v != 0), ("req=%b: valid=%b", req, valid))
      if (v != 0) begin
        `CHECK(idx === expect_idx[2:0], ("req=%b: idx=%0d, expected %0d", req, idx, expect_idx))
      end
    end
    `TB_DONE("prio_enc")
  end
endmodule
