`timescale 1ns/1ps
// apb_regfile: register file on an APB3 slave interface. See specs/apb_regfile.md.
module apb_regfile (
    input             pclk,
    input             presetn,
    input             psel,
    input             penable,
    input             pwrite,
    input      [7:0]  paddr,
    input      [31:0] pwdata,
    output reg [31:0] prdata,
    output            pready,
    output reg        pslverr,
    input      [7:0]  events,
    output     [31:0] ctrl
);
  localparam [31:0] ID_VALUE = 32'h52544C31;  // "RTL1"
  localparam A_ID = 8'h00, A_CTRL = 8'h04, A_SCR0 = 8'h08, A_SCR1 = 8'h0C,
             A_SCR2 = 8'h10, A_SCR3 = 8'h14, A_STATUS = 8'h18, A_WCOUNT = 8'h1C;

  reg [31:0] ctrl_r;
  reg [31:0] scratch [0:3];
  reg [7:0] status;
  reg [15:0] wcount;

  assign pready = 1'b1;
  assign ctrl = ctrl_r;

  wire access = psel && penable;
  wire wr = access && pwrite;

  wire mapped = (paddr == A_ID) || (paddr == A_CTRL) || (paddr == A_SCR0) ||
                (paddr == A_SCR1) || (paddr == A_SCR2) || (paddr == A_SCR3) ||
                (paddr == A_STATUS) || (paddr == A_WCOUNT);
  wire read_only = (paddr == A_ID) || (paddr == A_WCOUNT);

  always @* begin
    case (paddr)
      A_ID:     prdata = ID_VALUE;
      A_CTRL:   prdata = ctrl_r;
      A_SCR0:   prdata = scratch[0];
      A_SCR1:   prdata = scratch[1];
      A_SCR2:   prdata = scratch[2];
      A_SCR3:   prdata = scratch[3];
      A_STATUS: prdata = {24'h0, status};
      A_WCOUNT: prdata = {16'h0, wcount};
      default:  prdata = 32'h0;
    endcase
    pslverr = access && (!mapped || (pwrite && read_only));
  end

  always @(posedge pclk or negedge presetn) begin
    if (!presetn) begin
      ctrl_r <= 32'h0;
      scratch[0] <= 32'h0;
      scratch[1] <= 32'h0;
      scratch[2] <= 32'h0;
      scratch[3] <= 32'h0;
      status <= 8'h0;
      wcount <= 16'h0;
    end else begin
      // W1C: a write of 1 clears a bit; an event in the same cycle wins
      if (wr && paddr == A_STATUS) status <= (status & ~pwdata[7:0]) | events;
      else status <= status | events;
      if (wr && mapped && !read_only) begin
        wcount <= wcount + 1'b1;
        case (paddr)
          A_CTRL: ctrl_r <= pwdata;
          A_SCR0: scratch[0] <= pwdata;
          A_SCR1: scratch[1] <= pwdata;
          A_SCR2: scratch[2] <= pwdata;
          A_SCR3: scratch[3] <= pwdata;
          default: ;
        endcase
      end
    end
  end
endmodule
