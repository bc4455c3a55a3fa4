"""QGIS-facing parts: the plugin class and its Processing provider."""
