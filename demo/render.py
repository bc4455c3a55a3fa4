"""Render mosaics of raster sets side by side as one true-colour PNG, for the README.

usage: python demo/render.py OUT.png LABEL=GLOB [LABEL=GLOB ...]
Each set becomes a VRT mosaic (later files on top, as a plain VRT stacks them), bands 3, 2, 1
(red, green, blue), all panels with one common stretch so that their colours compare.
"""
import glob
import sys

import numpy as np
from osgeo import gdal

gdal.UseExceptions()
GAP = 8


def mosaic(pattern):
    vrt = gdal.BuildVRT("", sorted(glob.glob(pattern)))
    data = vrt.ReadAsArray(band_list=[3, 2, 1]).astype(float)
    valid = (data > 0).all(axis=0)
    return data, valid


def main(out, sets):
    panels = [mosaic(pattern) for _, pattern in sets]
    ref, ref_valid = panels[0]
    lo = np.array([np.percentile(b[ref_valid], 1) for b in ref])[:, None, None]
    hi = np.array([np.percentile(b[ref_valid], 99) for b in ref])[:, None, None]
    h, w = ref.shape[1:]
    canvas = np.full((3, h, len(panels) * (w + GAP) - GAP), 255, dtype=np.uint8)
    for k, (data, valid) in enumerate(panels):
        rgb = np.clip((data - lo) / (hi - lo) * 255, 0, 255).astype(np.uint8)
        rgb[:, ~valid] = 255
        canvas[:, :, k * (w + GAP):k * (w + GAP) + w] = rgb
    mem = gdal.GetDriverByName("MEM").Create("", canvas.shape[2], h, 3, gdal.GDT_Byte)
    for b in range(3):
        mem.GetRasterBand(b + 1).WriteArray(canvas[b])
    gdal.GetDriverByName("PNG").CreateCopy(out, mem)
    print("demo: picture", out, "panels:", ", ".join(label for label, _ in sets))


if __name__ == "__main__":
    main(sys.argv[1], [a.split("=", 1) for a in sys.argv[2:]])
