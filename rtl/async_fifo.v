`timescale 1ns/1ps
// async_fifo: dual-clock FIFO with Gray-coded pointers and two-flop synchronizers.
// See specs/async_fifo.md.
module async_fifo #(
    parameter WIDTH = 8,
    parameter AW    = 4
) (
    input              wclk,
    input              wrst_n,
    input              winc,
    input  [WIDTH-1:0] wdata,
    output reg         wfull,
    input              rclk,
    input              rrst_n,
    input              rinc,
    output [WIDTH-1:0] rdata,
    output reg         rempty
);
  localparam DEPTH = 1 << AW;
  reg [WIDTH-1:0] mem [0:DEPTH-1];

  reg [AW:0] wbin, wgray, rbin, rgray;
  reg [AW:0] rq1_wgray, rq2_wgray;  // write pointer in the read domain
  reg [AW:0] wq1_rgray, wq2_rgray;  // read pointer in the write domain

  wire [AW:0] wbin_next  = wbin + {{AW{1'b0}}, (winc & ~wfull)};
  wire [AW:0] wgray_next = (wbin_next >> 1) ^ wbin_next;
  wire [AW:0] rbin_next  = rbin + {{AW{1'b0}}, (rinc & ~rempty)};
  wire [AW:0] rgray_next = (rbin_next >> 1) ^ rbin_next;

  // write domain
  always @(posedge wclk or negedge wrst_n) begin
    if (!wrst_n) begin
      wbin <= 0;
      wgray <= 0;
      wfull <= 1'b0;
      wq1_rgray <= 0;
      wq2_rgray <= 0;
    end else begin
      wq1_rgray <= rgray;
      wq2_rgray <= wq1_rgray;
      wbin <= wbin_next;
      wgray <= wgray_next;
      // full: the next write pointer equals the read pointer with the two MSBs inverted
      wfull <= (wgray_next == {~wq2_rgray[AW:AW-1], wq2_rgray[AW-2:0]});
    end
  end

  always @(posedge wclk) begin
    if (winc && !wfull) mem[wbin[AW-1:0]] <= wdata;
  end

  // read domain
  always @(posedge rclk or negedge rrst_n) begin
    if (!rrst_n) begin
      rbin <= 0;
      rgray <= 0;
      rempty <= 1'b1;
      rq1_wgray <= 0;
      rq2_wgray <= 0;
    end else begin
      rq1_wgray <= wgray;
      rq2_wgray <= rq1_wgray;
      rbin <= rbin_next;
      rgray <= rgray_next;
      rempty <= (rgray_next == rq2_wgray);
    end
  end

  assign rdata = mem[rbin[AW-1:0]];
endmodule
