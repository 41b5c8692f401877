`timescale 1ns/1ps
// uart_rx: 8N1 UART receiver, samples each bit in its middle. See specs/uart.md.
module uart_rx #(
    parameter CLKS_PER_BIT = 16
) (
    input            clk,
    input            rst,
    input            rx,
    output reg [7:0] data,
    output reg       valid,
    output reg       frame_err
);
  localparam IDLE = 2'd0, START = 2'd1, DATA = 2'd2, STOP = 2'd3;
  reg [1:0] state;
  reg [15:0] ticks;
  reg [2:0] bit_idx;
  reg [7:0] shreg;
  reg rx_q1, rx_q2;  // two-flop synchronizer

  always @(posedge clk) begin
    if (rst) begin
      rx_q1 <= 1'b1;
      rx_q2 <= 1'b1;
    end else begin
      rx_q1 <= rx;
      rx_q2 <= rx_q1;
    end
  end

  always @(posedge clk) begin
    if (rst) begin
      state <= IDLE;
      ticks <= 0;
      bit_idx <= 0;
      shreg <= 8'h00;
      data <= 8'h00;
      valid <= 1'b0;
      frame_err <= 1'b0;
    end else begin
      valid <= 1'b0;
      frame_err <= 1'b0;
      case (state)
        IDLE: begin
          ticks <= 0;
          if (!rx_q2) state <= START;
        end
        START: begin
          // confirm the start bit in its middle
          if (ticks == (CLKS_PER_BIT / 2) - 1) begin
            ticks <= 0;
            if (!rx_q2) begin
              bit_idx <= 0;
              state <= DATA;
            end else state <= IDLE;
          end else ticks <= ticks + 1'b1;
        end
        DATA: begin
          if (ticks == CLKS_PER_BIT - 1) begin
            ticks <= 0;
            shreg <= {rx_q2, shreg[7:1]};
            if (bit_idx == 3'd7) state <= STOP;
            else bit_idx <= bit_idx + 1'b1;
          end else ticks <= ticks + 1'b1;
        end
        STOP: begin
          if (ticks == CLKS_PER_BIT - 1) begin
            ticks <= 0;
            state <= IDLE;
            if (rx_q2) begin
              data <= shreg;
              valid <= 1'b1;
            end else frame_err <= 1'b1;
          end else ticks <= ticks + 1'b1;
        end
      endcase
    end
  end
endmodule
