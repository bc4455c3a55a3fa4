"""The sets of bench/local_seams.py: tiles cut from a real Landsat scene, each a gain and
offset per band times its own smooth field, some with a no-data corner, some with clouds and
their shadows pasted in. Not a test."""
from __future__ import annotations

import os

import numpy as np
from osgeo import gdal
from scipy import ndimage

gdal.UseExceptions()


def tile_windows(rows, cols, grid, overlap):
    gy, gx = grid
    th = int(rows / (gy - (gy - 1) * overlap))
    tw = int(cols / (gx - (gx - 1) * overlap))
    return [(min(int(round(i * th * (1 - overlap))), rows - th),
             min(int(round(j * tw * (1 - overlap))), cols - tw), th, tw)
            for i in range(gy) for j in range(gx)]


def smooth_field(shape, amplitude, rng):
    """1 + amplitude * (a tilt plus a bump, scaled to [-1, 1])."""
    h, w = shape
    y, x = np.mgrid[0:h, 0:w]
    y, x = y / (h - 1) - 0.5, x / (w - 1) - 0.5
    angle = rng.uniform(0, 2 * np.pi)
    tilt = x * np.cos(angle) + y * np.sin(angle)
    cy, cx = rng.uniform(-0.3, 0.3, 2)
    bump = rng.choice([-1, 1]) * np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * 0.2 ** 2))
    g = tilt + 0.6 * bump
    g = 2 * (g - g.min()) / (g.max() - g.min()) - 1
    return 1.0 + amplitude * g


def paste_clouds(data, valid, rng, count=4):
    """Bright soft disks with shadows beside them; returns the touched pixels (dilated)."""
    h, w = data.shape[1:]
    y, x = np.mgrid[0:h, 0:w]
    touched = np.zeros((h, w), dtype=bool)
    for _ in range(count):
        cy, cx = rng.uniform(0.1, 0.9) * h, rng.uniform(0.1, 0.9) * w
        radius = rng.uniform(5, 9)
        cloud = np.clip((radius - np.hypot(y - cy, x - cx)) / 3.0, 0, 1)
        shadow = np.clip((radius - np.hypot(y - cy - 9, x - cx - 12)) / 3.0, 0, 1)
        data *= 1 - 0.45 * shadow[None]
        data += rng.uniform(6000, 12000) * cloud[None]
        touched |= (cloud > 0) | (shadow > 0)
    return ndimage.binary_dilation(touched, iterations=2)


def write_set(folder, scenes, date, grid, overlap, amplitude, corner, cloudy, seed,
              paste=True):
    """The tiles of a set; ``paste`` False draws the clouds (the same masks and random
    numbers) without pasting them: the same tiles cloud-free, the baseline of the halo."""
    ds = gdal.Open(os.path.join(scenes, f"Landsat_{date}.tif"))
    scene = ds.ReadAsArray().astype(np.float64)
    gt, crs = ds.GetGeoTransform(), ds.GetProjection()
    rng = np.random.default_rng(seed)
    tiles = []
    for k, (r, c, h, w) in enumerate(tile_windows(scene.shape[1], scene.shape[2], grid,
                                                  overlap)):
        truth = scene[:, r:r + h, c:c + w]
        gain = rng.uniform(0.8, 1.25, (scene.shape[0], 1, 1))
        offset = rng.uniform(-500, 500, (scene.shape[0], 1, 1))
        field = smooth_field((h, w), amplitude, rng)
        data = gain * truth * field[None] + offset
        valid = np.ones((h, w), dtype=bool)
        if k == corner:  # a triangle of no-data in the corner that the others overlap
            yy, xx = np.mgrid[0:h, 0:w]
            valid = (h - 1 - yy) + xx > 0.45 * min(h, w)
        clouds = np.zeros((h, w), dtype=bool)
        if cloudy and k % 2 == 0:
            clouds = paste_clouds(data if paste else data.copy(), valid, rng)
        data = np.clip(np.rint(data), 1, 65535)
        data[:, ~valid] = 0
        path = os.path.join(folder, f"tile_{k}.tif")
        out = gdal.GetDriverByName("GTiff").Create(path, w, h, scene.shape[0], gdal.GDT_UInt16,
                                                   ["TILED=YES", "COMPRESS=DEFLATE"])
        out.SetGeoTransform((gt[0] + c * gt[1], gt[1], 0, gt[3] + r * gt[5], 0, gt[5]))
        out.SetProjection(crs)
        for b in range(scene.shape[0]):
            out.GetRasterBand(b + 1).SetNoDataValue(0)
            out.GetRasterBand(b + 1).WriteArray(data[b].astype(np.uint16))
        out = None
        tiles.append(dict(path=path, row=r, col=c, truth=truth, valid=valid, clouds=clouds,
                          gain=gain, offset=offset, field=field))
    return tiles


# ---------------------------------------------------------------- running the three
