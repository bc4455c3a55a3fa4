"""Check that QGIS's Python has what core needs, so that the plugin can say what is missing.

QGIS ships numpy and GDAL's bindings on every platform and scipy on most; a build without one
of them still loads the plugin, whose algorithms then refuse to run with this message.
"""
from __future__ import annotations

import importlib
from typing import List

# (name users know, module to import, Debian/Ubuntu package, pip package)
REQUIRED = (
    ("numpy", "numpy", "python3-numpy", "numpy"),
    ("scipy", "scipy.sparse.linalg", "python3-scipy", "scipy"),
    ("GDAL Python bindings", "osgeo.gdal", "python3-gdal", "GDAL"),
)


def missing_dependencies() -> List[str]:
    missing = []
    for name, module, deb, pip in REQUIRED:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append((name, deb, pip))
    return [
        f"{name} (Debian/Ubuntu: apt install {deb}; OSGeo4W: the {deb} package; "
        f"elsewhere: pip install {pip} into the Python that QGIS uses)"
        for name, deb, pip in missing
    ]


def dependency_message() -> str:
    """Empty when all is there; otherwise what to install."""
    missing = missing_dependencies()
    if not missing:
        return ""
    return (
        "Spectral match needs " + "; ".join(missing) + ", which QGIS's Python cannot import. "
        "Fix: install it and restart QGIS."
    )
