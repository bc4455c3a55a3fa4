"""Relative radiometric matching of overlapping rasters: numpy, scipy and GDAL only.

This package never imports QGIS; it serves the Processing algorithms, the desktop task and
scripts alike.
"""
from .errors import Cancelled, InputError, SpectralMatchError
from .feedback import Feedback
from .global_match import run_global
from .local_match import run_local
from .match import run_match

__all__ = [
    "Cancelled", "Feedback", "InputError", "SpectralMatchError",
    "run_global", "run_local", "run_match",
]
