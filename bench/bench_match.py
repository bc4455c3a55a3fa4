"""Benchmark spectralmatch:match through qgis_process.bin against the I/O floor and the peer.

Writes a synthetic overlapping set (a grid of tiles cut from one procedural scene, each with
its own gain and offset), window by window so that its size is not bounded by memory; then
runs and times, each under /usr/bin/time -v for the peak memory:

* the I/O floor: a gdal_translate copy of every input with the creation options of our
  outputs (tiled 256 x 256, DEFLATE, predictor 2, all CPUs);
* ours: qgis_process.bin run spectralmatch:match (global and local);
* optionally (--peer VENV) the open-source library spectralmatch, global_regression then
  local_block_adjustment, in a venv made by ../shared/peer/setup_peer.sh;
* optionally (--formats) ours with uncompressed output (CREATION_OPTIONS=COMPRESS=NONE,
  the peer's own output format is uncompressed GeoTIFF too) and ours as a Cloud Optimized
  GeoTIFF (OUTPUT_FORMAT=COG) against ``gdal_translate -of COG`` of the inputs with the same
  COG options;
* optionally (--mosaic) the mosaic of the matched rasters: its floor, gdal_translate of a
  plain VRT of them (same creation options), against spectralmatch:mosaic to a GeoTIFF and
  to a VRT, and spectralmatch:match with MOSAIC (matching and mosaic in one run).

and prints wall times, peak memory and ratios. Not a test: numbers vary with the machine.

usage: .venv/bin/python bench/bench_match.py [--grid 2x2] [--size 4000] [--bands 4]
           [--overlap 0.3] [--threads N] [--peer VENV] [--formats] [--mosaic] [--keep DIR]
"""
from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
from osgeo import gdal

gdal.UseExceptions()
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OPTIONS = ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "COMPRESS=DEFLATE", "PREDICTOR=2",
           "BIGTIFF=IF_SAFER", "NUM_THREADS=ALL_CPUS"]


def scene(x: np.ndarray, y: np.ndarray, band: int) -> np.ndarray:
    """A deterministic texture of mosaic coordinates: the same ground in every tile."""
    h = (x * 73856093) ^ (y * 19349663) ^ (band * 83492791)
    noise = (h % 1009) / 1009.0 - 0.5
    return (6000 + 800 * band + 1500 * np.sin(x / 97.0 + band) * np.cos(y / 131.0)
            + 600 * np.sin((x + 2 * y) / 23.0) + 400 * noise)


def write_set(folder: str, grid, size: int, bands: int, overlap: float) -> list:
    step = int(size * (1 - overlap))
    rng = np.random.default_rng(7)
    paths = []
    for gy in range(grid[0]):
        for gx in range(grid[1]):
            gain = rng.uniform(0.8, 1.25, bands)
            offset = rng.uniform(-500, 500, bands)
            path = os.path.join(folder, f"tile_{gy}_{gx}.tif")
            ds = gdal.GetDriverByName("GTiff").Create(path, size, size, bands, gdal.GDT_UInt16,
                                                      OPTIONS)
            ds.SetGeoTransform((gx * step * 10.0, 10.0, 0, -gy * step * 10.0, 0, -10.0))
            ds.SetProjection(_utm33())
            for b in range(bands):
                ds.GetRasterBand(b + 1).SetNoDataValue(0)
            win = 1024
            for r in range(0, size, win):
                for c in range(0, size, win):
                    h, w = min(win, size - r), min(win, size - c)
                    y, x = np.mgrid[r:r + h, c:c + w]
                    x, y = x + gx * step, y + gy * step
                    for b in range(bands):
                        v = gain[b] * scene(x, y, b) + offset[b]
                        ds.GetRasterBand(b + 1).WriteArray(
                            np.clip(np.rint(v), 1, 65535).astype(np.uint16), c, r)
            ds = None
            paths.append(path)
    return paths


def _utm33() -> str:
    from osgeo import osr

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32633)
    return srs.ExportToWkt()


def timed(cmd, env=None) -> tuple:
    """Wall seconds and peak resident memory (MB) of a command, via /usr/bin/time -v."""
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    return wall, peak / 1024.0, proc.stdout


PEER_SCRIPT = """
import sys, spectralmatch
inputs = sys.argv[3:]
out_g, out_l = sys.argv[1], sys.argv[2]
spectralmatch.global_regression(inputs, out_g, image_parallel_workers=("process", {workers}),
                                window_size=512)
import glob
spectralmatch.local_block_adjustment(sorted(glob.glob(out_g + "/*.tif")), out_l,
                                     number_of_blocks=100)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--grid", default="2x2")
    ap.add_argument("--size", type=int, default=4000)
    ap.add_argument("--bands", type=int, default=4)
    ap.add_argument("--overlap", type=float, default=0.3)
    ap.add_argument("--threads", type=int, default=0, help="THREADS of the algorithm (0: all)")
    ap.add_argument("--compare-robust", action="store_true",
                    help="also run with ROBUST=false and print the ratio")
    ap.add_argument("--peer", help="venv with spectralmatch (../shared/peer/setup_peer.sh)")
    ap.add_argument("--formats", action="store_true",
                    help="also time uncompressed and COG outputs (against the COG copy)")
    ap.add_argument("--mosaic", action="store_true", help="also time the seamless mosaic")
    ap.add_argument("--keep", help="folder to write into and keep (default: a temporary one)")
    args = ap.parse_args()
    grid = tuple(int(v) for v in args.grid.split("x"))
    work = args.keep or tempfile.mkdtemp(prefix="sm-bench-")
    os.makedirs(work, exist_ok=True)
    inputs_dir = os.path.join(work, "inputs")
    if not glob.glob(os.path.join(inputs_dir, "*.tif")):
        os.makedirs(inputs_dir, exist_ok=True)
        t = time.perf_counter()
        write_set(inputs_dir, grid, args.size, args.bands, args.overlap)
        print(f"wrote {grid[0]}x{grid[1]} tiles of {args.size}^2 x {args.bands} bands "
              f"in {time.perf_counter() - t:.1f} s")
    inputs = sorted(glob.glob(os.path.join(inputs_dir, "*.tif")))
    mpix = args.size * args.size * len(inputs) * args.bands / 1e6
    print(f"set: {len(inputs)} tiles, {mpix:.0f} M band-pixels, overlap {args.overlap:.0%}")

    copy_dir = os.path.join(work, "copy")
    shutil.rmtree(copy_dir, ignore_errors=True)
    os.makedirs(copy_dir)
    copy_wall, copy_peak = 0.0, 0.0
    for p in inputs:
        cmd = ["gdal_translate", "-q"] + sum((["-co", o] for o in OPTIONS), [])
        w, m, _ = timed(cmd + [p, os.path.join(copy_dir, os.path.basename(p))])
        copy_wall, copy_peak = copy_wall + w, max(copy_peak, m)

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", GDAL_PAM_ENABLED="NO",
               QGIS_PLUGINPATH=os.path.join(ROOT, ".build", "plugins"))
    out = os.path.join(work, "ours")
    shutil.rmtree(out, ignore_errors=True)
    cmd = ["qgis_process.bin", "run", "spectralmatch:match", "--"]
    cmd += [f"INPUT={p}" for p in inputs] + [f"OUTPUT={out}"]
    if args.threads:
        cmd.append(f"THREADS={args.threads}")
    ours_wall, ours_peak, _ = timed(cmd, env)
    plain = None
    if args.compare_robust:
        shutil.rmtree(out, ignore_errors=True)
        plain = timed(cmd + ["ROBUST=false"], env)

    formats = bench_formats(work, inputs, cmd, env) if args.formats else {}
    print(f"{'run':<34}{'wall s':>9}{'peak MB':>10}{'wall / copy':>13}")
    print(f"{'gdal_translate copy (I/O floor)':<34}{copy_wall:>9.1f}{copy_peak:>10.0f}{1.0:>13.2f}")
    print(f"{'spectralmatch:match (ours)':<34}{ours_wall:>9.1f}{ours_peak:>10.0f}"
          f"{ours_wall / copy_wall:>13.2f}")
    if plain is not None:
        print(f"{'spectralmatch:match ROBUST=false':<34}{plain[0]:>9.1f}{plain[1]:>10.0f}"
              f"{plain[0] / copy_wall:>13.2f}")
        print(f"robust / not robust: wall {ours_wall / plain[0]:.2f}x, "
              f"peak memory {ours_peak / plain[1]:.2f}x")
    for label, (wall, peak) in formats.items():
        print(f"{label:<34}{wall:>9.1f}{peak:>10.0f}{wall / copy_wall:>13.2f}")
    if "COG copy (gdal_translate -of COG)" in formats:
        cog = formats["spectralmatch:match, COG"][0]
        print(f"COG: ours / gdal_translate -of COG: "
              f"{cog / formats['COG copy (gdal_translate -of COG)'][0]:.2f}")
    if args.peer:
        peer_out = os.path.join(work, "peer")
        shutil.rmtree(peer_out, ignore_errors=True)
        script = os.path.join(work, "peer_run.py")
        with open(script, "w") as f:
            f.write(PEER_SCRIPT.format(workers=os.cpu_count()))
        penv = dict(os.environ)
        penv.pop("PYTHONPATH", None)
        peer_wall, peer_peak, _ = timed(
            [os.path.join(args.peer, "bin", "python"), script, peer_out + "/global",
             peer_out + "/local"] + inputs, penv)
        print(f"{'spectralmatch 1.0.4 global+local':<34}{peer_wall:>9.1f}{peer_peak:>10.0f}"
              f"{peer_wall / copy_wall:>13.2f}")
        print(f"ours is {peer_wall / ours_wall:.1f}x faster than the peer")
        if formats:
            plain = formats["spectralmatch:match, uncompressed"][0]
            print(f"ours uncompressed is {peer_wall / plain:.1f}x faster than the peer "
                  "(both write uncompressed GeoTIFF)")
    peaks = {"ours": ours_peak, **{k: v[1] for k, v in formats.items()}}
    print("peak memory <= 500 MB: " + ", ".join(
        f"{k} {'yes' if v <= 500 else 'NO'}" for k, v in peaks.items()))
    if args.mosaic:
        bench_mosaic(work, out, inputs, env)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


COG_OPTIONS = ["COMPRESS=DEFLATE", "PREDICTOR=YES", "BIGTIFF=IF_SAFER", "NUM_THREADS=ALL_CPUS",
               "OVERVIEW_RESAMPLING=AVERAGE"]


def bench_formats(work: str, inputs, cmd, env) -> dict:
    """Ours uncompressed and as COG; the COG copy of the inputs (same COG options)."""
    found = {}
    for label, extra in (("spectralmatch:match, uncompressed", ["CREATION_OPTIONS=COMPRESS=NONE"]),
                         ("spectralmatch:match, COG", ["OUTPUT_FORMAT=COG"])):
        out = os.path.join(work, "ours")
        shutil.rmtree(out, ignore_errors=True)
        wall, peak, _ = timed(cmd + extra, env)
        found[label] = (wall, peak)
    folder = os.path.join(work, "cog_copy")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    wall, peak = 0.0, 0.0
    for p in inputs:
        w, m, _ = timed(["gdal_translate", "-q", "-of", "COG"]
                        + sum((["-co", o] for o in COG_OPTIONS), [])
                        + [p, os.path.join(folder, os.path.basename(p))])
        wall, peak = wall + w, max(peak, m)
    found["COG copy (gdal_translate -of COG)"] = (wall, peak)
    shutil.rmtree(folder, ignore_errors=True)
    return found


def bench_mosaic(work: str, matched_dir: str, inputs, env) -> None:
    """The mosaic of the matched rasters, against gdal_translate of their plain VRT."""
    matched = sorted(glob.glob(os.path.join(matched_dir, "*_matched.tif")))
    folder = os.path.join(work, "mosaic")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    plain_vrt = os.path.join(folder, "plain.vrt")
    gdal.BuildVRT(plain_vrt, matched).FlushCache()
    cmd = ["gdal_translate", "-q"] + sum((["-co", o] for o in OPTIONS), [])
    floor, floor_peak, _ = timed(cmd + [plain_vrt, os.path.join(folder, "plain.tif")])
    runs = [("gdal_translate of a plain VRT", floor, floor_peak)]
    base = ["qgis_process.bin", "run"]
    for label, args in (
            ("spectralmatch:mosaic, GeoTIFF", ["spectralmatch:mosaic", "--"]
             + [f"INPUT={p}" for p in matched] + [f"OUTPUT={folder}/mosaic.tif"]),
            ("spectralmatch:mosaic, VRT", ["spectralmatch:mosaic", "--"]
             + [f"INPUT={p}" for p in matched] + [f"OUTPUT={folder}/mosaic.vrt"]),
            ("spectralmatch:match with MOSAIC", ["spectralmatch:match", "--"]
             + [f"INPUT={p}" for p in inputs]
             + [f"OUTPUT={folder}/matched", f"MOSAIC={folder}/matched_mosaic.tif"])):
        wall, peak, _ = timed(base + args, env)
        runs.append((label, wall, peak))
    print(f"{'mosaic run':<34}{'wall s':>9}{'peak MB':>10}{'wall / floor':>13}")
    for label, wall, peak in runs:
        print(f"{label:<34}{wall:>9.1f}{peak:>10.0f}{wall / floor:>13.2f}")


if __name__ == "__main__":
    main()
