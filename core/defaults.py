"""Default settings, importable without numpy, scipy or GDAL.

How the local defaults were chosen: bench/choose_local_defaults.py and the README.
"""

BLOCKS_PER_IMAGE = 200
LOCAL_METHOD = "linear"
LOCAL_METHODS = ("gamma", "linear", "offset")
MIN_VALID_FRACTION = 0.1
SEAMLINE_MODES = ("cost", "centre")  # around disagreement and through agreement; centre lines
SEAMLINE_MODE = "cost"
# Output rasters: the formats offered, the types an output can take (every GDAL numeric
# type that is not complex: corrections are real values), and the size from which internal
# overviews are built unless asked otherwise (QGIS draws smaller rasters fast without them).
OUTPUT_FORMATS = ("GTiff", "COG")
OUTPUT_TYPES = ("Byte", "Int8", "UInt16", "Int16", "UInt32", "Int32", "UInt64", "Int64",
                "Float32", "Float64")
OVERVIEW_MIN_SIDE = 4096
