"""What the robust statistics cost, phase by phase, in CPU seconds (issue 20).

Runs the statistics of a match (``gather_statistics``, as ``run_match`` calls it) on a set of
rasters in this process, without and with ROBUST, and prints per phase the CPU seconds (user
+ system of the process; the robust lines, fitted on a thread of their own, as that thread's
CPU time) and wall seconds: the first pass, the robust lines and limits, the robust pass.
``--lines`` also fits the lines again on one thread from the first pass's samples, alone,
``--repeat`` times (the steadiest figure on a shared machine). ``--digest FILE`` writes the
robust statistics (overlap moments, excluded counts, block and cell sums) to an .npz, and
``--compare FILE`` compares them with one written by another clone.

Not a test: the numbers vary with the machine and its load; run it under ``nice -n 19``.

usage: .venv/bin/python bench/robust_split.py SET_DIR [--repeat 3] [--lines]
           [--digest FILE | --compare FILE]
"""
from __future__ import annotations

import argparse
import glob
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), ".build", "plugins"))

import numpy as np  # noqa: E402

import spectralmatch.core.stats.gather as G  # noqa: E402
import spectralmatch.core.stats.robust as R  # noqa: E402
from spectralmatch.core.feedback import Feedback  # noqa: E402
from spectralmatch.core.grid.inputs import prepared_planned_inputs  # noqa: E402
from spectralmatch.core.io.parallel import run_settings  # noqa: E402
from spectralmatch.core.options import LocalFit, Statistics, Streaming  # noqa: E402
from spectralmatch.core.runs.matching import _block_grids  # noqa: E402

PHASES: dict = {}
LOCK = threading.Lock()


def cpu() -> float:
    t = os.times()
    return t.user + t.system


def add(label: str, seconds: float) -> None:
    with LOCK:
        PHASES[label] = PHASES.get(label, 0.0) + seconds


def instrument() -> None:
    fit = R.Disagreement._fit

    def fit_timed(self, samples, moments):
        start = time.thread_time()
        try:
            return fit(self, samples, moments)
        finally:
            add("lines and limits (their thread's CPU)", time.thread_time() - start)

    R.Disagreement._fit = fit_timed
    rescan = G.robust_rescan

    def rescan_timed(*args, **kwargs):
        start, wall = cpu(), time.perf_counter()
        try:
            return rescan(*args, **kwargs)
        finally:
            add("robust pass (CPU)", cpu() - start)
            add("robust pass (wall)", time.perf_counter() - wall)

    G.robust_rescan = rescan_timed


def statistics(infos, grid, blocks, cells, robust: bool):
    PHASES.clear()
    start, wall = cpu(), time.perf_counter()
    scan = G.gather_statistics(infos, grid, blocks, Statistics(robust=robust), Streaming(),
                               Feedback(), robust_cells=cells)
    PHASES["total (CPU)"] = cpu() - start
    PHASES["total (wall)"] = time.perf_counter() - wall
    return scan, dict(PHASES)


def digest(scan) -> dict:
    out = {}
    for o in scan.overlaps:
        for name in ("count", "mean_i", "std_i", "mean_j", "std_j", "excluded"):
            out[f"o{o.i}_{o.j}_{name}"] = getattr(o, name)
    for k, (s, c) in enumerate(zip(scan.block_sum, scan.block_count)):
        out[f"bsum{k}"], out[f"bcount{k}"] = s, c
    for p in scan.pair_blocks or []:
        for name in ("count", "sum_i", "sum_j"):
            out[f"p{p.i}_{p.j}_{name}"] = getattr(p, name)
    return out


def compare(ours: dict, path: str) -> None:
    theirs = dict(np.load(path))
    keys = set(ours) | set(theirs)
    missing = [k for k in keys if k not in ours or k not in theirs]
    differ = [k for k in keys - set(missing) if not np.array_equal(ours[k], theirs[k])]
    worst = 0.0
    for k in differ:
        a, b = ours[k].astype(float), theirs[k].astype(float)
        worst = max(worst, float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))))
    print(f"robust statistics vs {path}: {len(keys) - len(differ) - len(missing)} of "
          f"{len(keys)} arrays identical, {len(differ)} differ (largest relative "
          f"difference {worst:.3g}), {len(missing)} missing")
    for k in sorted(differ)[:20]:
        print("   differs:", k)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("inputs", help="folder of the input GeoTIFFs")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--lines", action="store_true", help="time the lines alone, one thread")
    ap.add_argument("--no-plain", action="store_true")
    ap.add_argument("--read-all", action="store_true",
                    help="the robust pass reads every overlap with limits again (no clear "
                         "overlaps skipped): to compare with --digest/--compare")
    ap.add_argument("--digest")
    ap.add_argument("--compare")
    args = ap.parse_args()
    paths = sorted(glob.glob(os.path.join(args.inputs, "*.tif")))
    instrument()
    if args.read_all:
        R.CLEAR_WITHIN = -1.0
    unchanged = R.Disagreement.unchanged

    def counted(self):
        found = unchanged(self)
        print(f"   robust pass: {len(self.rects) - len(found)} of {len(self.rects)} overlaps "
              f"read again ({len(self.clear)} clear)")
        return found

    R.Disagreement.unchanged = counted
    # As a run has them: the heap keeps freed window-sized arrays for reuse.
    with run_settings(), prepared_planned_inputs(paths) as (infos, grid, _, plan):
        cells, blocks = _block_grids(grid, LocalFit(), Feedback())[::-1]
        for n in range(args.repeat):
            runs = [("robust", True)] + ([] if args.no_plain else [("plain", False)])
            for label, robust in runs:
                scan, phases = statistics(infos, grid, blocks, cells, robust)
                print(f"{label} #{n + 1}: " + ", ".join(f"{k} {v:.2f}"
                                                         for k, v in phases.items()),
                      flush=True)
                if robust and n == 0:
                    if args.digest:
                        np.savez(args.digest, **digest(scan))
                    if args.compare:
                        compare(digest(scan), args.compare)
        if args.lines:
            first = G.scan_statistics(infos, grid, blocks, Feedback(), pair_cells=False)
            n = sum(s[0].shape[1] for s in first.samples.values())
            rects = R.pair_rects(grid)
            for _ in range(args.repeat):
                start = time.thread_time()
                R.Disagreement.from_scan(first, cells, rects)
                print(f"lines and limits alone, one thread: {time.thread_time() - start:.2f} s "
                      f"CPU for {len(first.samples)} overlaps, {n / 1e6:.2f} M samples",
                      flush=True)


if __name__ == "__main__":
    main()
