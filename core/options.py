"""What a run is asked to do, as plain options objects; importable without numpy or GDAL.

The Processing algorithms build these from their parameters, scripts build them directly,
and every run of :mod:`.runs` takes them (see ``core/README.md``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Dict, Optional, Tuple

from . import defaults


def _as_paths(options, *names: str) -> None:
    """Path-like fields (``pathlib.Path``) as the strings the runs work with."""
    for name in names:
        value = getattr(options, name)
        if isinstance(value, os.PathLike):
            object.__setattr__(options, name, os.fspath(value))


@dataclass(frozen=True)
class Streaming:
    """How the rasters are streamed: ``window`` is the side of the square windows (None:
    about 512 pixels, a whole number of the inputs' tiles), ``threads`` how many windows are
    processed at once (None: all cores). ``scheduler`` runs the statistics and the writing on
    a Dask cluster instead of this process's threads: a scheduler address
    (``tcp://host:8786``) or ``local:N`` (a cluster of N worker processes on this machine);
    its workers must see the inputs and the output folder at the same paths."""

    window: Optional[int] = None
    threads: Optional[int] = None
    scheduler: Optional[str] = None


@dataclass(frozen=True)
class Statistics:
    """What counts in the statistics: ``robust`` leaves out pixels where the images disagree
    (clouds, shadows, change) at the cost of one more read of the overlaps; the polygons of
    layer ``exclude_layer`` (None: the first) of the vector file ``exclude`` count in none."""

    robust: bool = True
    exclude: Optional[str] = None
    exclude_layer: Optional[str] = None

    def __post_init__(self):
        _as_paths(self, "exclude")


@dataclass(frozen=True)
class RasterFormat:
    """How output rasters are written: ``driver`` ``GTiff`` or ``COG`` (Cloud Optimized
    GeoTIFF); ``creation_options`` ``KEY=VALUE`` items of that GDAL driver, added to (and
    overriding) the defaults: tiled, DEFLATE with a predictor suited to the type;
    ``overviews`` None: internal overviews on outputs larger than
    ``defaults.OVERVIEW_MIN_SIDE`` pixels a side, True: always, False: never; ``data_type``
    a GDAL type name (``Byte``, ``Int16``, ``Float32``, ...) or None for the input's."""

    driver: str = "GTiff"
    creation_options: Tuple[str, ...] = ()
    overviews: Optional[bool] = None
    data_type: Optional[str] = None


@dataclass(frozen=True)
class Outputs:
    """Where and how a run writes: ``<input stem><suffix>.tif`` in ``folder`` (suffix None:
    the run's own, e.g. ``_matched``), in the input's type or Float32; ``report`` (an HTML
    path, its numbers as JSON beside it) and ``model_out`` (a JSON path) where given;
    ``producer`` names the software in the saved model (e.g. the plugin and its version);
    ``raster`` the format, creation options, overviews and type of the rasters (a type
    there wins over ``float32``)."""

    folder: str
    suffix: Optional[str] = None
    float32: bool = False
    report: Optional[str] = None
    model_out: Optional[str] = None
    producer: Optional[str] = None
    raster: RasterFormat = RasterFormat()

    def __post_init__(self):
        _as_paths(self, "folder", "report", "model_out")

    @property
    def data_type(self) -> Optional[str]:
        """The GDAL type name of the rasters, None: each input's own."""
        return self.raster.data_type or ("Float32" if self.float32 else None)

    def with_suffix(self, default: str) -> "Outputs":
        """These outputs with the run's own suffix where none was chosen."""
        return self if self.suffix is not None else replace(self, suffix=default)


@dataclass(frozen=True)
class GlobalFit:
    """The global least-squares system: weights of its mean and standard deviation rows."""

    mean_weight: float = 1.0
    std_weight: float = 1.0


@dataclass(frozen=True)
class LocalFit:
    """The local step: block size from ``blocks_per_image`` or ``block_size`` (map units),
    the local form (``gamma``, ``linear`` or ``offset``), and the share of a block an image
    must cover for the block to count."""

    blocks_per_image: float = defaults.BLOCKS_PER_IMAGE
    block_size: Optional[float] = None
    method: str = defaults.LOCAL_METHOD
    min_valid_fraction: float = defaults.MIN_VALID_FRACTION


@dataclass(frozen=True)
class MosaicOptions:
    """A mosaic: ``output`` (.tif, or .vrt that cuts without blending), how its seamlines are
    chosen (``cost``: around disagreement, through agreement; ``centre``: centre lines), a
    ``feather`` width in map units (0: a hard cut), and ``seamlines_out``, a GeoPackage of the
    seamline polygons where given; ``raster``: the GeoTIFF's format, creation options,
    overviews and type (None: the first input's); a VRT takes none of them."""

    output: str
    seamlines: str = defaults.SEAMLINE_MODE
    feather: float = 0.0
    seamlines_out: Optional[str] = None
    raster: RasterFormat = RasterFormat()

    def __post_init__(self):
        _as_paths(self, "output", "seamlines_out")


# Which band of each input is which common band: input file name (with or without its
# extension) -> that input's band numbers (1-based), one per common band, in a common order.
BandMap = Dict[str, Tuple[int, ...]]


def parse_band_map(text: Optional[str]) -> Optional[BandMap]:
    """The ``BAND_MAP`` text, one ``file name: 2,3,4,5`` line per input, as a :data:`BandMap`
    (None where the text is empty). Only the syntax is checked here; whether the names and
    band numbers fit the inputs is checked with the inputs (grid/band_plan.py)."""
    from .errors import InputError

    if not text or not text.strip():
        return None
    result: BandMap = {}
    for number, line in enumerate(text.replace(";", "\n").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, bands = line.rpartition(":")
        name = name.strip()
        if not sep or not name:
            raise InputError(
                f"BAND_MAP line {number} ('{line}'): it names no input. Fix: write one line "
                "per input as 'file name: 2,3,4,5', the input's band numbers in a common order."
            )
        try:
            numbers = tuple(int(b) for b in bands.replace(" ", ",").split(",") if b.strip())
        except ValueError:
            raise InputError(
                f"BAND_MAP line {number}, {name}: '{bands.strip()}' is not a list of band "
                "numbers. Fix: give the input's band numbers, e.g. '2,3,4,5'."
            ) from None
        if not numbers:
            raise InputError(
                f"BAND_MAP line {number}, {name}: no band number given. Fix: give the input's "
                "band numbers, e.g. '2,3,4,5'."
            )
        if name in result:
            raise InputError(
                f"BAND_MAP: {name} has two lines. Fix: give one line per input."
            )
        result[name] = numbers
    return result or None
