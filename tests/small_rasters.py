"""Small rasters with a known gain and offset between them, for fast tests of unusual inputs.

Two (or more) 48 x 48 tiles of a random texture overlap by half; tile k is
``(1 + 0.1 k) * texture + 10 k``. Also: checksums of every file under a folder, so a test can
show that nothing it did not ask for was written, changed or left behind.
"""
from __future__ import annotations

import hashlib
import os
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()

SIZE = 48
PIXEL = 30.0


def utm_wkt() -> str:
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32633)
    return srs.ExportToWkt()


def tiles(folder: str, n: int = 2, numpy_type=np.uint16, gdal_type: int = gdal.GDT_UInt16,
          bands: int = 2, nodata: Optional[float] = 0, base: float = 1000.0,
          spread: float = 300.0, edit: Optional[Callable[[int, np.ndarray], np.ndarray]] = None,
          options: Sequence[str] = (), prefix: str = "t") -> List[str]:
    """``n`` tiles side by side, each overlapping the next by half; ``edit(k, values)`` may
    change a tile's values before they are written."""
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(7)
    scene = base + spread * rng.standard_normal((bands, SIZE, SIZE + (n - 1) * SIZE // 2))
    paths = []
    for k in range(n):
        col = k * SIZE // 2
        values = scene[:, :, col:col + SIZE] * (1 + 0.1 * k) + 10 * k
        if edit is not None:
            values = edit(k, values)
        path = os.path.join(folder, f"{prefix}{k}.tif")
        ds = gdal.GetDriverByName("GTiff").Create(path, SIZE, SIZE, bands, gdal_type,
                                                  list(options))
        ds.SetGeoTransform((500000 + col * PIXEL, PIXEL, 0, 4000000, 0, -PIXEL))
        ds.SetProjection(utm_wkt())
        for b in range(bands):
            band = ds.GetRasterBand(b + 1)
            if nodata is not None:
                band.SetNoDataValue(nodata)
            band.WriteArray(values[b].astype(numpy_type))
        band = ds = None
        paths.append(path)
    return paths


def digests(folder: str) -> Dict[str, str]:
    """sha256 of every file under ``folder`` (relative path -> digest), hidden files too."""
    found = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, folder)] = hashlib.sha256(handle.read()).hexdigest()
    return found


def read_band(path: str, band: int = 1) -> np.ndarray:
    ds = gdal.Open(path)
    values = ds.GetRasterBand(band).ReadAsArray()
    ds = None
    return values
