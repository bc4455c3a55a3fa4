"""QGIS plugin entry point: QGIS calls classFactory when it loads the plugin."""


def classFactory(iface):  # noqa: N802 (name fixed by QGIS)
    from .spectralmatch_plugin.plugin import SpectralMatchPlugin

    return SpectralMatchPlugin(iface)
