`timescale 1ns/1ps
// skid_buffer: valid/ready pipeline register with a skid slot; full throughput, registered
// s_ready. See specs/skid_buffer.md.
module skid_buffer #(
    parameter WIDTH = 8
) (
    input              clk,
    input              rst,
    input              s_valid,
    output             s_ready,
    input  [WIDTH-1:0] s_data,
    output             m_valid,
    input              m_ready,
    output [WIDTH-1:0] m_data
);
  reg [WIDTH-1:0] data_r, skid_r;
  reg valid_r, skid_valid;

  assign s_ready = !skid_valid;
  assign m_valid = valid_r;
  assign m_data  = data_r;

  wire in_fire = s_valid && s_ready;

  always @(posedge clk) begin
    if (rst) begin
      valid_r <= 1'b0;
      skid_valid <= 1'b0;
    end else if (!valid_r || m_ready) begin
      // the output register is free this cycle
      if (skid_valid) begin
        data_r <= skid_r;
        valid_r <= 1'b1;
        skid_valid <= 1'b0;
      end else if (in_fire) begin
        data_r <= s_data;
        valid_r <= 1'b1;
      end else valid_r <= 1'b0;
    end else if (in_fire) begin
      // output stalled: park the accepted word
      skid_r <= s_data;
      skid_valid <= 1'b1;
    end
  end
endmodule
