`timescale 1ns/1ps
// spi_master: SPI mode 0 (CPOL=0, CPHA=0) master, MSB first. See specs/spi_master.md.
module spi_master #(
    parameter WIDTH   = 8,
    parameter CLK_DIV = 4
) (
    input                  clk,
    input                  rst,
    input                  start,
    input      [WIDTH-1:0] tx_data,
    output reg [WIDTH-1:0] rx_data,
    output reg             busy,
    output reg             done,
    output reg             sclk,
    output reg             mosi,
    input                  miso,
    output reg             cs_n
);
  reg [15:0] cnt;
  reg [WIDTH-1:0] tx_sh, rx_sh;
  reg [15:0] bits;

  always @(posedge clk) begin
    if (rst) begin
      busy <= 1'b0;
      done <= 1'b0;
      sclk <= 1'b0;
      mosi <= 1'b0;
      cs_n <= 1'b1;
      cnt <= 0;
      bits <= 0;
      tx_sh <= {WIDTH{1'b0}};
      rx_sh <= {WIDTH{1'b0}};
      rx_data <= {WIDTH{1'b0}};
    end else begin
      done <= 1'b0;
      if (!busy) begin
        if (start) begin
          busy <= 1'b1;
          cs_n <= 1'b0;
          sclk <= 1'b0;
          tx_sh <= tx_data;
          mosi <= tx_data[WIDTH-1];
          cnt <= 0;
          bits <= 0;
        end
      end else if (cnt == CLK_DIV - 1) begin
        cnt <= 0;
        if (!sclk) begin
          // rising edge: sample MISO
          sclk <= 1'b1;
          rx_sh <= {rx_sh[WIDTH-2:0], miso};
        end else begin
          // falling edge: next bit out, or end of the transfer
          sclk <= 1'b0;
          if (bits == WIDTH - 1) begin
            busy <= 1'b0;
            cs_n <= 1'b1;
            done <= 1'b1;
            rx_data <= rx_sh;
          end else begin
            bits <= bits + 1'b1;
            tx_sh <= {tx_sh[WIDTH-2:0], 1'b0};
            mosi <= tx_sh[WIDTH-2];
          end
        end
      end else cnt <= cnt + 1'b1;
    end
  end
endmodule
