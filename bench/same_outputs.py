"""Check that two clones of the plugin write the same pixels for the same many-image set.

Runs ``spectralmatch:match`` through ``qgis_process.bin`` with each clone (its
``.build/plugins``) on one set of bench/many_images.py (default: 6 x 6 tiles of 800^2),
robust and not robust, with the global outputs, the report and the model kept, and compares
the checksums of every output (bench/output_checksums.py: the pixels of every band and mask;
the report and model without the plugin version). Exits non-zero on any difference.

    .venv/bin/python bench/same_outputs.py /work/main-clone [--set 6x6] [--keep DIR]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from many_images import make_set  # noqa: E402
from output_checksums import digests, qgis_process  # noqa: E402


def outputs_of(root: str, inputs, folder: str) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", GDAL_PAM_ENABLED="NO",
               QGIS_PLUGINPATH=os.path.join(root, ".build", "plugins"))
    shutil.rmtree(folder, ignore_errors=True)
    for name, extra in (("robust", {}), ("plain", {"ROBUST": "false"})):
        out = os.path.join(folder, name)
        qgis_process(env, "match", INPUT=list(inputs), OUTPUT=out, KEEP_GLOBAL="true",
                     REPORT=os.path.join(out, "report.html"),
                     MODEL_OUT=os.path.join(out, "model.json"), **extra)
    return dict(digests(folder))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("other", help="the other clone (its .build/plugins is used)")
    ap.add_argument("--set", default="6x6")
    ap.add_argument("--keep", help="folder for the set and the outputs (default: temporary)")
    args = ap.parse_args()
    work = args.keep or tempfile.mkdtemp(prefix="sm-same-")
    inputs = make_set(work, args.set, 4, 0.3)
    ours = outputs_of(ROOT, inputs, os.path.join(work, "ours"))
    theirs = outputs_of(args.other, inputs, os.path.join(work, "theirs"))
    differ = sorted(n for n in set(ours) | set(theirs) if ours.get(n) != theirs.get(n))
    for name in differ:
        print(f"DIFFERS: {name}")
    print(f"{len(ours) - len(differ)} of {len(ours)} outputs identical "
          f"({len(inputs)} inputs, set {args.set})")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
