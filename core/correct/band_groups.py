"""One correction per input from the corrections of its band groups (grid/band_plan.py).

The writer reads all data bands of an input; each band group's correction sees only its own
bands, in the group's order, and bands in no group pass through unchanged.
"""
from __future__ import annotations

from typing import Callable, List, Sequence, Tuple

from ..grid.band_plan import BandPlan
from ..io.rasters import RasterInfo
from ..io.writer import Correction

# Per band group: correction of the group's n-th image (n: position in group.images).
GroupCorrections = Sequence[Callable[[int], Correction]]


def combined_correction(plan: BandPlan, k: int, info: RasterInfo,
                        per_group: GroupCorrections) -> Correction:
    """Input ``k``'s correction: each group's on its bands, the identity on the others."""
    parts: List[Tuple[List[int], Correction]] = []
    for group, correction_for in zip(plan.groups, per_group):
        bands = group.bands_of(k)
        if bands:
            at = [info.data_bands.index(b) for b in bands]
            parts.append((at, correction_for(group.images.index(k))))
    if len(parts) == 1 and parts[0][0] == list(range(info.band_count)):
        return parts[0][1]  # a single-sensor set: the group's correction as it is

    def apply(values, valid, row, col):
        out = values.copy()
        for at, correct in parts:
            out[at] = correct(values[at], valid[at], row, col)
        return out

    return apply
