"""The plugin's own facts, from its metadata.txt: what saved models record as their maker."""
from __future__ import annotations

import configparser
import os
from functools import lru_cache

PLUGIN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@lru_cache(maxsize=1)
def _metadata() -> configparser.ConfigParser:
    meta = configparser.ConfigParser(interpolation=None)
    meta.read(os.path.join(PLUGIN_DIR, "metadata.txt"), encoding="utf-8")
    return meta


def plugin_version() -> str:
    return _metadata().get("general", "version", fallback="unknown")


def homepage() -> str:
    """The project's page (its repository, whose front page is README.md)."""
    return _metadata().get("general", "homepage", fallback="")


def producer() -> str:
    """Written into saved models: the plugin version that fitted them."""
    return plugin_version()
