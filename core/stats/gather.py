"""The statistics passes of a run: one read of everything, and a robust read of the overlaps."""
from __future__ import annotations

from typing import List, Optional

import numpy as np

from ..errors import InputError
from ..feedback import Feedback
from ..grid.blocks import BlockGrid, make_block_grid
from ..grid.common_grid import CommonGrid
from ..grid.exclusion import Exclusion
from ..io.parallel import release_freed_memory, thread_count
from ..io.rasters import RasterInfo
from ..options import Statistics, Streaming
from .robust import Disagreement, pair_rects
from .robust_pass import robust_rescan
from .scan import MIN_OVERLAP_PIXELS, ScanResult, scan_statistics


def gather_statistics(
    infos: List[RasterInfo],
    grid: CommonGrid,
    blocks: Optional[BlockGrid],
    statistics: Statistics,
    streaming: Streaming,
    feedback: Feedback,
    executor=None,
    robust_cells: Optional[BlockGrid] = None,
) -> ScanResult:
    """Overlap statistics, and block sums on ``blocks`` where given; robust statistics leave
    out what disagrees (robust.py, on cells of ``blocks`` or, where none are accumulated,
    of a default block grid; ``robust_cells`` overrides both), and the exclusion polygons
    count in no statistic. ``executor`` (io/executor.py; None: threads as ``streaming``
    asks) runs the passes' windows."""
    window, threads = streaming.window, streaming.threads
    exclusion = disagree = None
    if statistics.exclude:
        exclusion = Exclusion(statistics.exclude, grid, statistics.exclude_layer,
                              feedback.warning)
    try:
        first = feedback.stage(0.0, 2 / 3 if statistics.robust else 1.0)
        if statistics.robust:
            # A global-only run accumulates no blocks; its robust test takes the cells of
            # the default block grid. The robust lines are fitted while the first pass
            # goes on, so that only the samples of the overlaps under way are held.
            cells = robust_cells or blocks or make_block_grid(grid)
            # One fitting thread beside the pass: a second one fitted the last batches
            # sooner but held their samples too (1,000 tiles: 15 MB more at the peak, which
            # sits 10-20 MB under the 500 MB bound, for no measurable time).
            disagree = Disagreement(cells, pair_rects(grid),
                                    background=1 if thread_count(threads) > 1 else 0)
        # The cells of the pairs come from the first pass; the robust pass replaces those of
        # the overlaps it reads again.
        scan = scan_statistics(infos, grid, blocks, first, window, threads, exclusion,
                               executor,
                               samples_to=disagree.add if disagree is not None else None,
                               sampling=statistics.robust)
        if disagree is not None:
            disagree.finish()
        check_statistics(infos, scan, feedback, exclusion, grid)
        feedback.info(f"{len(scan.overlaps)} overlapping pairs.")
        if statistics.robust:
            kept = {(o.i, o.j) for o in scan.overlaps}
            # The first pass's windows and the lines' samples are freed: hand them back
            # before the second pass allocates its own (1,000 images: -50 MB at the peak).
            release_freed_memory()
            scan = robust_rescan(infos, grid, blocks, scan, feedback.stage(2 / 3, 1.0), window,
                                 threads, exclusion, executor=executor, disagree=disagree)
            scan.overlaps = [o for o in scan.overlaps if (o.i, o.j) in kept]
        return scan
    finally:
        if disagree is not None:
            disagree.close()
        if exclusion is not None:
            exclusion.close()


# Beyond this magnitude, squared deviations overflow float64.
MAX_MAGNITUDE = 1e150
# Floating-point values this large are fill values of missing data in practice (1e30,
# NetCDF's 9.96921e36, Float32's largest); a run warns of them.
FILL_LIKE = 1e30
# Below this magnitude (and above 0), squared deviations underflow to 0 in float64.
MIN_MAGNITUDE = 1e-150


def check_statistics(infos: List[RasterInfo], scan: ScanResult, feedback: Feedback,
                     exclusion: Optional[Exclusion] = None,
                     grid: Optional[CommonGrid] = None) -> None:
    """Stop on inputs that cannot be matched; drop (with a warning) overlaps too small."""
    for k, info in enumerate(infos):
        if not scan.valid_count[k].any() and exclusion is not None and grid is not None \
                and exclusion.covers(grid.placements[k]):
            raise InputError(
                f"{_name(info)}: the exclusion polygons of {exclusion.source} cover all of "
                "it, so none of its pixels is left for the statistics. Fix: shrink the "
                "exclusion polygons, or leave this raster out.")
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
        if 0 < magnitude < MIN_MAGNITUDE:
            raise InputError(
                f"{_name(info)}: its values are all within {magnitude:.3g} of zero, below "
                f"what float64 statistics can square ({MIN_MAGNITUDE:g}): their spread would "
                "vanish in rounding. Fix: rescale the data first (Raster Calculator: multiply "
                "by a power of ten that brings them near 1).")
        if info.is_float and magnitude >= FILL_LIKE:
            extreme = [b + 1 for b in range(len(scan.maximum[k]))
                       if max(abs(scan.minimum[k][b]), abs(scan.maximum[k][b])) >= FILL_LIKE]
            feedback.warning(
                f"{_name(info)}: band(s) {', '.join(map(str, extreme))} hold values up to "
                f"{magnitude:.6g}, far beyond any measurement: the fill value of missing data "
                "(1e30, 9.96921e36 of NetCDF, 3.40282e38) that no no-data value declares? "
                "They are corrected and written like any value. Fix: if they are missing "
                "data, declare their no-data value (gdal_edit.py -a_nodata VALUE FILE, or "
                "Raster > Conversion > Translate with 'Assign a specified NoData value') and "
                "run again.")
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
        if exclusion is not None:  # the overlaps may be there, under the polygons
            raise InputError(
                f"No two of the inputs overlap with valid pixels outside the exclusion "
                f"polygons of {exclusion.source} ({names}). Fix: shrink the exclusion "
                "polygons so that some of each overlap stays, or give rasters that cover a "
                "common area.")
        raise InputError(
            f"No two of the inputs overlap with valid pixels ({names}). Fix: give rasters "
            "that cover a common area, in CRSs that are assigned correctly."
        )


def _name(info: RasterInfo) -> str:
    """The file a user gave (a warped view's source, not the view)."""
    return getattr(info, "source", None) or info.path
