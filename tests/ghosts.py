"""Does the local correction of a clear date follow the clouds of other dates? A measure.

For each nearly clear date and visible band: r = log(out / in) on valid pixels, minus what a
global gain and offset explain (least squares on 1, 1/in, 1/in^2), correlated with the other
dates' cloud mask (blue >= 12000 DN), Gaussian-smoothed at the block scale. A ghost shows as
a positive correlation; 0 means none.
"""
import os
import re

import numpy as np
from osgeo import gdal
from scipy import ndimage

CLEAR = ("20210326", "20230503", "20240302")
CLOUD_DN = 12000


def date_of(path: str) -> str:
    """The yyyymmdd in a file name such as Landsat_20210326.tif or landsat_20210326_bgr.tif."""
    return re.search(r"(\d{8})", os.path.basename(path)).group(1)


def ghost_correlations(paths, outputs, block_pixels, blue, visible, rotate=False):
    """{(date, band): correlation}; ``rotate`` turns the cloud mask by 180 degrees, which
    gives the level that smooth fields reach against a mask of a few dozen blobs by chance."""
    dates = [date_of(p) for p in paths]
    cubes = {d: gdal.Open(p).ReadAsArray().astype(np.float64) for d, p in zip(dates, paths)}
    clouds = {d: (c[blue] >= CLOUD_DN).astype(float) for d, c in cubes.items()}
    result = {}
    for date, out_path in zip(dates, outputs):
        if date not in CLEAR:
            continue
        others = np.mean([clouds[d] for d in dates if d != date], axis=0)
        mask = ndimage.gaussian_filter(others, block_pixels)
        if rotate:
            mask = mask[::-1, ::-1]
        out = gdal.Open(out_path).ReadAsArray().astype(np.float64)
        for band in visible:
            x, y = cubes[date][band], out[band]
            ok = (x > 0) & (y > 0)
            r = np.log(y[ok] / x[ok])
            design = np.column_stack([np.ones(ok.sum()), 1 / x[ok], 1 / x[ok] ** 2])
            coef, *_ = np.linalg.lstsq(design, r, rcond=None)
            result[(date, band)] = float(np.corrcoef(r - design @ coef, mask[ok])[0, 1])
    return result
