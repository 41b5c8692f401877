`timescale 1ns/1ps
// sync_fifo: single-clock FIFO with registered read data. See specs/sync_fifo.md.
module sync_fifo #(
    parameter WIDTH = 8,
    parameter DEPTH = 16,
    parameter AW    = $clog2(DEPTH)
) (
    input                  clk,
    input                  rst,
    input                  wr_en,
    input      [WIDTH-1:0] din,
    output                 full,
    input                  rd_en,
    output reg [WIDTH-1:0] dout,
    output                 empty,
    output reg [AW:0]      count
);
  reg [WIDTH-1:0] mem [0:DEPTH-1];
  reg [AW-1:0] wp, rp;
  wire do_wr = wr_en && !full;
  wire do_rd = rd_en && !empty;

  always @(posedge clk) begin
    if (rst) begin
      wp <= {AW{1'b0}};
      rp <= {AW{1'b0}};
      count <= {(AW + 1){1'b0}};
    end else begin
      if (do_wr) begin
        mem[wp] <= din;
        wp <= wp + 1'b1;
      end
      if (do_rd) begin
        dout <= mem[rp];
        rp <= rp + 1'b1;
      end
      case ({do_wr, do_rd})
        2'b10: count <= count + 1'b1;
        2'b01: count <= count - 1'b1;
        default: count <= count;
      endcase
    end
  end

  assign full  = (count == DEPTH);
  assign empty = (count == 0);
endmodule
