"""The global fit: gains and offsets from the overlap statistics (Yu et al. 2017)."""
from __future__ import annotations

from typing import List, Optional

import numpy as np

from ..errors import InputError
from ..feedback import Feedback
from ..io.rasters import RasterInfo
from ..options import GlobalFit
from ..solve.global_system import solve_gains_offsets
from ..stats.scan import ScanResult
from .global_model import GlobalModel


# The least-squares system stays meaningful while neither kind of row outweighs the other by
# more than this: beyond it, the weaker rows are lost in rounding (a ratio of 1e8 makes a
# band constant).
MAX_WEIGHT_RATIO = 1e6


def check_global_fit(fit: GlobalFit) -> None:
    """Refuse weights that are not positive, or whose ratio is beyond :data:`MAX_WEIGHT_RATIO`."""
    m, s = fit.mean_weight, fit.std_weight
    if not (m > 0 and s > 0) or not (np.isfinite(m) and np.isfinite(s)):
        raise InputError(
            f"MEAN_WEIGHT and STD_WEIGHT must both be greater than 0 and finite (given {m:g} "
            f"and {s:g}). Fix: use positive weights; 1 and 1 reproduce the published method.")
    ratio = max(m / s, s / m)
    if ratio > MAX_WEIGHT_RATIO:
        raise InputError(
            f"MEAN_WEIGHT {m:g} and STD_WEIGHT {s:g} differ by a factor of {ratio:.3g}, more "
            f"than {MAX_WEIGHT_RATIO:g}: the weaker equations would be lost in rounding (a "
            "band can become constant). Fix: weights within a factor of 1e6 of each other; "
            "1 and 1 reproduce the published method.")


def fit_global(
    infos: List[RasterInfo],
    scan: ScanResult,
    fit: GlobalFit,
    reference: Optional[int] = None,
    feedback: Optional[Feedback] = None,
) -> GlobalModel:
    """Solve the least-squares system from the overlap statistics; report what it found."""
    feedback = feedback or Feedback()
    n_bands = infos[0].band_count
    check_global_fit(fit)
    gains, offsets, solutions = solve_gains_offsets(
        len(infos), scan.overlaps, n_bands, fit.mean_weight, fit.std_weight, reference
    )
    if reference is not None and any(reference in s.isolated for s in solutions):
        raise InputError(
            f"{infos[reference].path}: the reference overlaps no other input with valid "
            "pixels, so no image can be matched to it. Fix: choose a reference that overlaps "
            "the others, or none.")
    _report_structure(infos, solutions, reference, feedback)
    for k, info in enumerate(infos):
        pairs = ", ".join(
            f"b{b + 1}: {gains[k, b]:.6g} x {offsets[k, b]:+.6g}" for b in range(n_bands)
        )
        feedback.info(f"{info.name}: gain x offset per band: {pairs}")
    return GlobalModel(gains, offsets, solutions)


def _report_structure(infos, solutions, reference, feedback) -> None:
    first = solutions[0]
    isolated = sorted(set().union(*(s.isolated for s in solutions)))
    for k in isolated:
        feedback.warning(
            f"{infos[k].path}: overlaps no other input (in at least one band); it is written "
            "with gain 1 and offset 0 there. Fix: check that it belongs to this set."
        )
    if len(first.groups) > 1:
        names = "; ".join(
            "[" + ", ".join(infos[k].name for k in group) + "]" for group in first.groups
        )
        feedback.warning(
            f"The inputs form {len(first.groups)} groups that do not overlap each other: "
            f"{names}. Each group is matched on its own, at its own central tendency."
        )
    for b, solution in enumerate(solutions):
        for k in sorted(set(solution.constant)):
            feedback.warning(
                f"{infos[k].name}: band {b + 1} is constant where it overlaps others (std 0), "
                "so its gain cannot be fitted; it keeps gain near 1 and only its offset is "
                "matched."
            )
    if reference is not None:
        feedback.info(f"Reference image: {infos[reference].name} keeps gain 1 and offset 0.")
