#!/usr/bin/env python3
"""Draws the two Teams app icons: two interlocking rings, Sales and Marketing.

color.png   192x192, full colour: an orange and a light blue ring on the navy of the Slack app.
outline.png 32x32, white rings on a transparent background (what Teams asks of the outline icon).

Python 3 standard library only (zlib + struct), so the icons can be redrawn anywhere:
    python3 deploy/teams/make_icons.py            # writes next to this script
The output is deterministic: running it again gives the same bytes as the committed PNGs.
"""
import math
import pathlib
import struct
import sys
import zlib

NAVY = (0x1F, 0x3A, 0x5F)
SALES = (0xF2, 0x8C, 0x28)      # orange
MARKETING = (0x5B, 0xC0, 0xEB)  # light blue
WHITE = (0xFF, 0xFF, 0xFF)
SUPERSAMPLE = 4                 # samples per axis per pixel, for smooth edges


def png_bytes(width, height, rgba_rows):
    """A PNG with colour type 6 (RGBA, 8 bits per channel), one unfiltered scanline per row."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(row) for row in rgba_rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def ring_coverage(x, y, cx, cy, radius, width):
    """1 inside the ring's band, 0 outside."""
    d = math.hypot(x - cx, y - cy)
    return 1.0 if abs(d - radius) <= width / 2 else 0.0


def left_ring_on_top(y):
    """Interlocking: the left ring passes over the right one at the upper crossing and under it at
    the lower one, so neither ring simply lies on top."""
    return y < 0.5


def draw(size, background, left_colour, right_colour):
    """Rows of RGBA bytes for the two-ring mark on a square of side `size`.

    Geometry is in unit coordinates (0..1), so both icons share one drawing. A transparent
    background is given as None."""
    radius, band = 0.25, 0.085
    left_c, right_c = (0.375, 0.5), (0.625, 0.5)
    gap = 0.035  # the sliver of background that shows where one ring passes over the other
    rows = []
    n = SUPERSAMPLE
    for py in range(size):
        row = []
        for px in range(size):
            acc = [0.0, 0.0, 0.0, 0.0]
            for sy in range(n):
                for sx in range(n):
                    x = (px + (sx + 0.5) / n) / size
                    y = (py + (sy + 0.5) / n) / size
                    in_left = ring_coverage(x, y, *left_c, radius, band)
                    in_right = ring_coverage(x, y, *right_c, radius, band)
                    near_left = ring_coverage(x, y, *left_c, radius, band + 2 * gap)
                    near_right = ring_coverage(x, y, *right_c, radius, band + 2 * gap)
                    colour, alpha = None, 0.0
                    if in_left and in_right:
                        colour = left_colour if left_ring_on_top(y) else right_colour
                    elif in_left and not (near_right and not left_ring_on_top(y)):
                        colour = left_colour
                    elif in_right and not (near_left and left_ring_on_top(y)):
                        colour = right_colour
                    if colour is not None:
                        alpha = 1.0
                    elif background is not None:
                        colour, alpha = background, 1.0
                    if colour is not None:
                        for i in range(3):
                            acc[i] += colour[i] * alpha
                        acc[3] += alpha
            samples = n * n
            a = acc[3] / samples
            if a > 0:
                # Colour un-premultiplied, so a half-covered edge pixel keeps the ring's colour.
                row.extend(round(acc[i] / acc[3]) for i in range(3))
            else:
                row.extend((0, 0, 0))
            row.append(round(a * 255))
        rows.append(row)
    return rows



def main(out_dir):
    out = pathlib.Path(out_dir)
    (out / "color.png").write_bytes(png_bytes(192, 192, draw(192, NAVY, SALES, MARKETING)))
    (out / "outline.png").write_bytes(png_bytes(32, 32, draw(32, None, WHITE, WHITE)))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent)
