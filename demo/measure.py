"""Print the mean absolute difference between overlapping rasters, before and after.

usage: python demo/measure.py LABEL=FOLDER_OR_GLOB [LABEL=...]
"""
import glob
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", ".build", "plugins"))

from spectralmatch.core.quality.agreement import overlap_mean_abs_difference  # noqa: E402


def main(args):
    rows = []
    for arg in args:
        label, pattern = arg.split("=", 1)
        paths = sorted(glob.glob(pattern))
        rows.append((label, overlap_mean_abs_difference(paths)))
    first = rows[0][1].mean()
    print("mean absolute difference in overlaps (DN), per band and mean:")
    for label, mad in rows:
        bands = "  ".join(f"{v:8.1f}" for v in mad)
        print(f"  {label:<14} {bands}   mean {mad.mean():8.1f}  ({100 * mad.mean() / first:5.1f}%)")


if __name__ == "__main__":
    main(sys.argv[1:])
