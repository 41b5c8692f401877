`timescale 1ns/1ps
`include "tb_common.vh"
module skid_buffer_tb;
  `TB_RAND
  localparam WIDTH = 16, N = 2000;
  integer errors = 0, checks = 0, sent = 0, got = 0, cycles = 0;
  reg clk, rst, s_valid, m_ready;
  reg [WIDTH-1:0] s_data;
  reg [WIDTH-1:0] stream [0:N-1];
  wire s_ready, m_valid;
  wire [WIDTH-1:0] m_data;
  reg stalled;
  reg [WIDTH-1:0] held;
  integer stall_pct;

  `CLOCK(clk, 5)
  skid_buffer #(.WIDTH(WIDTH)) dut (
      .clk(clk), .rst(rst), .s_valid(s_valid), .s_ready(s_ready), .s_data(s_data),
      .m_valid(m_valid), .m_ready(m_ready), .m_data(m_data));

  initial begin : gen
    integer k;
    for (k = 0; k < N; k = k + 1) stream[k] = urand(0);
  end

  initial begin
    rst = 1; s_valid = 0; m_ready = 0; s_data = 0; stalled = 0; stall_pct = 50;
    repeat (2) @(posedge clk);
    #1 rst = 0;
    while (got < N) begin
      // drive inputs away from the clock edge
      stall_pct = (cycles < 300) ? 0 : (cycles < 600) ? 100 : 40;  // full speed, blocked, random
      if (!s_valid || s_ready) begin
        // a producer may only change data once its word was taken
        s_valid = (sent < N) && ((urand(0) & 3) != 0);
        s_data = s_valid ? stream[sent] : {WIDTH{1'bx}};
      end
      m_ready = ((urand(0) % 100 + 100) % 100) >= stall_pct;
      #1;
      // protocol: a stalled output must hold its word
      if (stalled) begin
        checks = checks + 1;
        `CHECK(m_valid && m_data === held, ("cycle %0d: output changed while stalled (%h -> %h)", cycles, held, m_data))
      end
      @(posedge clk);
      if (s_valid && s_ready) sent = sent + 1;
      if (m_valid && m_ready) begin
        checks = checks + 1;
        `CHECK(m_data === stream[got], ("word %0d: got %h, expected %h", got, m_data, stream[got]))
        got = got + 1;
      end
      stalled = m_valid && !m_ready;
      held = m_data;
      cycles = cycles + 1;
      #1;
      if (cycles > 20 * N) begin
        $fatal(1, "no progress: %0d of %0d words after %0d cycles", got, N, cycles);
      end
    end
    `TB_DONE("skid_buffer")
  end
endmodule
