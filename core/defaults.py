"""Default settings, importable without numpy, scipy or GDAL.

How the local defaults were chosen: bench/choose_local_defaults.py and the README.
"""

BLOCKS_PER_IMAGE = 200
LOCAL_METHOD = "linear"
LOCAL_METHODS = ("gamma", "linear", "offset")
MIN_VALID_FRACTION = 0.1
SEAMLINE_MODES = ("cost", "centre")  # around disagreement and through agreement; centre lines
SEAMLINE_MODE = "cost"
