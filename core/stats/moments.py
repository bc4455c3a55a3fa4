"""Streaming count, mean and variance that combine per-window results exactly.

Each window contributes its own count, mean and sum of squared deviations; they are merged
with the pairwise formula of Chan, Golub and LeVeque (1979, "Updating formulae and a pairwise
algorithm for computing sample variances"), which stays accurate in float64 where a running
sum of squares would cancel catastrophically.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np


class Moments:
    """Count, mean and squared deviations for an array of independent series."""

    def __init__(self, shape: Tuple[int, ...]):
        self.count = np.zeros(shape, dtype=np.float64)
        self.mean = np.zeros(shape, dtype=np.float64)
        self.m2 = np.zeros(shape, dtype=np.float64)

    def merge(self, count: np.ndarray, mean: np.ndarray, m2: np.ndarray) -> None:
        """Fold in a batch summarised by its own count, mean and squared deviations."""
        total = self.count + count
        safe = np.where(total > 0, total, 1.0)
        delta = mean - self.mean
        self.mean = self.mean + delta * (count / safe)
        self.m2 = self.m2 + m2 + delta * delta * (self.count * count / safe)
        self.count = total

    @property
    def std(self) -> np.ndarray:
        """Population standard deviation (0 where the count is 0)."""
        safe = np.where(self.count > 0, self.count, 1.0)
        return np.sqrt(np.maximum(self.m2, 0.0) / safe)


def masked_moments(values: np.ndarray, valid: np.ndarray):
    """Count, mean and squared deviations over all but the first axis, valid values only.

    The same arithmetic as the two-pass textbook form (mean first, then the squared
    deviations from it), with one work array instead of four temporaries."""
    axes = tuple(range(1, values.ndim))
    count = np.count_nonzero(valid, axis=axes).astype(np.float64)
    safe = np.where(count > 0, count, 1.0)
    # float64 whatever the input: no-data values (NaN, inf) never enter
    work = np.where(valid, values, 0.0).astype(np.float64, copy=False)
    mean = work.sum(axis=axes) / safe
    work -= mean.reshape((-1,) + (1,) * (values.ndim - 1))
    work *= valid  # deviations of the valid values, 0 elsewhere
    flat = work.reshape(work.shape[0], -1)
    m2 = np.einsum("ij,ij->i", flat, flat)
    return count, mean, m2
