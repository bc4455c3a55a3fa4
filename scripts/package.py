"""Build dist/spectralmatch-<version>.zip: the plugin folder as QGIS installs it.

The version comes from metadata.txt alone. The ZIP holds one folder, spectralmatch/, with the
code, metadata, licence, changelog, icons, compiled translations (.qm) and example models;
no tests, benchmarks, demo data, caches or VCS files.

usage: python3 scripts/package.py [DIST_DIR]
"""
import configparser
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILES = ["__init__.py", "metadata.txt", "LICENSE", "CHANGELOG.md", "README.md"]
FOLDERS = {  # folder: endings taken from it
    "spectralmatch_plugin": (".py", ".ui"),
    "algorithms": (".py",),
    "core": (".py",),
    "icons": (".svg", ".png"),
    "models": (".model3",),
}


def version() -> str:
    meta = configparser.ConfigParser(interpolation=None)
    meta.read(os.path.join(ROOT, "metadata.txt"), encoding="utf-8")
    return meta["general"]["version"]


def members():
    for name in FILES:
        yield name
    for folder, endings in FOLDERS.items():
        base = os.path.join(ROOT, folder)
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for filename in sorted(filenames):
                if filename.endswith(endings):
                    yield os.path.relpath(os.path.join(dirpath, filename), ROOT)


def compiled_translations(folder: str):
    """Compile every i18n/*.ts with lrelease into ``folder``; yield (path, name in ZIP)."""
    for ts in sorted(glob.glob(os.path.join(ROOT, "i18n", "*.ts"))):
        qm = os.path.join(folder, os.path.basename(ts)[:-3] + ".qm")
        subprocess.run(["lrelease", "-silent", ts, "-qm", qm], check=True)
        yield qm, os.path.join("i18n", os.path.basename(qm))


def main(dist: str) -> str:
    os.makedirs(dist, exist_ok=True)
    target = os.path.join(dist, f"spectralmatch-{version()}.zip")
    tmp = target + ".partial"
    work = tempfile.mkdtemp(prefix="sm-package-")
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for rel in members():
                zf.write(os.path.join(ROOT, rel), os.path.join("spectralmatch", rel))
            for path, rel in compiled_translations(work):
                zf.write(path, os.path.join("spectralmatch", rel))
        os.replace(tmp, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if os.path.exists(tmp):
            os.remove(tmp)
    print(target)
    return target


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "dist"))
