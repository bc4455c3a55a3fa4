"""Robust spread: the median absolute deviation as a standard deviation."""
from __future__ import annotations

# The median absolute deviation of a normal distribution times this is its standard
# deviation (1 / Phi^-1(3/4); Rousseeuw and Croux 1993, JASA 88(424), 1273-1283).
MAD_TO_STD = 1.4826
