`timescale 1ns/1ps
`include "tb_common.vh"
module alu_tb;
  `TB_RAND
  parameter WIDTH = 8;
  integer errors = 0, checks = 0, i, o;
  reg [WIDTH-1:0] a, b;
  reg [2:0] op;
  wire [WIDTH-1:0] y;
  wire zero, carry, overflow;

  alu #(.WIDTH(WIDTH)) dut (.a(a), .b(b), .op(op), .y(y), .zero(zero), .carry(carry), .overflow(overflow));

  reg [WIDTH:0] wide;
  reg [WIDTH-1:0] ey;
  reg ec, ev;
  task check_one;
    begin
      #1;
      ec = 0; ev = 0;
      case (op)
        0: begin wide = a + b; ey = wide[WIDTH-1:0]; ec = wide[WIDTH];
                 ev = (a[WIDTH-1] == b[WIDTH-1]) && (ey[WIDTH-1] != a[WIDTH-1]); end
        1: begin wide = {1'b0, a} - {1'b0, b}; ey = wide[WIDTH-1:0]; ec = (a < b);
                 ev = (a[WIDTH-1] != b[WIDTH-1]) && (ey[WIDTH-1] != a[WIDTH-1]); end
        2: ey = a & b;
        3: ey = a | b;
        4: ey = a ^ b;
        5: ey = (b >= WIDTH) ? 0 : a << b;
        6: ey = (b >= WIDTH) ? 0 : a >> b;
        7: ey = ($signed(a) < $signed(b)) ? 1 : 0;
      endcase
      checks = checks + 1;
      `CHECK(y === ey && carry === ec && overflow === ev && zero === (ey == 0),
             ("op=%0d a=%h b=%h: y=%h c=%b v=%b z=%b, expected y=%h c=%b v=%b", op, a, b, y, carry, overflow, zero, ey, ec, ev))
    end
  endtask

  initial begin
    // corner cases for every operation
    for (o = 0; o < 8; o = o + 1) begin
      op = o;
      a = 0; b = 0; check_one;
      a = {WIDTH{1'b1}}; b = 1; check_one;
      a = {1'b0, {(WIDTH-1){1'b1}}}; b = 1; check_one;       // signed overflow on add
      a = {1'b1, {(WIDTH-1){1'b0}}}; b = 1; check_one;       // signed overflow on sub
      a = 5; b = WIDTH; check_one;                            // shift by the full width
    end
    for (i = 0; i < 4000; i = i + 1) begin
      op = urand(0);
      a = urand(0);
      b = (op == 5 || op == 6) ? (urand(0) & 15) : urand(0);
      check_one;
    end
    `TB_DONE("alu")
  end
endmodule
