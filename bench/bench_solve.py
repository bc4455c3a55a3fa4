"""Time the global least-squares solve for a large set: 1,000 images, no rasters.

A 40 x 25 grid of images with 8-neighbour overlaps (3,807 overlaps), synthetic statistics
from known gains and offsets; prints the solve time per band and the largest deviation of the
recovered correction from one common map.

usage: .venv/bin/python bench/bench_solve.py [--rows 25] [--cols 40] [--bands 4]
"""
import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, "..", ".build", "plugins"), os.path.join(HERE, "..", "tests")]

from spectralmatch.core.solve.global_system import solve_band  # noqa: E402
from test_least_squares import grid_overlaps  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=25)
    ap.add_argument("--cols", type=int, default=40)
    ap.add_argument("--bands", type=int, default=4)
    args = ap.parse_args()
    n = args.rows * args.cols
    rng = np.random.default_rng(0)
    total = 0.0
    for band in range(args.bands):
        gains, offsets = rng.uniform(0.7, 1.4, n), rng.uniform(-300, 300, n)
        overlaps = grid_overlaps(args.rows, args.cols, gains, offsets, seed=band)
        start = time.perf_counter()
        sol = solve_band(n, overlaps)
        elapsed = time.perf_counter() - start
        total += elapsed
        common = sol.gains * gains
        print(f"band {band + 1}: {n} images, {len(overlaps)} overlaps, solved in "
              f"{elapsed:.3f} s; max relative spread of the recovered gain "
              f"{np.abs(common / common[0] - 1).max():.1e}")
    print(f"all {args.bands} bands: {total:.3f} s")


if __name__ == "__main__":
    main()
