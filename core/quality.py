"""How well rasters agree where they overlap: the measure users judge matching by."""
from __future__ import annotations

from typing import List

import numpy as np

from .inputs import prepared_inputs
from .mosaic_grid import Placement, overlapping_pairs
from .rasters import open_readonly, read_window
from .windows import iter_windows


def overlap_mean_abs_difference(paths: List[str], window: int = 512) -> np.ndarray:
    """Per band, the mean absolute difference between overlapping rasters, over all pairs.

    Pixels count where both rasters of a pair are valid; the rasters are streamed.
    """
    with prepared_inputs(paths) as (_, grid, _):
        return _mean_abs_difference(list(grid.views), grid, window)


def _mean_abs_difference(infos, grid, window):
    datasets = [open_readonly(i.path) for i in infos]
    n_bands = infos[0].band_count
    total, count = np.zeros(n_bands), np.zeros(n_bands)
    for i, j, inter in overlapping_pairs(grid):
        pi, pj = grid.placements[i], grid.placements[j]
        for c, r, w, h in iter_windows(inter.cols, inter.rows, window):
            rect = Placement(inter.col + c, inter.row + r, w, h)
            vi, mi = read_window(datasets[i], infos[i], rect.col - pi.col, rect.row - pi.row, w, h)
            vj, mj = read_window(datasets[j], infos[j], rect.col - pj.col, rect.row - pj.row, w, h)
            both = mi & mj
            total += np.where(both, np.abs(vi - vj), 0.0).sum(axis=(1, 2))
            count += both.sum(axis=(1, 2))
    return total / np.maximum(count, 1)
