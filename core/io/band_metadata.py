"""What a raster's own metadata says about the spectrum of its bands (no pixels read).

GDAL keeps a band's centre wavelength and width as ``CENTRAL_WAVELENGTH_UM`` and ``FWHM_UM``
in its ``IMAGERY`` metadata domain (GDAL's RFC 100, written by its drivers for Landsat,
Sentinel-2 and others, and by ``gdal_edit -mo``); many products name their bands instead
("Blue", "NIR", "SWIR1"). Both are turned into a centre wavelength in micrometres.
"""
from __future__ import annotations

import re
from typing import Optional, Tuple

from .rasters import open_readonly

# Nominal centre wavelengths (micrometres) of the band names products commonly use; the
# values are those of Landsat 8/9 OLI/TIRS (USGS, Landsat 8-9 Data Users Handbook), the
# common reference of these names.
NAMED_WAVELENGTHS_UM = {
    "coastal": 0.443, "coastalaerosol": 0.443, "aerosol": 0.443, "ultrablue": 0.443,
    "blue": 0.482, "green": 0.561, "red": 0.655,
    "rededge": 0.705, "nir": 0.865, "nearinfrared": 0.865,
    "swir1": 1.609, "swir16": 1.609, "swir2": 2.201, "swir22": 2.201,
    "pan": 0.590, "panchromatic": 0.590, "cirrus": 1.373,
    "tir1": 10.895, "thermal1": 10.895, "lwir1": 10.895,
    "tir2": 12.005, "thermal2": 12.005, "lwir2": 12.005,
}


def wavelength_of_name(description: str) -> Optional[float]:
    """The nominal centre wavelength of a band description such as "Blue" or "B5 (NIR)"."""
    text = description.strip().lower()
    if not text:
        return None
    whole = re.sub(r"[^a-z0-9]", "", text)
    if whole in NAMED_WAVELENGTHS_UM:
        return NAMED_WAVELENGTHS_UM[whole]
    # One known name among the words ("B2 blue", "band 5 (NIR)"), and only one; "red edge
    # 1..3" (Sentinel-2) name bands between red and NIR that a name alone cannot place.
    words = {w for w in re.split(r"[^a-z0-9]+", text) if w}
    if "edge" in words:
        return None
    found = {NAMED_WAVELENGTHS_UM[w] for w in words if w in NAMED_WAVELENGTHS_UM}
    return found.pop() if len(found) == 1 else None


def _number(text) -> Optional[float]:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


def band_spectra(path: str, bands: Tuple[int, ...]
                 ) -> Tuple[Optional[Tuple[float, Optional[float]]], ...]:
    """Per band number of ``bands``: (centre wavelength, FWHM or None) in micrometres, from
    the ``IMAGERY`` metadata or else (centre only) from its description; None where neither
    says."""
    ds = open_readonly(path)
    result = []
    for number in bands:
        band = ds.GetRasterBand(number)
        imagery = band.GetMetadata("IMAGERY") or {}
        centre = _number(imagery.get("CENTRAL_WAVELENGTH_UM"))
        if centre is not None:
            result.append((centre, _number(imagery.get("FWHM_UM"))))
            continue
        named = wavelength_of_name(band.GetDescription() or "")
        result.append((named, None) if named is not None else None)
    return tuple(result)
