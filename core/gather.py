"""The statistics passes of a run: one read of everything, and a robust read of the overlaps."""
from __future__ import annotations

from typing import List, Optional

import numpy as np

from .block_grid import BlockGrid
from .errors import InputError
from .exclusion import Exclusion
from .feedback import Feedback
from .mosaic_grid import MosaicGrid
from .rasters import RasterInfo
from .robust import robust_rescan
from .stats_pass import ScanResult, scan_statistics


def gather_statistics(
    infos: List[RasterInfo],
    grid: MosaicGrid,
    blocks: Optional[BlockGrid],
    feedback: Feedback,
    window: Optional[int] = None,
    threads: Optional[int] = None,
    robust: bool = True,
    exclude: Optional[str] = None,
    robust_cells: Optional[BlockGrid] = None,
) -> ScanResult:
    """Overlap and block statistics; ``robust`` leaves out what disagrees (robust.py), and
    the polygons of ``exclude`` (a vector file) count in no statistic. ``robust_cells`` sets
    the cells of the robust test where no ``blocks`` are accumulated (a global-only run)."""
    exclusion = Exclusion(exclude, grid) if exclude else None
    try:
        first = feedback.stage(0.0, 2 / 3 if robust else 1.0)
        scan = scan_statistics(infos, grid, blocks, first, window, threads, exclusion)
        check_statistics(infos, scan, feedback)
        feedback.info(f"{len(scan.overlaps)} overlapping pairs.")
        if robust:
            kept = {(o.i, o.j) for o in scan.overlaps}
            scan = robust_rescan(infos, grid, blocks, scan, feedback.stage(2 / 3, 1.0), window,
                                 threads, exclusion, robust_cells)
            scan.overlaps = [o for o in scan.overlaps if (o.i, o.j) in kept]
        return scan
    finally:
        if exclusion is not None:
            exclusion.close()


# An overlap with fewer valid pixels than this (in any band) says too little to count.
MIN_OVERLAP_PIXELS = 25
# Beyond this magnitude, squared deviations overflow float64.
MAX_MAGNITUDE = 1e150


def check_statistics(infos: List[RasterInfo], scan: ScanResult, feedback: Feedback) -> None:
    """Stop on inputs that cannot be matched; drop (with a warning) overlaps too small."""
    for k, info in enumerate(infos):
        if not scan.valid_count[k].any():
            raise InputError(
                f"{_name(info)}: the raster has no valid pixel (all no-data, NaN or masked). "
                "Fix: remove it from the inputs, or correct its no-data value."
            )
        empty = [b + 1 for b in range(len(scan.valid_count[k])) if scan.valid_count[k][b] == 0]
        if empty:
            raise InputError(
                f"{_name(info)}: band(s) {', '.join(map(str, empty))} hold no valid pixel "
                "(all no-data, NaN or masked). Fix: remove those bands from every input."
            )
        magnitude = max(np.abs(scan.minimum[k]).max(), np.abs(scan.maximum[k]).max())
        if magnitude > MAX_MAGNITUDE:
            raise InputError(
                f"{_name(info)}: values reach {magnitude:.3g}, beyond what float64 statistics "
                f"can square ({MAX_MAGNITUDE:g}). Fix: rescale the data (Raster Calculator)."
            )
    kept = []
    for o in scan.overlaps:
        if o.count.min() < MIN_OVERLAP_PIXELS:
            feedback.warning(
                f"{infos[o.i].name} and {infos[o.j].name} share only {int(o.count.min())} "
                f"valid pixels (fewer than {MIN_OVERLAP_PIXELS}); that overlap is ignored."
            )
            continue
        kept.append(o)
    scan.overlaps = kept
    if not kept:
        names = ", ".join(info.name for info in infos)
        raise InputError(
            f"No two of the inputs overlap with valid pixels ({names}). Fix: give rasters "
            "that cover a common area, in CRSs that are assigned correctly."
        )


def _name(info: RasterInfo) -> str:
    """The file a user gave (a warped view's source, not the view)."""
    return getattr(info, "source", None) or info.path
