`timescale 1ns/1ps
`include "tb_common.vh"
module apb_regfile_tb;
  `TB_RAND
  integer errors = 0, checks = 0, i;
  reg pclk, presetn, psel, penable, pwrite;
  reg [7:0] paddr, events;
  reg [31:0] pwdata, rdata;
  reg err;
  wire [31:0] prdata, ctrl;
  wire pready, pslverr;
  reg [31:0] shadow [0:3];

  `CLOCK(pclk, 5)
  apb_regfile dut (
      .pclk(pclk), .presetn(presetn), .psel(psel), .penable(penable), .pwrite(pwrite),
      .paddr(paddr), .pwdata(pwdata), .prdata(prdata), .pready(pready), .pslverr(pslverr),
      .events(events), .ctrl(ctrl));

  // APB3 transfer: setup phase, then access phase until PREADY
  task apb(input write, input [7:0] addr, input [31:0] wdata);
    begin
      @(negedge pclk);
      psel = 1; penable = 0; pwrite = write; paddr = addr; pwdata = wdata;
      @(negedge pclk);
      penable = 1;
      #1;
      while (!pready) @(negedge pclk);
      rdata = prdata;
      err = pslverr;
      @(posedge pclk);
      #1 psel = 0; penable = 0;
    end
  endtask

  task expect_read(input [7:0] addr, input [31:0] value);
    begin
      apb(0, addr, 0);
      checks = checks + 1;
      `CHECK(!err && rdata === value, ("read %h: %h (pslverr=%b), expected %h", addr, rdata, err, value))
    end
  endtask

  initial begin
    presetn = 0; psel = 0; penable = 0; pwrite = 0; paddr = 0; pwdata = 0; events = 0;
    repeat (2) @(posedge pclk);
    #1 presetn = 1;
    // reset values
    expect_read(8'h00, 32'h52544C31);
    expect_read(8'h04, 32'h0);
    expect_read(8'h18, 32'h0);
    expect_read(8'h1C, 32'h0);
    // read/write registers
    apb(1, 8'h04, 32'hDEADBEEF);
    expect_read(8'h04, 32'hDEADBEEF);
    checks = checks + 1;
    `CHECK(ctrl === 32'hDEADBEEF, ("ctrl output %h", ctrl))
    for (i = 0; i < 4; i = i + 1) begin
      shadow[i] = urand(0);
      apb(1, 8'h08 + 4 * i, shadow[i]);
    end
    for (i = 0; i < 4; i = i + 1) expect_read(8'h08 + 4 * i, shadow[i]);
    expect_read(8'h1C, 32'd5);
    // read-only and unmapped addresses answer with PSLVERR and change nothing
    apb(1, 8'h00, 32'h0);
    checks = checks + 1;
    `CHECK(err, ("write to ID must set pslverr"))
    expect_read(8'h00, 32'h52544C31);
    apb(0, 8'h40, 32'h0);
    checks = checks + 1;
    `CHECK(err, ("read of unmapped 0x40 must set pslverr"))
    expect_read(8'h1C, 32'd5);
    // STATUS: events set bits, writing 1 clears them
    @(negedge pclk) events = 8'hA5;
    @(negedge pclk) events = 8'h00;
    expect_read(8'h18, 32'hA5);
    apb(1, 8'h18, 32'h05);
    expect_read(8'h18, 32'hA0);
    apb(1, 8'h18, 32'hFF);
    expect_read(8'h18, 32'h00);
    // asynchronous reset clears everything
    #2 presetn = 0;
    #3 presetn = 1;
    expect_read(8'h04, 32'h0);
    expect_read(8'h08, 32'h0);
    `TB_DONE("apb_regfile")
  end
endmodule
