"""Test set-up: the plugin importable as package ``spectralmatch``, its provider registered.

pytest-qgis starts one headless QgsApplication for the session (qgis_gui_enabled = false in
pytest.ini); the provider is registered on top of its processing fixture when missing.
"""
import os
import subprocess
import sys
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLUGINS = tempfile.mkdtemp(prefix="spectralmatch-plugins-")
os.symlink(ROOT, os.path.join(PLUGINS, "spectralmatch"))
sys.path.insert(0, PLUGINS)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


_KEEP_ALIVE = []


def register_provider():
    """The plugin's provider in QGIS's registry (once; again after a test removed it)."""
    from qgis.core import QgsApplication

    from spectralmatch.spectralmatch_plugin.provider import SpectralMatchProvider

    registry = QgsApplication.processingRegistry()
    prov = registry.providerById("spectralmatch")
    if prov is None:
        prov = SpectralMatchProvider()
        assert registry.addProvider(prov)
        _KEEP_ALIVE.append(prov)  # the Python object must outlive its use by the registry
    return prov


def pytest_collection_modifyitems(items):
    """Tests that run qgis_process.bin in a subprocess are marked ``cli``: ``pytest -m "not
    cli"`` is the fast inner loop, CI runs them all."""
    for item in items:
        if "qgis_process" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.cli)


@pytest.fixture
def provider(qgis_processing):
    return register_provider()


@pytest.fixture(scope="session")
def qgis_process(tmp_path_factory):
    """Run ``qgis_process.bin`` with this checkout as plugin, in a profile of its own."""
    config = tmp_path_factory.mktemp("qgis-config")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QGIS_PLUGINPATH=PLUGINS,
               QGIS_CUSTOM_CONFIG_PATH=str(config))
    subprocess.run(["qgis_process.bin", "plugins", "enable", "spectralmatch"], env=env,
                   check=True, capture_output=True, timeout=120)

    def run(*args, timeout=600):
        return subprocess.run(["qgis_process.bin", *args], env=env, capture_output=True,
                              text=True, timeout=timeout)

    run.env = env
    return run
