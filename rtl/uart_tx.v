`timescale 1ns/1ps
// uart_tx: 8N1 UART transmitter. See specs/uart.md.
module uart_tx #(
    parameter CLKS_PER_BIT = 16
) (
    input        clk,
    input        rst,
    input        start,
    input  [7:0] data,
    output reg   tx,
    output       busy,
    output reg   done
);
  localparam IDLE = 2'd0, START = 2'd1, DATA = 2'd2, STOP = 2'd3;
  reg [1:0] state;
  reg [15:0] ticks;
  reg [2:0] bit_idx;
  reg [7:0] shreg;

  assign busy = (state != IDLE);

  always @(posedge clk) begin
    if (rst) begin
      state <= IDLE;
      tx <= 1'b1;
      done <= 1'b0;
      ticks <= 0;
      bit_idx <= 0;
      shreg <= 8'h00;
    end else begin
      done <= 1'b0;
      case (state)
        IDLE: begin
          tx <= 1'b1;
          if (start) begin
            shreg <= data;
            tx <= 1'b0;
            ticks <= 0;
            state <= START;
          end
        end
        START: begin
          if (ticks == CLKS_PER_BIT - 1) begin
            ticks <= 0;
            tx <= shreg[0];
            bit_idx <= 0;
            state <= DATA;
          end else ticks <= ticks + 1'b1;
        end
        DATA: begin
          if (ticks == CLKS_PER_BIT - 1) begin
            ticks <= 0;
            if (bit_idx == 3'd7) begin
              tx <= 1'b1;
              state <= STOP;
            end else begin
              bit_idx <= bit_idx + 1'b1;
              tx <= shreg[bit_idx+1'b1];
            end
          end else ticks <= ticks + 1'b1;
        end
        STOP: begin
          if (ticks == CLKS_PER_BIT - 1) begin
            ticks <= 0;
            done <= 1'b1;
            state <= IDLE;
          end else ticks <= ticks + 1'b1;
        end
      endcase
    end
  end
endmodule
