"""Per-pixel local corrections: a smooth field ``x`` (local_surface.py) applied to values.

* gamma (after Yu et al. 2017): on intensities scaled into (0, 1) by a fixed ``scale``,
  ``out = scale * (in / scale) ** exp(x)``, a power that bends values around the scale;
* linear: ``out = in * exp(x)``;
* offset: ``out = in + x``, the only one defined for zero or negative data.

Gamma and linear need strictly positive data; where the data is not, the offset form is used
(the caller says so in the log).
"""
from __future__ import annotations

import numpy as np

from ..defaults import LOCAL_METHODS as METHODS

GAMMA, LINEAR, OFFSET = METHODS

# Smallest scaled intensity that enters the gamma form, to keep log() finite.
_TINY = 1e-12


def apply_local(values: np.ndarray, field: np.ndarray, method: str, scale: np.ndarray,
                in_place: bool = False) -> np.ndarray:
    """Corrected values; ``scale`` is per band, (bands, 1, 1), used by gamma only.
    ``in_place``: ``values`` is not needed afterwards and holds the result (linear, offset;
    the same operations, so the same values, one array less)."""
    own = in_place and values.dtype == np.result_type(values, field)
    if method == OFFSET:
        return np.add(values, field, out=values) if own else values + field
    if method == LINEAR:
        return np.multiply(values, np.exp(field), out=values) if own else values * np.exp(field)
    if method == GAMMA:
        if not field.any():  # a zero field (the reference's): its values exactly, as the
            return values if in_place else values.copy()  # others' forms keep them
        t = np.maximum(values / scale, _TINY)
        return scale * np.power(t, np.exp(field))
    raise ValueError(f"unknown local method {method!r}; use one of {METHODS}")


def gamma_scale(maximum: np.ndarray) -> np.ndarray:
    """Per-band divisor that maps intensities into (0, 1) for the gamma form.

    The paper divides 8-bit intensities by 255. Data of any unit has no such fixed bound, so
    twice the set's largest value is used: every local mean then lies in (0, 0.5], away from 1
    where log() vanishes and the exponent would blow up.
    """
    return np.maximum(2.0 * maximum, np.finfo(float).tiny)
