"""Test sets with known truth: a real Landsat scene cut into overlapping, distorted tiles.

Matching is defined up to one common gain and offset per band, so results are compared with
the truth after one affine fit per band over the whole set.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np
from osgeo import gdal, gdal_array
from scipy import ndimage

from spectralmatch.core.io.atomic import file_digest  # noqa: F401 (tests check inputs with it)

gdal.UseExceptions()

HERE = os.path.dirname(os.path.abspath(__file__))
SCENE = os.path.join(HERE, "data", "landsat_20210326_bgrn.tif")
SCENE11 = os.path.join(HERE, "data", "landsat_20210326_11band.tif")  # 384 x 128, 11 bands

# Distortions of the four tiles of a 2 x 2 set: gain and offset per band (the first tile is
# the truth itself).
GAINS = [[1.0, 1.0, 1.0, 1.0], [1.2, 0.9, 1.1, 0.8], [0.8, 1.1, 1.3, 1.0], [1.05, 0.95, 0.9, 1.2]]
OFFSETS = [[0, 0, 0, 0], [500, -300, 200, 1000], [-400, 600, 0, -800], [100, 100, -100, 300]]


def cancelling_after(calls: int):
    """A cancel check that says yes from its ``calls``-th call on."""
    state = {"n": 0}

    def is_canceled():
        state["n"] += 1
        return state["n"] >= calls

    return is_canceled


@dataclass
class Tile:
    path: str
    row: int  # position in the scene, pixels
    col: int
    truth: np.ndarray  # (bands, rows, cols) float64, undistorted
    valid: np.ndarray  # (bands, rows, cols) bool


def load_scene(bands: Optional[Sequence[int]] = None, scene: str = SCENE
               ) -> Tuple[np.ndarray, tuple, str]:
    ds = gdal.Open(scene)
    data = ds.ReadAsArray().astype(np.float64)
    if bands is not None:
        data = data[list(bands)]
    return data, ds.GetGeoTransform(), ds.GetProjection()


def tile_windows(rows: int, cols: int, grid=(2, 2), overlap=0.3) -> List[Tuple[int, int, int, int]]:
    """(row, col, height, width) of a grid of tiles that overlap by ``overlap`` of a tile."""
    gy, gx = grid
    th = int(rows / (gy - (gy - 1) * overlap))
    tw = int(cols / (gx - (gx - 1) * overlap))
    out = []
    for i in range(gy):
        for j in range(gx):
            r = min(int(round(i * th * (1 - overlap))), rows - th)
            c = min(int(round(j * tw * (1 - overlap))), cols - tw)
            out.append((r, c, th, tw))
    return out


def smooth_field(shape: Tuple[int, int], tilt: float, angle: float, bump: float = 0.0
                 ) -> np.ndarray:
    """A multiplicative plane 1 +- tilt across the tile, in the direction ``angle``; plus
    a dome of height ``bump`` (a Gaussian a fifth of the tile wide) a third of the way from
    the centre towards ``angle``: a field that curves."""
    h, w = shape
    y, x = np.mgrid[0:h, 0:w]
    xn, yn = x / max(w - 1, 1) - 0.5, y / max(h - 1, 1) - 0.5
    u = xn * np.cos(angle) + yn * np.sin(angle)
    dome = np.exp(-((xn - np.cos(angle) / 3) ** 2 + (yn - np.sin(angle) / 3) ** 2)
                  / (2 * 0.2 ** 2))
    return 1.0 + 2.0 * tilt * u + bump * dome


def write_raster(path, data, gt, crs, gdal_type, nodata=None):
    drv = gdal.GetDriverByName("GTiff")
    ds = drv.Create(path, data.shape[2], data.shape[1], data.shape[0], gdal_type,
                    ["TILED=YES", "COMPRESS=DEFLATE"])
    ds.SetGeoTransform(gt)
    ds.SetProjection(crs)
    for b in range(data.shape[0]):
        band = ds.GetRasterBand(b + 1)
        if nodata is not None:
            band.SetNoDataValue(nodata)
        band.WriteArray(data[b])
    ds = None


def make_set(
    folder: str,
    gains: Sequence[Sequence[float]],
    offsets: Sequence[Sequence[float]],
    grid=(2, 2),
    overlap=0.3,
    gdal_type=gdal.GDT_UInt16,
    nodata: Optional[float] = 0,
    fields: Optional[Sequence[Tuple[float, float]]] = None,
    transform=None,
    holes: Optional[Sequence[Optional[Tuple[int, int, int, int]]]] = None,
    bands: Optional[Sequence[int]] = None,
    haze: Optional[Sequence[Tuple[float, float]]] = None,
    source: str = SCENE,
) -> List[Tile]:
    """Write distorted tiles of the scene; tile k is
    ``gains[k] * (truth * field + haze) + offsets[k]``.

    ``source`` is the scene's file; ``transform`` maps the scene's values first (e.g. to a
    negative-valued float range);
    ``fields`` gives (tilt, angle[, bump]) of a smooth multiplicative field per tile
    (vignetting; see smooth_field);
    ``haze`` (amount, angle) of a smooth additive one, a plane from -amount to +amount of the
    scene's band standard deviation across the tile (path radiance that varies across it);
    ``holes`` a
    no-data rectangle (row, col, height, width) in tile coordinates per tile.
    """
    scene, gt, crs = load_scene(bands, source)
    if transform is not None:
        scene = transform(scene)
    dtype = np.dtype(gdal_array.GDALTypeCodeToNumericTypeCode(gdal_type))
    tiles = []
    for k, (r, c, h, w) in enumerate(tile_windows(scene.shape[1], scene.shape[2], grid, overlap)):
        truth = scene[:, r:r + h, c:c + w]
        g = np.asarray(gains[k], dtype=float)[:, None, None]
        o = np.asarray(offsets[k], dtype=float)[:, None, None]
        field = 1.0
        if fields is not None and fields[k] is not None:
            field = smooth_field((h, w), *fields[k])[None]
        additive = 0.0
        if haze is not None and haze[k] is not None:
            amount, angle = haze[k]
            plane = smooth_field((h, w), amount, angle)[None] - 1.0
            additive = plane * scene.std(axis=(1, 2))[:, None, None]
        data = g * (truth * field + additive) + o
        valid = np.ones(data.shape, dtype=bool)
        if holes is not None and holes[k] is not None:
            hr, hc, hh, hw = holes[k]
            valid[:, hr:hr + hh, hc:hc + hw] = False
        if np.issubdtype(dtype, np.integer):
            data = np.rint(data)
        if nodata is not None:
            data[~valid] = nodata
        elif not np.issubdtype(dtype, np.integer):
            data[~valid] = np.nan
        tgt = (gt[0] + c * gt[1], gt[1], 0.0, gt[3] + r * gt[5], 0.0, gt[5])
        path = os.path.join(folder, f"tile_{k}.tif")
        write_raster(path, data.astype(dtype), tgt, crs, gdal_type, nodata)
        tiles.append(Tile(path, r, c, truth, valid))
    return tiles


def read(path: str) -> Tuple[np.ndarray, np.ndarray]:
    """Values as float64 and the validity GDAL reports for them."""
    ds = gdal.Open(path)
    data = ds.ReadAsArray().astype(np.float64)
    if data.ndim == 2:
        data = data[None]
    # GDAL's mask band covers no-data values and mask or alpha bands alike.
    valid = np.stack([ds.GetRasterBand(b + 1).GetMaskBand().ReadAsArray() > 0
                      for b in range(ds.RasterCount)])
    valid &= ~np.isnan(data)
    return data, valid


def affine_error(tiles: List[Tile], outputs: List[str], where=None, scale=1.0) -> np.ndarray:
    """Per band: RMS of (output - best common affine map of the truth) / std of the truth.

    ``where``, per tile a (rows, cols) boolean array, limits the pixels that count; values
    are divided by ``scale`` first (the fit itself needs numbers of ordinary size).
    """
    outs = [(v / scale, m) for v, m in (read(p) for p in outputs)]
    if where is not None:
        outs = [(v, m & w[None]) for (v, m), w in zip(outs, where)]
    n_bands = tiles[0].truth.shape[0]
    errors = []
    for b in range(n_bands):
        t = np.concatenate([tile.truth[b][m[b]] / scale for tile, (_, m) in zip(tiles, outs)])
        y = np.concatenate([o[b][m[b]] for o, m in outs])
        design = np.column_stack([t, np.ones_like(t)])
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        resid = y - design @ coef
        # In the units of the truth: divide by the fitted common gain.
        errors.append(np.sqrt(np.mean(resid**2)) / abs(coef[0]) / t.std())
    return np.array(errors)


def overlap_mad(tiles: List[Tile], paths: List[str], where=None) -> np.ndarray:
    """Per band: mean absolute difference between overlapping rasters, over all pairs."""
    data = [read(p) for p in paths]
    if where is not None:
        data = [(v, m & w[None]) for (v, m), w in zip(data, where)]
    n_bands = data[0][0].shape[0]
    total, count = np.zeros(n_bands), np.zeros(n_bands)
    for a in range(len(tiles)):
        for b in range(a + 1, len(tiles)):
            ta, tb = tiles[a], tiles[b]
            r0, c0 = max(ta.row, tb.row), max(ta.col, tb.col)
            r1 = min(ta.row + ta.truth.shape[1], tb.row + tb.truth.shape[1])
            c1 = min(ta.col + ta.truth.shape[2], tb.col + tb.truth.shape[2])
            if r1 <= r0 or c1 <= c0:
                continue
            va, ma = (x[:, r0 - ta.row:r1 - ta.row, c0 - ta.col:c1 - ta.col] for x in data[a])
            vb, mb = (x[:, r0 - tb.row:r1 - tb.row, c0 - tb.col:c1 - tb.col] for x in data[b])
            both = ma & mb
            total += np.where(both, np.abs(va - vb), 0).sum(axis=(1, 2))
            count += both.sum(axis=(1, 2))
    return total / np.maximum(count, 1)


def scene_crop(path: str, array: Optional[np.ndarray] = None) -> np.ndarray:
    """The part of a scene-sized array (default: the truth) under a raster on its grid."""
    scene, gt, _ = load_scene()
    array = scene if array is None else array
    ds = gdal.Open(path)
    g = ds.GetGeoTransform()
    r0, c0 = int(round((g[3] - gt[3]) / gt[5])), int(round((g[0] - gt[0]) / gt[1]))
    return array[..., r0:r0 + ds.RasterYSize, c0:c0 + ds.RasterXSize]


def _gradients(path: str):
    """|grad| per band of a raster on the scene's grid, of the truth under it, and its inner
    valid pixels (two pixels in from no-data, where a gradient sees no edge)."""
    out = gdal.Open(path).ReadAsArray().astype(float)
    out = out[None] if out.ndim == 2 else out
    inner = ndimage.binary_erosion((out > 0).all(axis=0), iterations=2)
    grad = np.stack([np.hypot(*np.gradient(b)) for b in out])
    grad_truth = np.stack([np.hypot(*np.gradient(b)) for b in scene_crop(path)])
    return grad, grad_truth, inner


def gradient_slopes(paths: Sequence[str]) -> np.ndarray:
    """Per band, one slope for a whole set of rasters: their mean |grad| over the truth's."""
    num, den = 0.0, 0.0
    for path in paths:
        grad, grad_truth, inner = _gradients(path)
        num = num + grad[:, inner].sum(axis=1)
        den = den + grad_truth[:, inner].sum(axis=1)
    return num / den


def excess_gradient(path: str, slopes: Optional[np.ndarray] = None) -> Tuple[np.ndarray, float]:
    """What seams add to a mosaic's edges: mean over pixels of max(0, |grad A(mosaic)| -
    |grad truth|) over the mean |grad truth|, per band and over all bands.

    A is one affine map per band; only its slope matters to a gradient: ``slopes`` (e.g.
    :func:`gradient_slopes` of the matched set), else the mosaic's own mean |grad| over the
    truth's. (A least-squares fit of the values would be biased by the smooth fields the
    matching leaves, and the score would measure that bias rather than the seams.)
    """
    grad, grad_truth, inner = _gradients(path)
    if slopes is None:
        slopes = grad[:, inner].mean(axis=1) / grad_truth[:, inner].mean(axis=1)
    excess = np.clip(grad[:, inner] / np.asarray(slopes)[:, None] - grad_truth[:, inner], 0,
                     None)
    return excess.mean(axis=1) / grad_truth[:, inner].mean(axis=1), \
        float(excess.sum() / grad_truth[:, inner].sum())


def paste_clouds(tiles: List[Tile], which: Sequence[int], centres, radius: float = 7.0,
                 brightness: float = 6000.0, shadow_shift=(9, 12), shadow_factor=0.55):
    """Paste bright blobs and their dark shadows into tiles, at scene positions ``centres``.

    A cloud is a disk with a soft edge a few pixels wide, as cumulus look at 30 m; its
    shadow a darker disk beside it. Returns per tile a mask of the pixels no cloud or shadow
    touches in any tile (a margin included): the pixels to judge the result on.
    """
    touched = [np.zeros(t.truth.shape[1:], dtype=bool) for t in tiles]
    for k in which:
        tile = tiles[k]
        ds = gdal.Open(tile.path, gdal.GA_Update)
        data = ds.ReadAsArray().astype(np.float64)
        h, w = data.shape[1:]
        y, x = np.mgrid[0:h, 0:w]
        for cy, cx in centres:
            cy, cx = cy - tile.row, cx - tile.col
            cloud = np.clip((radius - np.hypot(y - cy, x - cx)) / 3.0, 0, 1)
            sy, sx = cy + shadow_shift[0], cx + shadow_shift[1]
            shadow = np.clip((radius - np.hypot(y - sy, x - sx)) / 3.0, 0, 1)
            data = data * (1 - (1 - shadow_factor) * shadow[None]) + brightness * cloud[None]
            touched[k] |= ndimage.binary_dilation((cloud > 0) | (shadow > 0), iterations=2)
        info = np.iinfo(np.uint16)
        data = np.clip(np.rint(data), 1, info.max)
        data[~tile.valid] = 0
        for b in range(data.shape[0]):
            ds.GetRasterBand(b + 1).WriteArray(data[b].astype(np.uint16))
        ds = None
    # A pixel is cloudy for the evaluation if any tile has a cloud or shadow there.
    scene_mask = {}
    for tile, mask in zip(tiles, touched):
        for r, c in zip(*np.nonzero(mask)):
            scene_mask[(r + tile.row, c + tile.col)] = True
    clear = []
    for tile in tiles:
        m = np.ones(tile.truth.shape[1:], dtype=bool)
        for (r, c) in scene_mask:
            rr, cc = r - tile.row, c - tile.col
            if 0 <= rr < m.shape[0] and 0 <= cc < m.shape[1]:
                m[rr, cc] = False
        clear.append(m)
    return clear


def _overlap_views(tiles: List[Tile], data, a: int, b: int):
    ta, tb = tiles[a], tiles[b]
    r0, c0 = max(ta.row, tb.row), max(ta.col, tb.col)
    r1 = min(ta.row + ta.truth.shape[1], tb.row + tb.truth.shape[1])
    c1 = min(ta.col + ta.truth.shape[2], tb.col + tb.truth.shape[2])
    if r1 <= r0 or c1 <= c0:
        return None
    va, ma = (x[:, r0 - ta.row:r1 - ta.row, c0 - ta.col:c1 - ta.col] for x in data[a])
    vb, mb = (x[:, r0 - tb.row:r1 - tb.row, c0 - tb.col:c1 - tb.col] for x in data[b])
    return va, vb, ma & mb


def boundary_ratio(tiles: List[Tile], paths: List[str], width: int = 4, where=None,
                   parts: bool = False):
    """Per band: mean |A - B| within ``width`` pixels of each overlap's boundary (the edge
    of the pixels both images hold) over its mean deeper inside, over all pairs; with
    ``parts``, the two means instead of their ratio."""
    data = [read(p) for p in paths]
    if where is not None:
        data = [(v, m & w[None]) for (v, m), w in zip(data, where)]
    n_bands = data[0][0].shape[0]
    near, far = np.zeros((2, n_bands)), np.zeros((2, n_bands))
    for a in range(len(tiles)):
        for b in range(a + 1, len(tiles)):
            views = _overlap_views(tiles, data, a, b)
            if views is None:
                continue
            va, vb, both = views
            for k in range(n_bands):
                dist = ndimage.distance_transform_edt(np.pad(both[k], 1))[1:-1, 1:-1]
                diff = np.abs(va[k] - vb[k])
                for acc, sel in ((near, both[k] & (dist <= width)),
                                 (far, both[k] & (dist > width))):
                    acc[0, k] += diff[sel].sum()
                    acc[1, k] += sel.sum()
    if parts:
        return near[0] / near[1], far[0] / far[1]
    return (near[0] / near[1]) / (far[0] / far[1])


def ring_error(tile: Tile, path: str, cloudy: np.ndarray, clear: np.ndarray, ring=(1, 10)
               ) -> np.ndarray:
    """Per band: a matched tile's mean |error| to the truth (after one affine map fitted on
    its ``clear`` pixels) in a ring of ``ring`` pixels around its ``cloudy`` pixels."""
    out, valid = read(path)
    dist = ndimage.distance_transform_edt(~cloudy)
    result = []
    for b in range(out.shape[0]):
        ok = valid[b] & clear
        slope, icpt = np.polyfit(tile.truth[b][ok], out[b][ok], 1)
        err = np.abs(out[b] - (slope * tile.truth[b] + icpt))
        result.append(err[ok & (dist >= ring[0]) & (dist <= ring[1])].mean())
    return np.array(result)


def combined_cut(paths, bands, cut=(0.02, 0.98)):
    """The 2-98% cut of all valid values of ``paths`` together, per band (1-based), from the
    files: what a shared stretch of a matched set should be."""
    out = []
    for b in bands:
        values = []
        for p in paths:
            v, m = read(p)
            values.append(v[b - 1][m[b - 1]])
        out.append(tuple(np.quantile(np.concatenate(values), cut)))
    return out
