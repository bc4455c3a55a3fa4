"""The plugin as users get it: the ZIP, a clean QGIS profile, translations, missing libraries."""
import configparser
import os
import re
import subprocess
import sys
import zipfile

import pytest
from qgis.core import QgsApplication, QgsSettings

import synthetic as S
from synthetic import GAINS, OFFSETS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "package.py"), str(dist)],
                   check=True, capture_output=True)
    meta = configparser.ConfigParser(interpolation=None)
    meta.read(os.path.join(ROOT, "metadata.txt"))
    path = dist / f"spectralmatch-{meta['general']['version']}.zip"
    assert path.exists()
    return path


def test_zip_holds_only_the_plugin_folder(package):
    names = zipfile.ZipFile(package).namelist()
    assert all(n.startswith("spectralmatch/") for n in names)
    for required in ("__init__.py", "metadata.txt", "LICENSE", "CHANGELOG.md",
                     "icons/spectralmatch.svg", "i18n/spectralmatch_de.qm",
                     "core/solve/global_system.py", "core/runs/matching.py", "algorithms/match.py",
                     "spectralmatch_plugin/provider.py"):
        assert f"spectralmatch/{required}" in names
    forbidden = re.compile(r"__pycache__|\.pyc$|/tests/|/bench/|/demo/|\.git|\.venv|\.build")
    assert not [n for n in names if forbidden.search(n)]


def test_metadata_is_complete_and_changelog_current():
    meta = configparser.ConfigParser(interpolation=None)
    meta.read(os.path.join(ROOT, "metadata.txt"))
    general = meta["general"]
    for key in ("name", "description", "about", "version", "qgisMinimumVersion", "author",
                "email", "homepage", "tracker", "repository", "tags", "category", "icon",
                "experimental", "hasProcessingProvider", "changelog"):
        assert general.get(key), key
    assert general["qgisMinimumVersion"] == "3.22" and general["hasProcessingProvider"] == "yes"
    newest = open(os.path.join(ROOT, "CHANGELOG.md")).read().split("\n## ")[1]
    assert newest.startswith(general["version"] + " ")
    items = [item.strip() for item in newest.split("\n- ")[1:]]
    assert items and all(item in general["changelog"] for item in items)


def clean_profile_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("QGIS_PLUGINPATH", "PYTHONPATH")}
    env.update(QT_QPA_PLATFORM="offscreen", QGIS_CUSTOM_CONFIG_PATH=str(tmp_path / "config"),
               GDAL_PAM_ENABLED="NO")
    return env


@pytest.mark.cli
def test_zip_installs_in_a_clean_profile_and_runs(package, tmp_path):
    plugins = tmp_path / "config" / "profiles" / "default" / "python" / "plugins"
    plugins.mkdir(parents=True)
    env = clean_profile_env(tmp_path)

    def qgis_process(*args):
        return subprocess.run(["qgis_process.bin", *args], env=env, capture_output=True,
                              text=True, timeout=300, cwd=str(tmp_path))

    # Nothing from this checkout is on any path: before unpacking, there is no such plugin.
    assert "spectralmatch" not in qgis_process("plugins").stdout
    zipfile.ZipFile(package).extractall(plugins)
    assert qgis_process("plugins", "enable", "spectralmatch").returncode == 0
    listing = qgis_process("list").stdout
    for alg in ("globalmatch", "localmatch", "match"):
        assert f"spectralmatch:{alg}" in listing
    data = tmp_path / "data"
    data.mkdir()
    tiles = S.make_set(str(data), GAINS[:2], OFFSETS[:2], grid=(1, 2))
    proc = qgis_process("run", "spectralmatch:match", "--", f"INPUT={tiles[0].path}",
                        f"INPUT={tiles[1].path}", f"OUTPUT={tmp_path / 'out'}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "tile_0_matched.tif", "tile_1_matched.tif"]


@pytest.mark.cli
def test_missing_scipy_disables_algorithms_with_the_fix(package, tmp_path):
    plugins = tmp_path / "config" / "profiles" / "default" / "python" / "plugins"
    plugins.mkdir(parents=True)
    zipfile.ZipFile(package).extractall(plugins)
    shadow = tmp_path / "shadow" / "scipy"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('No module named scipy')\n")
    env = clean_profile_env(tmp_path)
    env["PYTHONPATH"] = str(tmp_path / "shadow")
    subprocess.run(["qgis_process.bin", "plugins", "enable", "spectralmatch"], env=env,
                   capture_output=True, timeout=300)
    data = tmp_path / "data"
    data.mkdir()
    tiles = S.make_set(str(data), GAINS[:2], OFFSETS[:2], grid=(1, 2))
    proc = subprocess.run(
        ["qgis_process.bin", "run", "spectralmatch:globalmatch", "--", f"INPUT={tiles[0].path}",
         f"INPUT={tiles[1].path}", f"OUTPUT={tmp_path / 'out'}"],
        env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    text = proc.stdout + proc.stderr
    assert "needs scipy" in text and "apt install python3-scipy" in text
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_german_locale_translates_the_algorithms(qgis_processing):
    import spectralmatch

    settings = QgsSettings()
    saved = {k: settings.value(k) for k in ("locale/overrideFlag", "locale/userLocale")}
    registry = QgsApplication.processingRegistry()
    existing = registry.providerById("spectralmatch")
    if existing is not None:
        registry.removeProvider(existing)
    settings.setValue("locale/overrideFlag", True)
    settings.setValue("locale/userLocale", "de_DE")
    plugin = spectralmatch.classFactory(None)
    try:
        plugin.initProcessing()
        alg = registry.algorithmById("spectralmatch:globalmatch")
        assert alg.displayName() == "Globaler Abgleich"
        assert alg.group() == "Radiometrischer Abgleich"
        assert registry.algorithmById("spectralmatch:match").displayName() == \
            "Globaler und lokaler Abgleich"
        params = {p.name(): p for p in alg.parameterDefinitions()}
        assert params["INPUT"].description() == "Eingaberaster"  # from the shared parameters
        assert "Methode: Yu et al. (2017)" in alg.shortHelpString()  # from the base class
        from qgis.core import QgsProject

        from spectralmatch.spectralmatch_plugin.dialog import MatchDialog
        dialog = MatchDialog(QgsProject())
        assert dialog.windowTitle() == "Spectral match: Raster abgleichen"
        assert dialog.method.itemText(1) == "Nur global (ein Faktor und ein Versatz je Raster)"
    finally:
        plugin.unload()
        for key, value in saved.items():
            if value is None:
                settings.remove(key)
            else:
                settings.setValue(key, value)
    english = spectralmatch.classFactory(None)
    english.initProcessing()
    assert registry.algorithmById("spectralmatch:globalmatch").displayName() == "Global match"
    english.unload()
