"""The scores of bench/local_seams.py: overlap disagreement, boundary / interior, error to
the truth after one affine map per band, and the ring around clouds. Not a test."""
from __future__ import annotations

import numpy as np
from osgeo import gdal
from scipy import ndimage

gdal.UseExceptions()
BOUNDARY = 4  # pixels


def read(path):
    ds = gdal.Open(path)
    data = ds.ReadAsArray().astype(np.float64)
    valid = np.stack([ds.GetRasterBand(b + 1).GetMaskBand().ReadAsArray() > 0
                      for b in range(ds.RasterCount)]).all(axis=0)
    return data, valid


def score(tiles, outputs):
    """Per band: dis, boundary/interior ratio, err; and the cloudy tiles' ring/else ratio."""
    outs = [read(p) for p in outputs]
    n_bands = outs[0][0].shape[0]
    # Pixels no cloud touches in any tile, in every tile's own coordinates.
    cloudy = {}
    for t in tiles:
        for r, c in zip(*np.nonzero(t["clouds"])):
            cloudy[(r + t["row"], c + t["col"])] = True
    clear = []
    for t, (_, valid) in zip(tiles, outs):
        m = valid & t["valid"]
        for (r, c) in cloudy:
            rr, cc = r - t["row"], c - t["col"]
            if 0 <= rr < m.shape[0] and 0 <= cc < m.shape[1]:
                m[rr, cc] = False
        clear.append(m)
    result = {k: np.zeros(n_bands)
              for k in ("dis", "ratio", "err", "ring", "dn", "std", "edge", "inner",
                      "seam_ratio")}
    for b in range(n_bands):
        t_all = np.concatenate([t["truth"][b][m] for t, m in zip(tiles, clear)])
        y_all = np.concatenate([o[0][b][m] for o, m in zip(outs, clear)])
        gain, icpt = np.polyfit(t_all, y_all, 1)
        # In the outputs' band std: bounded where the truth hardly varies (cirrus), where a
        # division by the fitted gain would blow up.
        std = y_all.std()
        resid = y_all - (gain * t_all + icpt)
        result["err"][b] = np.sqrt(np.mean(resid ** 2)) / std
        total = count = 0.0
        edge = [0.0, 0.0]
        inner = [0.0, 0.0]
        seams = [0.0, 0.0]
        for a in range(len(tiles)):
            for c in range(a + 1, len(tiles)):
                shared = shared_pixels(tiles, outs, clear, a, c, b)
                if shared is None:
                    continue
                diff, mask = shared
                dist = ndimage.distance_transform_edt(np.pad(mask, 1))[1:-1, 1:-1]
                total += diff[mask].sum()
                count += mask.sum()
                near = mask & (dist <= BOUNDARY)
                far = mask & (dist > BOUNDARY)
                edge[0] += diff[near].sum()
                edge[1] += near.sum()
                seam = near & _at_image_edges(tiles, a, c, mask, dist)
                seams[0] += diff[seam].sum()
                seams[1] += seam.sum()
                inner[0] += diff[far].sum()
                inner[1] += far.sum()
        result["dn"][b] = total / max(count, 1)
        result["std"][b] = std
        result["dis"][b] = result["dn"][b] / std
        result["edge"][b] = edge[0] / max(edge[1], 1)
        result["inner"][b] = inner[0] / max(inner[1], 1)
        result["ratio"][b] = result["edge"][b] / max(result["inner"][b], 1e-12)
        result["seam_ratio"][b] = seams[0] / max(seams[1], 1) / max(result["inner"][b], 1e-12)
        ring, rest = [0.0, 0.0], [0.0, 0.0]
        for t, (data, _), m in zip(tiles, outs, clear):
            if not t["clouds"].any():
                continue
            dist = ndimage.distance_transform_edt(~t["clouds"])
            err = np.abs(data[b] - (gain * t["truth"][b] + icpt))
            for acc, sel in ((ring, m & (dist >= 1) & (dist <= 10)), (rest, m & (dist > 20))):
                acc[0] += err[sel].sum()
                acc[1] += sel.sum()
        result["ring"][b] = ((ring[0] / ring[1]) / (rest[0] / rest[1])) if ring[1] else np.nan
    return result


def _at_image_edges(tiles, a, c, mask, dist):
    """Pixels of the overlap of tiles a and c whose nearest boundary is the edge of one of
    the two tiles inside the mosaic (a seam), not the mosaic's outer border, a tile's
    no-data or a cloud."""
    ta, tc = tiles[a], tiles[c]
    height = max(t["row"] + t["valid"].shape[0] for t in tiles)
    width = max(t["col"] + t["valid"].shape[1] for t in tiles)
    r0, c0 = max(ta["row"], tc["row"]), max(ta["col"], tc["col"])
    yy, xx = np.mgrid[r0:r0 + mask.shape[0], c0:c0 + mask.shape[1]]
    border = np.minimum.reduce([yy, xx, height - 1 - yy, width - 1 - xx]) + 1
    sa = (yy - ta["row"], xx - ta["col"])
    sc = (yy - tc["row"], xx - tc["col"])
    rect = np.ones_like(mask)
    rect[[0, -1], :] = rect[:, [0, -1]] = False  # the overlap's own edges stay boundaries
    inside = ta["valid"][sa] & tc["valid"][sc] & ~ta["clouds"][sa] & ~tc["clouds"][sc]
    other = ndimage.distance_transform_edt(inside | ~rect) if (~inside).any() else np.inf
    return (border > dist + 0.01) & (other > dist + 0.01)


def shared_pixels(tiles, outs, clear, a, c, b):
    ta, tc = tiles[a], tiles[c]
    r0, c0 = max(ta["row"], tc["row"]), max(ta["col"], tc["col"])
    r1 = min(ta["row"] + ta["valid"].shape[0], tc["row"] + tc["valid"].shape[0])
    c1 = min(ta["col"] + ta["valid"].shape[1], tc["col"] + tc["valid"].shape[1])
    if r1 <= r0 or c1 <= c0:
        return None
    sa = (slice(r0 - ta["row"], r1 - ta["row"]), slice(c0 - ta["col"], c1 - ta["col"]))
    sc = (slice(r0 - tc["row"], r1 - tc["row"]), slice(c0 - tc["col"], c1 - tc["col"]))
    mask = clear[a][sa] & clear[c][sc]
    if not mask.any():
        return None
    return np.abs(outs[a][0][b][sa] - outs[c][0][b][sc]), mask


# ---------------------------------------------------------------- mosaic and agreement
