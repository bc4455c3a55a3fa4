"""Seams of the local step at the boundaries of overlaps, on sets with known truth.

Sets are cut from the real Landsat scenes in ../shared/data/landsat (all 11 bands): 2x2 and
3x3 grids of tiles overlapping by 15-35%, each tile ``gain * (truth * field) + offset`` per
band with its own smooth multiplicative field (a tilt plus a low-frequency bump, +-5% or
+-15%), some with a no-data corner in an overlap, and each set again with cumulus-like clouds
and their shadows pasted into every other tile. Per set and band it prints, for ours (this
checkout), optionally ours as of another checkout (--old) and the peer (--peer, spectralmatch
1.0.4 global_regression then local_block_adjustment at their defaults):

* dis: mean |A - B| over the shared clear pixels of all overlaps, in band standard
  deviations (of the run's outputs over the set's clear pixels);
* b/i: the same within 4 pixels of each overlap's boundary over the rest of the overlap
  (the summary also gives it for the pixels whose nearest boundary is a seam, the edge of
  one of the two tiles inside the mosaic: not the mosaic's outer border, no-data, a cloud);
* err: RMS error to the truth after one common affine map per band, in band std;
  (1 would be outputs unrelated to the truth);
* cloudy sets: ring/else, the cloudy tiles' mean |error| 1-10 px around the clouds over
  their mean |error| farther than 20 px from them. The clouds sit inside the tiles, where
  no overlap sees the fields, so ring/else is not 1 without any halo; the summary also
  gives ours' ring/else over that of the same tiles with the clouds left out (the same
  masks; a second run of ours): the halo itself.

``--observable`` adds the best a relative method could reach (:func:`run_observable`):
every field exact wherever two tiles overlap, and where a tile is alone its own field left
("alone") or the nearest overlap's correction carried on ("carried"). What it misses, no
method that sees only the overlaps can promise.

``--profile N [--bands 4,9]`` (a diagnostic): on set N without clouds, per band, mean |A - B|
and mean A - B against the distance (0..30 px) to the overlap's boundary, separately where
that boundary is image A's edge and where it is B's, for ours, the oracle and the global
step's outputs; the difference of the two images' fitted fields alone (no data); and the
share of clear pixels that the robust pass left out of the overlaps' cells, by distance.

``--smoothness a,b,c`` runs ours once per value on sets cut from a held-out scene
(Landsat_20250422, used by no reported set) and prints the summary of each: the way the
default smoothness was chosen. Not a test; the peer is never imported here.

usage: .venv/bin/python bench/local_seams.py [--peer VENV] [--old CHECKOUT]
           [--scenes DIR] [--smoothness 0.03,0.1,0.3] [--keep DIR [--reuse-peer]]
           [--oracle] [--observable] [--mosaic] [--agree] [--profile N [--bands 4,9]]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from osgeo import gdal
from scipy import ndimage

gdal.UseExceptions()
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCENES = os.path.join(ROOT, "..", "shared", "data", "landsat")

# name, scene date, grid, overlap, field amplitude, tile with a no-data corner
SETS = [
    ("2x2 25% 5%", "20210326", (2, 2), 0.25, 0.05, None),
    ("2x2 15% 15% corner", "20230503", (2, 2), 0.15, 0.15, 1),
    ("3x3 35% 15%", "20240302", (3, 3), 0.35, 0.15, None),
    ("3x3 20% 5% corner", "20220313", (3, 3), 0.20, 0.05, 4),
]
HELD_OUT = "20250422"
sys.path.insert(0, HERE)
from seam_scores import read, score, shared_pixels  # noqa: E402
from seam_sets import write_set  # noqa: E402


def run_ours(paths, folder, smoothness=None):
    """This checkout, in this process; ``smoothness`` "s", "s:rest" or "s:rest:bending"
    sets the fit's weights."""
    sys.path.insert(0, _plugin_dir(ROOT))
    import spectralmatch.core as core
    if smoothness is not None:
        values = [float(v) for v in str(smoothness).split(":")]
        _surface_module().SMOOTHNESS = values[0]
        if len(values) > 1:
            _surface_module().REST = values[1]
        if len(values) > 2:
            _surface_module().BENDING = values[2]
    if hasattr(core, "Outputs"):
        return core.run_match(paths, core.Outputs(folder)).outputs
    return core.run_match(paths, folder).outputs


def _surface_module():
    import importlib
    for name in ("spectralmatch.core.correct.local_surface", "spectralmatch.core.local_surface"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise ImportError("no local_surface module")


def _plugin_dir(checkout):
    d = tempfile.mkdtemp(prefix="sm-plugin-")
    os.symlink(os.path.abspath(checkout), os.path.join(d, "spectralmatch"))
    return d


def run_checkout(checkout, paths, folder):
    """Another checkout of ours (e.g. main before this change), in a child process."""
    code = ("import sys, json; sys.path.insert(0, sys.argv[1]); import spectralmatch.core as c;"
            "paths, folder = json.loads(sys.argv[2]), sys.argv[3];"
            "r = c.run_match(paths, c.Outputs(folder)) if hasattr(c, 'Outputs') "
            "else c.run_match(paths, folder); print(json.dumps(r.outputs))")
    out = subprocess.run([sys.executable, "-c", code, _plugin_dir(checkout), json.dumps(paths),
                          folder], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_peer(venv, paths, folder, reuse=False):
    """spectralmatch 1.0.4: global_regression, then local_block_adjustment, defaults.
    ``reuse``: outputs already in ``folder`` (a --keep folder of an earlier run) are kept."""
    glob = [os.path.join(folder, "global", os.path.basename(p)) for p in paths]
    local = [os.path.join(folder, "local", os.path.basename(p)) for p in paths]
    if reuse and all(os.path.exists(p) for p in local):
        return local
    for d in ("global", "local"):
        os.makedirs(os.path.join(folder, d), exist_ok=True)
    code = ("import sys, json, spectralmatch as s; a = json.loads(sys.argv[1]);"
            "s.global_regression(a[0], a[1]); s.local_block_adjustment(a[1], a[2])")
    subprocess.run([os.path.join(venv, "bin", "python"), "-c", code,
                    json.dumps([paths, glob, local])], capture_output=True, check=True)
    return local


def run_oracle(tiles, folder, float32=False):
    """The floor: each stored tile through its exact known inverse (its gain, offset and
    field), mapped to one common target per band (the tiles' mean gain and offset, no field),
    written as UInt16 (rounded, as ours writes UInt16 inputs) or Float32. What remains is the
    rounding of the stored tiles and, in UInt16, of the output."""
    os.makedirs(folder, exist_ok=True)
    gain = np.mean([t["gain"] for t in tiles], axis=0)
    offset = np.mean([t["offset"] for t in tiles], axis=0)
    outputs = []
    for t in tiles:
        src = gdal.Open(t["path"])
        stored = src.ReadAsArray().astype(np.float64)
        out = gain * (stored - t["offset"]) / (t["gain"] * t["field"][None]) + offset
        gdal_type = gdal.GDT_Float32 if float32 else gdal.GDT_UInt16
        if not float32:
            out = np.clip(np.rint(out), 1, 65535)
        out[:, stored[0] == 0] = 0
        outputs.append(_write_like(src, out, folder, os.path.basename(t["path"]), gdal_type))
    return outputs


def _write_like(src, values, folder, name, gdal_type):
    """``values`` as a GeoTIFF on the grid of ``src``, no-data 0; its path."""
    path = os.path.join(folder, name)
    dst = gdal.GetDriverByName("GTiff").Create(path, src.RasterXSize, src.RasterYSize,
                                               src.RasterCount, gdal_type)
    dst.SetGeoTransform(src.GetGeoTransform())
    dst.SetProjection(src.GetProjection())
    for b in range(src.RasterCount):
        dst.GetRasterBand(b + 1).SetNoDataValue(0)
        dst.GetRasterBand(b + 1).WriteArray(values[b])
    dst = None
    return path


def run_observable(tiles, folder, carried):
    """What a relative method could reach at best: every field known exactly wherever two or
    more tiles overlap, and there each tile brought to the mean log field of the tiles on
    that pixel (the central tendency ours keeps), gains and offsets known exactly. Where a
    tile is alone, no image sees its field: ``carried`` False leaves the tile's own field
    there (no correction), True carries the correction of the nearest overlapped pixel of
    the tile on unchanged. Float32, so that no rounding enters."""
    os.makedirs(folder, exist_ok=True)
    gain = np.mean([t["gain"] for t in tiles], axis=0)
    offset = np.mean([t["offset"] for t in tiles], axis=0)
    h = max(t["row"] + t["valid"].shape[0] for t in tiles)
    w = max(t["col"] + t["valid"].shape[1] for t in tiles)
    total, cover = np.zeros((h, w)), np.zeros((h, w))
    for t in tiles:
        th, tw = t["valid"].shape
        total[t["row"]:t["row"] + th, t["col"]:t["col"] + tw] += np.where(
            t["valid"], np.log(t["field"]), 0.0)
        cover[t["row"]:t["row"] + th, t["col"]:t["col"] + tw] += t["valid"]
    outputs = []
    for t in tiles:
        th, tw = t["valid"].shape
        window = (slice(t["row"], t["row"] + th), slice(t["col"], t["col"] + tw))
        shared = (cover[window] > 1) & t["valid"]
        correction = np.where(shared, total[window] / np.maximum(cover[window], 1)
                              - np.log(t["field"]), 0.0)
        if carried and shared.any() and not shared.all():
            _, (iy, ix) = ndimage.distance_transform_edt(~shared, return_indices=True)
            correction = correction[iy, ix]
        src = gdal.Open(t["path"])
        stored = src.ReadAsArray().astype(np.float64)
        out = gain * (stored - t["offset"]) / t["gain"] * np.exp(correction)[None] + offset
        out[:, stored[0] == 0] = 0
        outputs.append(_write_like(src, out, folder, os.path.basename(t["path"]),
                                   gdal.GDT_Float32))
    return outputs


def _scene_under(path, scene, gt):
    """The part of the scene under a raster on its grid."""
    g = gdal.Open(path).GetGeoTransform()
    r0, c0 = int(round((g[3] - gt[3]) / gt[5])), int(round((g[0] - gt[0]) / gt[1]))
    ds = gdal.Open(path)
    return scene[:, r0:r0 + ds.RasterYSize, c0:c0 + ds.RasterXSize], r0, c0


def score_mosaic(path, tiles, scene, gt):
    """Excess gradient (own slope per band, as bench/mosaic_seams.py) over pixels not cloudy
    in every tile that covers them; and the mean |error| after one affine map per band on
    pixels cloudy in some tile but clear in another, over pixels clear in all."""
    data, valid = read(path)
    truth, r0, c0 = _scene_under(path, scene, gt)
    h, w = valid.shape
    cover = np.zeros((h, w), int)
    cloudy = np.zeros((h, w), int)
    for t in tiles:
        r, c = t["row"] - r0, t["col"] - c0
        th, tw = t["valid"].shape
        cover[r:r + th, c:c + tw] += t["valid"]
        cloudy[r:r + th, c:c + tw] += t["valid"] & t["clouds"]
    some = (cloudy > 0) & (cloudy < cover)
    clear = (cloudy == 0) & (cover > 0)
    inner = ndimage.binary_erosion(valid & (cover > 0), iterations=2) & (cloudy < cover)
    excess, error = [], []
    for b in range(data.shape[0]):
        grad = np.hypot(*np.gradient(data[b]))
        gt_ = np.hypot(*np.gradient(truth[b]))
        slope = grad[inner].mean() / gt_[inner].mean()
        excess.append(np.clip(grad[inner] / slope - gt_[inner], 0, None).mean()
                      / gt_[inner].mean())
        fit = clear & valid
        g, i = np.polyfit(truth[b][fit], data[b][fit], 1)
        err = np.abs(data[b] - (g * truth[b] + i))
        error.append(err[some & valid].mean() / err[fit].mean() if (some & valid).any()
                     else np.nan)
    return np.array(excess), np.array(error)


def run_mosaics(work, scenes):
    """MOSAIC on match over the cloudy sets against a plain VRT of the same matched files."""
    sys.path.insert(0, _plugin_dir(ROOT))
    import spectralmatch.core as core
    print("\nMosaic of match over the cloudy sets (per band 1..11; all bands at the end)")
    for n, (name, date, grid, overlap, amp, corner) in enumerate(SETS):
        folder = os.path.join(work, f"mosaic{n}")
        os.makedirs(folder, exist_ok=True)
        tiles = write_set(folder, scenes, date, grid, overlap, amp, corner, True, n)
        ds = gdal.Open(os.path.join(scenes, f"Landsat_{date}.tif"))
        scene, gt = ds.ReadAsArray().astype(np.float64), ds.GetGeoTransform()
        mosaic = os.path.join(folder, "mosaic.tif")
        result = core.run_match([t["path"] for t in tiles],
                                core.Outputs(os.path.join(folder, "m")),
                                mosaic=core.MosaicOptions(mosaic))
        plain = os.path.join(folder, "plain.tif")
        gdal.Translate(plain, gdal.BuildVRT("", result.outputs))
        print(f"  {name}, clouds in every other tile")
        for label, path in (("MOSAIC", mosaic), ("plain VRT", plain)):
            excess, error = score_mosaic(path, tiles, scene, gt)
            print(f"    {label:<10} excess gradient " + " ".join(f"{v:.3f}" for v in excess)
                  + f"  mean {excess.mean():.3f}")
            print(f"    {'':<10} error cloudy-in-one / clear " + " ".join(
                f"{v:.2f}" for v in error) + f"  max {np.nanmax(error):.2f}")


def run_agree(work, scenes):
    """Images that already agree: tiles cut from one scene, all with the same gain, offset
    and field (so every overlap holds equal values), matched; overlap MAD before and after
    and the change of the values, in DN and band std."""
    sys.path.insert(0, _plugin_dir(ROOT))
    import spectralmatch.core as core
    print("\nImages that already agree (per set: overlap MAD in DN before -> after, all "
          "bands; mean |out - in| / band std)")
    for n, (name, date, grid, overlap, _, corner) in enumerate(SETS):
        folder = os.path.join(work, f"agree{n}")
        os.makedirs(folder, exist_ok=True)
        tiles = write_set(folder, scenes, date, grid, overlap, 0.0, corner, False, n)
        paths = []
        for k, t in enumerate(tiles):  # the same distortion for all: tile 0's gain, offset
            src = gdal.Open(t["path"])
            data = 1.1 * t["truth"] + 200.0
            data = np.clip(np.rint(data), 1, 65535)
            data[:, ~t["valid"]] = 0
            path = os.path.join(folder, f"same_{k}.tif")
            dst = gdal.GetDriverByName("GTiff").CreateCopy(path, src)
            for b in range(data.shape[0]):
                dst.GetRasterBand(b + 1).WriteArray(data[b].astype(np.uint16))
            dst = None
            paths.append(path)
        out = core.run_match(paths, core.Outputs(os.path.join(folder, "m"))).outputs
        before, after = _overlap_mad(tiles, paths), _overlap_mad(tiles, out)
        change = []
        for p_in, p_out in zip(paths, out):
            a, va = read(p_in)
            o, _ = read(p_out)
            change.append(np.abs(o - a)[:, va].mean(axis=1) / a[:, va].std(axis=1))
        print(f"  {name}: {before.mean():.3f} -> {after.mean():.3f} DN; change "
              f"{np.mean(change):.4f} std (max band {np.max(np.mean(change, axis=0)):.4f})")


def _overlap_mad(tiles, paths):
    outs = [read(p) for p in paths]
    clear = [o[1] & t["valid"] for t, o in zip(tiles, outs)]
    mad = []
    for b in range(outs[0][0].shape[0]):
        total = count = 0.0
        for a in range(len(tiles)):
            for c in range(a + 1, len(tiles)):
                shared = shared_pixels(tiles, outs, clear, a, c, b)
                if shared is not None:
                    total += shared[0][shared[1]].sum()
                    count += shared[1].sum()
        mad.append(total / max(count, 1))
    return np.array(mad)


# ---------------------------------------------------------------- boundary profile

PROFILE_AT = (0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30)


def run_profile(work, scenes, n, bands):
    """Where the disagreement at an overlap's boundary comes from (see the docstring)."""
    sys.path.insert(0, _plugin_dir(ROOT))
    import spectralmatch.core as core
    from spectralmatch.core.grid.interpolation import surface_window
    surface = _surface_module()
    name, date, grid, overlap, amp, corner = SETS[n]
    folder = os.path.join(work, f"profile{n}")
    os.makedirs(folder, exist_ok=True)
    tiles = write_set(folder, scenes, date, grid, overlap, amp, corner, False, n)
    paths = [t["path"] for t in tiles]
    seen = {}
    fit = surface.fit_surfaces

    def keep_cells(blocks, spans, pair_cells, cells, *args, **kwargs):
        seen["pairs"], seen["cells"] = list(pair_cells), cells
        return fit(blocks, spans, pair_cells, cells, *args, **kwargs)

    surface.fit_surfaces = keep_cells
    try:
        result = core.run_match(paths, core.Outputs(os.path.join(folder, "new")),
                                keep_global=True)
    finally:
        surface.fit_surfaces = fit
    model = result.local_model
    outs = {"ours": [read(p) for p in result.outputs],
            "oracle": [read(p) for p in run_oracle(tiles, os.path.join(folder, "oracle"))],
            "global": [read(p) for p in result.global_outputs]}
    fields = []
    for k, place in enumerate(model.grid.placements):
        fields.append(surface_window(model.nodes[k], model.spans[k][:2], model.blocks.size,
                                     place.row, place.col, place.rows, place.cols))
    print(f"{name} (Landsat {date}): node spacing {model.blocks.size} px, cells "
          f"{seen['cells'].size} px; distances {PROFILE_AT}")
    for b in bands:
        acc = {}
        for a in range(len(tiles)):
            for c in range(a + 1, len(tiles)):
                ta, tc = tiles[a], tiles[c]
                r0, c0 = max(ta["row"], tc["row"]), max(ta["col"], tc["col"])
                r1 = min(ta["row"] + ta["valid"].shape[0], tc["row"] + tc["valid"].shape[0])
                c1 = min(ta["col"] + ta["valid"].shape[1], tc["col"] + tc["valid"].shape[1])
                if r1 <= r0 or c1 <= c0:
                    continue
                yy, xx = np.mgrid[r0:r1, c0:c1]
                sa = (yy - ta["row"], xx - ta["col"])
                sc = (yy - tc["row"], xx - tc["col"])
                # Distance to each image's own edge; where both are equally near (the edge
                # of the mosaic), the pixel belongs to neither side.
                dist = [np.minimum.reduce([y, x, t["valid"].shape[0] - 1 - y,
                                           t["valid"].shape[1] - 1 - x])
                        for t, (y, x) in ((ta, sa), (tc, sc))]
                mask = ta["valid"][sa] & tc["valid"][sc]
                series = {}
                for key, o in outs.items():
                    series[key] = o[a][0][b - 1][sa] - o[c][0][b - 1][sc]
                    mask &= o[a][1][sa] & o[c][1][sc]
                level = outs["ours"][a][0][b - 1][sa]
                # The fields alone, in DN at the output's level, less their overlap mean.
                dx = fields[a][b - 1][sa] - fields[c][b - 1][sc]
                series["fields"] = level * (dx - dx[mask].mean())
                d = np.minimum(*dist)
                for side, sel in (("A's edge", dist[0] < dist[1]), ("B's edge", dist[1] < dist[0])):
                    m = mask & sel & (d <= PROFILE_AT[-1])
                    for key, v in series.items():
                        sums = acc.setdefault((side, key), np.zeros((3, PROFILE_AT[-1] + 1)))
                        np.add.at(sums[0], d[m], np.abs(v[m]))
                        np.add.at(sums[1], d[m], v[m])
                        np.add.at(sums[2], d[m], 1)
        print(f"\n  band {b}: mean |A - B| / mean A - B (DN) by distance to the boundary")
        for (side, key), (absolute, signed, count) in acc.items():
            count = np.maximum(count, 1)
            print(f"  {side} {key:<7} |.|" + "".join(f"{absolute[k] / count[k]:7.2f}"
                                                    for k in PROFILE_AT))
            print(f"  {side} {key:<7} +- " + "".join(f"{signed[k] / count[k]:7.2f}"
                                                    for k in PROFILE_AT))
        _print_exclusion(tiles, seen, b)


def _print_exclusion(tiles, seen, b):
    """Share of the shared clear pixels that no cell holds (the robust pass left them
    out), by distance in cells to the overlap's boundary."""
    size = seen["cells"].size
    total, left = np.zeros(12), np.zeros(12)
    for pb in seen["pairs"]:
        r = pb.rect
        ti, tj = tiles[pb.i], tiles[pb.j]
        yy, xx = np.mgrid[r.row:r.row + r.rows, r.col:r.col + r.cols]
        both = (ti["valid"][yy - ti["row"], xx - ti["col"]]
                & tj["valid"][yy - tj["row"], xx - tj["col"]])
        count = np.zeros(pb.count.shape[1:])
        np.add.at(count, (yy // size - pb.span[0], xx // size - pb.span[1]), both)
        dist = ndimage.distance_transform_cdt(np.pad(count > 0, 1), metric="taxicab")[1:-1, 1:-1]
        for k in range(1, 12):
            sel = (dist == k) & (count > 0)
            total[k] += count[sel].sum()
            left[k] += (count - pb.count[b - 1])[sel].sum()
    print("  left out of the cells, by cells from the boundary 1..11: " + " ".join(
        f"{left[k] / max(total[k], 1):.3f}" for k in range(1, 12)))


# ---------------------------------------------------------------- printing


def print_set(name, scores):
    bands = len(next(iter(scores.values()))["dis"])
    print(f"\n{name}")
    print("  band  " + "".join(f"{who:>26}" for who in scores))
    print("        " + "".join(f"{'dis   b/i    err   ring':>26}" for _ in scores))
    for b in range(bands):
        row = "".join(f"{s['dis'][b]:7.3f}{s['ratio'][b]:6.2f}{s['err'][b]:7.3f}"
                      f"{s['ring'][b]:6.2f}" for s in scores.values())
        print(f"  {b + 1:>4}  {row}")
    row = "".join(f"{s['dis'].mean():7.3f}{s['ratio'].mean():6.2f}{s['err'].mean():7.3f}"
                  f"{np.nanmean(s['ring']) if np.isfinite(s['ring']).any() else np.nan:6.2f}"
                  for s in scores.values())
    print(f"  mean  {row}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--peer", help="venv with spectralmatch 1.0.4 (../shared/peer)")
    ap.add_argument("--old", help="another checkout of this plugin (e.g. main)")
    ap.add_argument("--scenes", default=SCENES)
    ap.add_argument("--smoothness", help="comma-separated values to compare (held-out scene), "
                    "each smoothness[:rest[:bending]]")
    ap.add_argument("--keep", help="folder to keep the sets and outputs in")
    ap.add_argument("--mosaic", action="store_true",
                    help="only: MOSAIC on match over the cloudy sets against a plain VRT")
    ap.add_argument("--agree", action="store_true",
                    help="only: sets whose images already agree (overlap MAD, change)")
    ap.add_argument("--reuse-peer", action="store_true",
                    help="keep the peer's outputs found in the --keep folder (same sets)")
    ap.add_argument("--profile", type=int, metavar="N",
                    help="only: the boundary profile of set N (0-based; a diagnostic)")
    ap.add_argument("--bands", default="4,9", help="bands of --profile (1-based)")
    ap.add_argument("--observable", action="store_true",
                    help="also the best a relative method could reach (run_observable)")
    ap.add_argument("--oracle", action="store_true",
                    help="also score the floor: each tile's exact inverse, UInt16 and Float32")
    args = ap.parse_args()
    work = args.keep or tempfile.mkdtemp(prefix="local-seams-")
    if args.profile is not None:
        run_profile(work, args.scenes, args.profile,
                    [int(b) for b in args.bands.split(",")])
        return
    if args.mosaic or args.agree:
        if args.mosaic:
            run_mosaics(work, args.scenes)
        if args.agree:
            run_agree(work, args.scenes)
        return
    if args.smoothness:
        values = args.smoothness.split(",")
        print("smoothness   dis    b/i    err   ring   (means over the held-out sets and bands)")
        rows = {v: [] for v in values}
        for n, (name, _, grid, overlap, amp, corner) in enumerate(SETS):
            for cloudy in (False, True):
                folder = os.path.join(work, f"held{n}{'c' if cloudy else ''}")
                os.makedirs(folder, exist_ok=True)
                tiles = write_set(folder, args.scenes, HELD_OUT, grid, overlap, amp, corner,
                                  cloudy, 100 + n)
                for v in values:
                    out = run_ours([t["path"] for t in tiles], os.path.join(folder, f"s{v}"), v)
                    rows[v].append(score(tiles, out))
        for v in values:
            s = rows[v]
            print(f"{v:>10} {np.mean([r['dis'].mean() for r in s]):6.3f} "
                  f"{np.mean([r['ratio'].mean() for r in s]):6.2f} "
                  f"{np.mean([r['err'].mean() for r in s]):6.3f} "
                  f"{np.nanmean([np.nanmean(r['ring']) for r in s if np.isfinite(r['ring']).any()]):6.2f}")
        return
    results = []
    for n, (name, date, grid, overlap, amp, corner) in enumerate(SETS):
        for cloudy in (False, True):
            folder = os.path.join(work, f"set{n}{'c' if cloudy else ''}")
            os.makedirs(folder, exist_ok=True)
            tiles = write_set(folder, args.scenes, date, grid, overlap, amp, corner, cloudy, n)
            paths = [t["path"] for t in tiles]
            scores = {"ours (new)": score(tiles, run_ours(paths, os.path.join(folder, "new")))}
            if cloudy:  # the same tiles without the clouds pasted: the ring's baseline
                base = os.path.join(folder, "noclouds")
                os.makedirs(base, exist_ok=True)
                clean = write_set(base, args.scenes, date, grid, overlap, amp, corner, cloudy,
                                  n, paste=False)
                scores["ours (new)"]["ring_base"] = score(clean, run_ours(
                    [t["path"] for t in clean], os.path.join(base, "new")))["ring"]
            if args.old:
                scores["ours (old)"] = score(tiles, run_checkout(args.old, paths,
                                                                 os.path.join(folder, "old")))
            if args.peer:
                scores["peer 1.0.4"] = score(tiles, run_peer(
                    args.peer, paths, os.path.join(folder, "peer"), args.reuse_peer))
            if args.oracle:
                for float32 in (False, True):
                    kind = "Float32" if float32 else "UInt16"
                    scores[f"oracle {kind}"] = score(tiles, run_oracle(
                        tiles, os.path.join(folder, f"oracle{kind}"), float32))
            if args.observable:
                for carried in (False, True):
                    kind = "carried" if carried else "alone"
                    scores[f"observable, {kind}"] = score(tiles, run_observable(
                        tiles, os.path.join(folder, f"observable{kind}"), carried))
            label = f"{name}{' clouds' if cloudy else ''}"
            print_set(f"{name} (Landsat {date}){', clouds in every other tile' if cloudy else ''}",
                      scores)
            results.append((label, scores))
    print_summary(results)


def print_summary(results):
    """The criteria of issue 16, counted over set-bands."""
    print("\nSummary per set (ratios per band 1..11; * fails)")
    counts = {}

    def tally(key, ok):
        done, total = counts.get(key, (0, 0))
        counts[key] = (done + int(np.sum(ok)), total + np.size(ok))

    for label, sc in results:
        new = sc["ours (new)"]
        print(f"  {label}")
        rows = []
        if "peer 1.0.4" in sc:
            peer = sc["peer 1.0.4"]
            rows.append(("dis/peer (own std) <= 0.5", new["dis"] / peer["dis"], 0.5))
            rows.append(("dis/peer (DN)      <= 0.5", new["dn"] / peer["dn"], 0.5))
            for kind in ("UInt16", "Float32"):
                if f"oracle {kind}" in sc:
                    o = sc[f"oracle {kind}"]
                    rows.append((f"floor {kind:<7}/peer (DN)", o["dn"] / peer["dn"], 0.5))
            rows.append(("err - peer err      <= 0", new["err"] - peer["err"], 0.0))
        rows.append(("b/i                 <= 1.5", new["ratio"], 1.5))
        rows.append(("b/i at seams only (see score)", new["seam_ratio"], 1.5))
        if "ring_base" in new:
            rows.append(("ring/else            <= 1.1", new["ring"], 1.1))
            rows.append(("ring/(ring no clouds) <= 1.1", new["ring"] / new["ring_base"], 1.1))
        for kind in ("alone", "carried"):
            o = sc.get(f"observable, {kind}")
            if o is not None:
                if "peer 1.0.4" in sc:
                    rows.append((f"observable {kind:<7} err - peer", o["err"] - peer["err"],
                                 0.0))
                rows.append((f"observable {kind:<7} err - ours", o["err"] - new["err"], 0.0))
                if "ring_base" in new:
                    rows.append((f"observable {kind:<7} ring/else", o["ring"], 1.1))
        if "peer 1.0.4" in sc:
            rows.append(("boundary/peer's boundary (DN)", new["edge"] / peer["edge"], 1.0))
        if "oracle UInt16" in sc:
            rows.append(("interior/floor UInt16 (DN)  ", new["inner"] / sc["oracle UInt16"]["inner"],
                         np.inf))
        if "ours (old)" in sc:
            rows.append(("boundary/old boundary (DN)", new["edge"] / sc["ours (old)"]["edge"],
                         1.0))
            rows.append(("err - old err       <= 0", new["err"] - sc["ours (old)"]["err"], 0.0))
        for text, values, bound in rows:
            ok = values <= bound + 1e-9
            tally(text, ok)
            print(f"    {text} " + " ".join(f"{v:6.2f}{' ' if o else '*'}"
                                            for v, o in zip(values, ok)))
    print("\nSet-bands within each bound:")
    for text, (done, total) in counts.items():
        print(f"  {text}: {done} of {total}")

if __name__ == "__main__":
    main()
