"""The global model: one gain and one offset per image and band."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List

import numpy as np

from ..solve.global_system import BandSolution


@dataclass
class GlobalModel:
    gains: np.ndarray  # (images, bands)
    offsets: np.ndarray  # (images, bands)
    solutions: List[BandSolution]

    def correction(self, k: int):
        a = self.gains[k][:, None, None]
        b = self.offsets[k][:, None, None]

        def apply(values, valid, row, col):
            out = values * a  # one temporary per window, not two
            out += b
            return out

        return apply


def identity_model(n_images: int, n_bands: int) -> GlobalModel:
    """Gain 1 and offset 0 everywhere: the base of local matching on its own."""
    return GlobalModel(np.ones((n_images, n_bands)), np.zeros((n_images, n_bands)), [])
