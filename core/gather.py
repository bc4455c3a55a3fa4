"""The statistics passes of a run: one read of everything, and a robust read of the overlaps."""
from __future__ import annotations

from typing import List, Optional

from .block_grid import BlockGrid
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
) -> ScanResult:
    """Overlap and block statistics; ``robust`` leaves out what disagrees (robust.py), and
    the polygons of ``exclude`` (a vector file) count in no statistic."""
    exclusion = Exclusion(exclude, grid) if exclude else None
    try:
        first = feedback.stage(0.0, 2 / 3 if robust else 1.0)
        scan = scan_statistics(infos, grid, blocks, first, window, threads, exclusion)
        feedback.info(f"{len(scan.overlaps)} overlapping pairs.")
        if robust:
            scan = robust_rescan(infos, grid, blocks, scan, feedback.stage(2 / 3, 1.0), window,
                                 threads, exclusion)
        return scan
    finally:
        if exclusion is not None:
            exclusion.close()
