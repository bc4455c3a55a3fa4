"""Benchmark spectralmatch:match as the image count grows, at a fixed pixel budget or beyond.

Makes synthetic sets with bench_match's set maker (UInt16 tiles on a regular grid with 30%
overlaps, each with its own gain and offset), runs ``spectralmatch:match`` at its defaults
through ``qgis_process.bin`` with and without ROBUST, each under /usr/bin/time -v, and
prints per set: wall time, CPU time (user + system: steadier than wall time on a shared
machine), wall time per megapixel (of input pixels, all bands), peak resident memory, the
robust / not robust ratios (wall, then CPU) and, with --peer VENV, the time of
spectralmatch 1.0.4 (global_regression then local_block_adjustment) and how many times
faster we are.

Sets (name: grid of tiles, tile side):

    2x2     2 x 2 tiles of 4000^2        6x6     6 x 6 tiles of 800^2
    10x10   10 x 10 tiles of 480^2       20x20   20 x 20 tiles of 240^2
    1000    25 x 40 tiles of 256^2
    1000x480  25 x 40 tiles of 480^2 (not by default: 922 Mpx, 1.8 GB; the image count of
              "1000" at the tile size of "10x10", to tell the count's cost from the size's)

Not a test: the numbers vary with the machine and its load; --repeat N runs each N times and
keeps the fastest.

usage: .venv/bin/python bench/many_images.py [--sets 6x6,10x10,...] [--bands 4]
           [--repeat 1] [--peer VENV] [--plugin-root DIR] [--keep DIR] [--no-plain]
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

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from bench_match import PEER_SCRIPT, write_set  # noqa: E402

SETS = {
    "2x2": ((2, 2), 4000),
    "6x6": ((6, 6), 800),
    "10x10": ((10, 10), 480),
    "20x20": ((20, 20), 240),
    "1000": ((25, 40), 256),
}
EXTRA_SETS = {"1000x480": ((25, 40), 480)}


def make_set(work: str, name: str, bands: int, overlap: float) -> list:
    folder = os.path.join(work, f"set_{name}_{bands}b")
    if not glob.glob(os.path.join(folder, "*.tif")):
        os.makedirs(folder, exist_ok=True)
        grid, size = {**SETS, **EXTRA_SETS}[name]
        start = time.perf_counter()
        write_set(folder, grid, size, bands, overlap)
        print(f"# wrote set {name}: {grid[0] * grid[1]} tiles of {size}^2 x {bands} bands in "
              f"{time.perf_counter() - start:.1f} s", flush=True)
    return sorted(glob.glob(os.path.join(folder, "*.tif")))


def timed(cmd, env) -> tuple:
    """Wall seconds, CPU seconds (user + system) and peak resident MB, by /usr/bin/time -v."""
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd[:4])} ...\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    field = lambda name: float(re.search(name + r": ([\d.]+)", proc.stderr).group(1))  # noqa
    cpu = field(r"User time \(seconds\)") + field(r"System time \(seconds\)")
    return wall, cpu, field(r"Maximum resident set size \(kbytes\)") / 1024.0


def best_of(repeat: int, cmd, env, clear: str) -> tuple:
    """The fastest of ``repeat`` runs: (wall s, its CPU s, the largest peak MB of all)."""
    runs = []
    for _ in range(repeat):
        shutil.rmtree(clear, ignore_errors=True)
        runs.append(timed(cmd, env))
    wall, cpu, _ = min(runs)
    return wall, cpu, max(r[2] for r in runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default=",".join(SETS), help="comma-separated set names")
    ap.add_argument("--bands", type=int, default=4)
    ap.add_argument("--overlap", type=float, default=0.3)
    ap.add_argument("--repeat", type=int, default=1, help="runs per measurement (fastest kept)")
    ap.add_argument("--peer", help="venv with spectralmatch 1.0.4")
    ap.add_argument("--plugin-root", default=ROOT,
                    help="the plugin clone to run (default: this one), e.g. main's")
    ap.add_argument("--no-plain", action="store_true", help="skip the ROBUST=false runs")
    ap.add_argument("--keep", help="folder for the sets, kept between runs (default: temporary)")
    args = ap.parse_args()
    work = args.keep or tempfile.mkdtemp(prefix="sm-many-")
    os.makedirs(work, exist_ok=True)
    plugins = os.path.join(args.plugin_root, ".build", "plugins")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", GDAL_PAM_ENABLED="NO",
               QGIS_PLUGINPATH=plugins)
    header = (f"{'set':<9}{'tiles':>6}{'Mpx':>7}{'robust s':>9}{'cpu':>7}{'s/Mpx':>7}{'MB':>6}"
              f"{'plain s':>8}{'cpu':>7}{'s/Mpx':>7}{'MB':>6}{'rob/pl':>7}{'cpu':>6}")
    if args.peer:
        header += f"{'peer s':>9}{'MB':>7}{'peer/us':>9}"
    rows = []
    for name in args.sets.split(","):
        inputs = make_set(work, name, args.bands, args.overlap)
        grid, size = {**SETS, **EXTRA_SETS}[name]
        mpx = len(inputs) * size * size * args.bands / 1e6
        out = os.path.join(work, f"out_{name}")
        cmd = (["qgis_process.bin", "run", "spectralmatch:match", "--"]
               + [f"INPUT={p}" for p in inputs] + [f"OUTPUT={out}"])
        robust = best_of(args.repeat, cmd, env, out)
        plain = None if args.no_plain else best_of(args.repeat, cmd + ["ROBUST=false"], env, out)
        shutil.rmtree(out, ignore_errors=True)
        line = (f"{name:<9}{len(inputs):>6}{mpx:>7.0f}{robust[0]:>9.1f}{robust[1]:>7.1f}"
                f"{robust[0] / mpx:>7.3f}{robust[2]:>6.0f}")
        if plain:
            line += (f"{plain[0]:>8.1f}{plain[1]:>7.1f}{plain[0] / mpx:>7.3f}{plain[2]:>6.0f}"
                     f"{robust[0] / plain[0]:>7.2f}{robust[1] / plain[1]:>6.2f}")
        else:
            line += f"{'-':>8}{'-':>7}{'-':>7}{'-':>6}{'-':>7}{'-':>6}"
        if args.peer:
            peer_out = os.path.join(work, f"peer_{name}")
            script = os.path.join(work, "peer_run.py")
            with open(script, "w") as f:
                f.write(PEER_SCRIPT.format(workers=os.cpu_count()))
            penv = dict(os.environ)
            penv.pop("PYTHONPATH", None)
            peer = best_of(args.repeat, [os.path.join(args.peer, "bin", "python"), script,
                                         peer_out + "/global", peer_out + "/local"] + inputs,
                           penv, peer_out)
            shutil.rmtree(peer_out, ignore_errors=True)
            line += f"{peer[0]:>9.1f}{peer[2]:>7.0f}{peer[0] / robust[0]:>9.2f}"
        if not rows:
            print(header)
        rows.append(line)
        print(line, flush=True)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
