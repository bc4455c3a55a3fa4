"""How the local-matching defaults (method, blocks per image) were chosen: print the numbers.

Two sets: the test scene cut into 2 x 2 tiles with a gain, an offset and a +-15% smooth
multiplicative tilt each (known truth), and the demo's four real Landsat dates (no truth:
overlap disagreement only). For each method and block count: the error to the truth after one
common affine map per band (relative to the truth's std), and the mean absolute difference
between overlapping outputs, both as a ratio to global matching alone.

usage: .venv/bin/python bench/choose_local_defaults.py
"""
import glob
import os
import sys
import tempfile


HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, "..", ".build", "plugins"), os.path.join(HERE, "..", "tests")]

import synthetic as S  # noqa: E402
from spectralmatch.core import LocalFit, Outputs, run_global, run_match  # noqa: E402
from spectralmatch.core.quality.agreement import overlap_mean_abs_difference  # noqa: E402

GAINS = [[1.0] * 4, [1.2, 0.9, 1.1, 0.8], [0.8, 1.1, 1.3, 1.0], [1.05, 0.95, 0.9, 1.2]]
OFFSETS = [[0] * 4, [500, -300, 200, 1000], [-400, 600, 0, -800], [100, 100, -100, 300]]
TILTS = [(0.15, 0.3), (0.15, 2.0), (0.15, 4.0), (0.15, 5.5)]


def main():
    tmp = tempfile.mkdtemp(prefix="sm-defaults-")
    tiles = S.make_set(tmp, GAINS, OFFSETS, fields=TILTS)
    paths = [t.path for t in tiles]
    demo = sorted(glob.glob(os.path.join(HERE, "..", "demo", "data", "*.tif")))
    g = run_global(paths, Outputs(os.path.join(tmp, "g"))).outputs
    g_err, g_mad = S.affine_error(tiles, g).mean(), S.overlap_mad(tiles, g).mean()
    d_mad = overlap_mean_abs_difference(
        run_global(demo, Outputs(os.path.join(tmp, "dg"))).outputs
    ).mean()
    print(f"global alone: synthetic error {g_err:.3f}, overlap MAD {g_mad:.1f}; "
          f"demo MAD {d_mad:.1f}")
    print("method   blocks  synthetic error/global  synthetic MAD/global  demo MAD/global")
    for method in ("gamma", "linear", "offset"):
        for blocks in (25, 50, 100, 200, 400, 800):
            out = os.path.join(tmp, f"{method}{blocks}")
            m = run_match(
                paths, Outputs(out), local_fit=LocalFit(method=method, blocks_per_image=blocks)
            ).outputs
            dm = run_match(
                demo, Outputs(out + "d"), local_fit=LocalFit(method=method, blocks_per_image=blocks)
            ).outputs
            err = S.affine_error(tiles, m).mean() / g_err
            mad = S.overlap_mad(tiles, m).mean() / g_mad
            dmad = overlap_mean_abs_difference(dm).mean() / d_mad
            print(f"{method:<8} {blocks:>6}  {err:>22.3f}  {mad:>20.3f}  {dmad:>15.3f}")


if __name__ == "__main__":
    main()
