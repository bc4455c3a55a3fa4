"""Fixed-size windows that stream a raster without holding it in memory."""
from __future__ import annotations

from typing import Iterator, Sequence, Tuple

DEFAULT_WINDOW = 512


def window_size(block_sizes: Sequence[Tuple[int, int]], target: int = DEFAULT_WINDOW) -> int:
    """A window side near ``target`` that is a whole number of the inputs' tile sides.

    Tiled inputs (square blocks) are then read tile by tile; striped inputs keep the target.
    """
    tiles = [bx for bx, by in block_sizes if bx == by and bx > 1]
    if not tiles:
        return target
    tile = max(tiles)
    return max(tile, (target // tile) * tile)


def iter_windows(cols: int, rows: int, size: int) -> Iterator[Tuple[int, int, int, int]]:
    """(col, row, width, height) of each window, row by row."""
    for row in range(0, rows, size):
        for col in range(0, cols, size):
            yield col, row, min(size, cols - col), min(size, rows - row)


def window_count(cols: int, rows: int, size: int) -> int:
    return (-(-cols // size)) * (-(-rows // size))
