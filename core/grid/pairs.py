"""The one overlap finder: which rectangles of a set share pixels."""
from __future__ import annotations

from typing import List, Sequence, Tuple

from .common_grid import Placement


def overlapping_pairs(rects: Sequence[Placement]) -> List[Tuple[int, int, Placement]]:
    """Every pair (i, j), i < j, of rectangles that share at least one pixel (or cell), with
    their intersection, sorted by (i, j)."""
    pairs = []
    # Sweep along columns so that large sets do not compare every pair.
    order = sorted(range(len(rects)), key=lambda k: rects[k].col)
    active: List[int] = []
    for k in order:
        active = [a for a in active if rects[a].col_end > rects[k].col]
        for a in active:
            inter = rects[a].intersect(rects[k])
            if inter is not None:
                pairs.append((min(a, k), max(a, k), inter))
        active.append(k)
    pairs.sort(key=lambda t: (t[0], t[1]))
    return pairs
