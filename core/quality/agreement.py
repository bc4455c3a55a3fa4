"""How well rasters agree where they overlap: the measures users judge matching by."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np

from ..grid.band_plan import select_bands
from ..grid.common_grid import Placement
from ..grid.inputs import prepared_inputs
from ..grid.pairs import overlapping_pairs
from ..io.parallel import DatasetPool, thread_count
from ..io.rasters import read_window
from ..io.windows import iter_windows
from ..stats.moments import Moments, masked_moments


@dataclass
class PairAgreement:
    """Two rasters over the pixels valid in both, per band."""

    i: int
    j: int
    count: np.ndarray
    mean_abs_difference: np.ndarray
    mean_i: np.ndarray
    mean_j: np.ndarray
    std_i: np.ndarray
    std_j: np.ndarray


def overlap_agreement(paths: List[str], window: int = 512,
                      bands: Optional[Sequence[Sequence[int]]] = None,
                      threads: Optional[int] = None) -> List[PairAgreement]:
    """Per overlapping pair: count, mean absolute difference, means and stds; streamed, the
    pairs on ``threads`` threads (None: one per core).

    ``bands``, per raster, the band numbers to compare in a common order (rasters whose
    bands differ); default: every data band, in order."""
    with prepared_inputs(paths, same_bands=bands is None,
                         threads=threads) as (originals, grid, _):
        infos = list(grid.views)
        if bands is not None:
            infos = [select_bands(view, info, numbers)
                     for view, info, numbers in zip(infos, originals, bands)]
        # A bounded pool, not every raster open at once: at 1,000 images the report's two
        # passes (inputs, then outputs) held 2,000 datasets and their buffers (1.4 GB at
        # the peak). The pairs are read on the run's threads (GDAL's reads and numpy's sums
        # leave the GIL), their results kept in order.
        datasets = DatasetPool()
        n_bands = infos[0].band_count
        places = grid.placements

        def measure(pair) -> Optional[PairAgreement]:
            i, j, inter = pair
            pi, pj = places[i], places[j]
            total = np.zeros(n_bands)
            mom_i, mom_j = Moments((n_bands,)), Moments((n_bands,))
            with datasets.reading(infos[i].path) as di, datasets.reading(infos[j].path) as dj:
                for c, r, w, h in iter_windows(inter.cols, inter.rows, window):
                    rect = Placement(inter.col + c, inter.row + r, w, h)
                    vi, mi = read_window(di, infos[i], rect.col - pi.col,
                                         rect.row - pi.row, w, h)
                    vj, mj = read_window(dj, infos[j], rect.col - pj.col,
                                         rect.row - pj.row, w, h)
                    both = mi & mj
                    total += np.where(both, np.abs(vi - vj), 0.0).sum(axis=(1, 2))
                    mom_i.merge(*masked_moments(vi, both))
                    mom_j.merge(*masked_moments(vj, both))
            if not mom_i.count.any():
                return None
            mad = total / np.maximum(mom_i.count, 1)
            return PairAgreement(i, j, mom_i.count, mad, mom_i.mean, mom_j.mean,
                                 mom_i.std, mom_j.std)

        try:
            with ThreadPoolExecutor(thread_count(threads),
                                    thread_name_prefix="spectralmatch-agreement") as pool:
                measured = list(pool.map(measure, overlapping_pairs(places)))
        finally:
            datasets.close()
        return [m for m in measured if m is not None]


def overlap_mean_abs_difference(paths: List[str], window: int = 512) -> np.ndarray:
    """Per band, the mean absolute difference between overlapping rasters, over all pairs.

    Pixels count where both rasters of a pair are valid; the rasters are streamed.
    """
    pairs = overlap_agreement(paths, window)
    n_bands = len(pairs[0].count) if pairs else 1
    total, count = np.zeros(n_bands), np.zeros(n_bands)
    for p in pairs:
        total += p.mean_abs_difference * p.count
        count += p.count
    return total / np.maximum(count, 1)
