"""Fixed-size windows that stream a raster without holding it in memory, and the one loop
that processes them on several threads."""
from __future__ import annotations

from typing import Callable, Iterable, Iterator, Optional, Sequence, Tuple, TypeVar

from ..feedback import Feedback
from .parallel import ordered_map, thread_count

W = TypeVar("W")
R = TypeVar("R")

DEFAULT_WINDOW = 512
# No window is larger than this side, whatever the tiles, seam cells or a caller ask for: a
# window of every band of a few images, in float64, on each thread, stays within tens of MB.
MAX_WINDOW = 2048


def bounded_window(size: int) -> int:
    """A window side between 1 and :data:`MAX_WINDOW`."""
    return max(1, min(int(size), MAX_WINDOW))


def window_size(block_sizes: Sequence[Tuple[int, int]], target: int = DEFAULT_WINDOW) -> int:
    """A window side near ``target`` that is a whole number of the inputs' tile sides.

    Tiled inputs (square blocks) are then read tile by tile; striped inputs keep the target.
    """
    tiles = [bx for bx, by in block_sizes if bx == by and bx > 1]
    if not tiles:
        return bounded_window(target)
    tile = max(tiles)
    return bounded_window(max(tile, (target // tile) * tile))


def iter_windows(cols: int, rows: int, size: int) -> Iterator[Tuple[int, int, int, int]]:
    """(col, row, width, height) of each window, row by row."""
    for row in range(0, rows, size):
        for col in range(0, cols, size):
            yield col, row, min(size, cols - col), min(size, rows - row)


def window_count(cols: int, rows: int, size: int) -> int:
    return (-(-cols // size)) * (-(-rows // size))


def stream_windows(fn: Callable[[W], R], windows: Iterable[W], total: int, feedback: Feedback,
                   threads: Optional[int] = None) -> Iterator[R]:
    """``fn`` of every window on ``threads`` threads (default: all cores), results in order.

    Each window first checks for a cancel (raising :class:`~..errors.Cancelled`); progress
    moves on once the caller has taken a result, out of ``total`` windows.
    """
    def task(window: W) -> R:
        feedback.check_cancel()
        return fn(window)

    for done, result in enumerate(ordered_map(task, windows, thread_count(threads))):
        yield result
        feedback.progress((done + 1) / total)
