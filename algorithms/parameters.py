"""The parameters the algorithms share: declared once, read into core's options objects."""
from __future__ import annotations

import importlib.util

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputMultipleLayers,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorDestination,
)

from ..core import defaults
from ..core.errors import SpectralMatchError
from ..core.options import (BandMap, GlobalFit, LocalFit, MosaicOptions, Outputs, RasterFormat,
                            Statistics, Streaming, parse_band_map)
from .loading import RasterInputs
from .metadata import producer

# The creation-options widget of QGIS's own GDAL algorithms (gdal:translate): a Python class
# up to QGIS 3.3x (3.22 has it), a widget type of QGIS's C++ registry since (3.40 has no
# Python class: naming it there would break the dialog).
CREATION_OPTIONS_WIDGET = "processing.algs.gdal.ui.RasterOptionsWidget.RasterOptionsWidgetWrapper"


def creation_options_widget() -> dict:
    """The ``widget_wrapper`` metadata of a creation-options parameter for this QGIS."""
    try:
        python_class = importlib.util.find_spec(CREATION_OPTIONS_WIDGET.rsplit(".", 1)[0])
    except ImportError:  # the package above it is gone too
        python_class = None
    return {"class": CREATION_OPTIONS_WIDGET} if python_class else {"widget_type": "rasteroptions"}


def split_creation_options(text: str):
    """``KEY=VALUE|KEY=VALUE`` (as QGIS's GDAL algorithms take them) as a tuple of items."""
    return tuple(item.strip() for item in text.split("|") if item.strip())


def check_raster_format(fmt: RasterFormat) -> None:
    from ..core.io.geotiff import check_raster_format as check  # GDAL only when used

    check(fmt)


# Vector files that core reads through GDAL as they are (their extensions).
VECTOR_FILES = ["gpkg", "shp", "geojson", "json", "fgb", "kml", "gml", "sqlite", "tab"]


class MatchingParameters:
    """Mixed into the algorithms: each ``add_*`` declares parameters, and a reader of the
    same name turns their values into one of core's options objects."""

    INPUT = "INPUT"
    REFERENCE = "REFERENCE"
    OUTPUT_TYPE = "OUTPUT_TYPE"
    OUTPUT_FORMAT = "OUTPUT_FORMAT"
    CREATION_OPTIONS = "CREATION_OPTIONS"
    OVERVIEWS = "OVERVIEWS"
    # OUTPUT_TYPE's options: 0 the input's, 1 Float32 (as before), then the others
    OUTPUT_TYPE_NAMES = (None, "Float32") + tuple(
        n for n in defaults.OUTPUT_TYPES if n != "Float32")
    OUTPUT = "OUTPUT"
    OUTPUT_LAYERS = "OUTPUT_LAYERS"
    MEAN_WEIGHT = "MEAN_WEIGHT"
    STD_WEIGHT = "STD_WEIGHT"
    BLOCKS = "BLOCKS"
    BLOCK_SIZE = "BLOCK_SIZE"
    METHOD = "METHOD"
    MIN_VALID_FRACTION = "MIN_VALID_FRACTION"
    THREADS = "THREADS"
    SCHEDULER = "SCHEDULER"
    REPORT = "REPORT"
    MODEL_OUT = "MODEL_OUT"
    ROBUST = "ROBUST"
    EXCLUDE = "EXCLUDE"
    SEAMLINES = "SEAMLINES"
    FEATHER = "FEATHER"
    SEAMLINES_OUT = "SEAMLINES_OUT"
    BAND_MAP = "BAND_MAP"
    SEAM_MODES = defaults.SEAMLINE_MODES  # in the order of the SEAMLINES enum
    METHODS = defaults.LOCAL_METHODS  # in the order of the METHOD enum

    def add(self, param, help_text: str, advanced: bool = False,
            create_output: bool = True) -> None:
        """Add a parameter with its help sentence, flagged Advanced where asked."""
        param.setHelp(help_text)
        if advanced:
            param.setFlags(param.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        self.addParameter(param, create_output)

    def add_input_parameters(self, with_reference: bool = True) -> None:
        """INPUT, and REFERENCE for the algorithms that fit (which need two or more inputs)."""
        inputs = RasterInputs(self.INPUT, self.tr("Input rasters"))
        inputs.setMinimumNumberInputs(2 if with_reference else 1)
        if with_reference:
            help_text = self.tr(
                "Two or more overlapping rasters with the same bands in the same order (or bands "
                "that Band correspondence or their metadata relate), in any CRS and pixel size. "
                "Their no-data values, masks and NaN are respected.")
        else:
            help_text = self.tr(
                "One or more rasters with the same bands in the same order, in any CRS and "
                "pixel size. Their no-data values, masks and NaN are respected.")
        self.add(inputs, help_text)
        if not with_reference:
            return
        self.add(
            QgsProcessingParameterRasterLayer(
                self.REFERENCE, self.tr("Reference raster"), optional=True
            ),
            self.tr(
                "One of the inputs whose values are kept unchanged; the others are matched to "
                "it. Without one, all rasters move to the set's common central tendency."
            ),
        )

    def add_raster_format_parameters(self, with_type: bool = True) -> None:
        """OUTPUT_TYPE (where ``with_type``), OUTPUT_FORMAT, CREATION_OPTIONS and OVERVIEWS:
        how the output rasters are written, as GDAL's own algorithms offer it."""
        if with_type:
            self.add(
                QgsProcessingParameterEnum(
                    self.OUTPUT_TYPE, self.tr("Output data type"),
                    # 0 and 1 keep their meaning of earlier versions (models, commands)
                    options=[self.tr("Same as input")] + list(self.OUTPUT_TYPE_NAMES[1:]),
                    defaultValue=0,
                ),
                self.tr(
                    "Same as input keeps each input's type. Integer types round the corrected "
                    "values and clip them to the type's range; Float32 and Float64 keep them "
                    "unrounded. The no-data value must fit the type. Scale, offset and unit of "
                    "the bands are copied unchanged: the correction works on the stored values."
                ),
                advanced=True,
            )
        fmt = QgsProcessingParameterEnum(
            self.OUTPUT_FORMAT, self.tr("Output format"), options=list(defaults.OUTPUT_FORMATS),
            defaultValue=defaults.OUTPUT_FORMATS[0], usesStaticStrings=True)
        self.add(fmt, self.tr(
            "GTiff: a tiled GeoTIFF. COG: a Cloud Optimized GeoTIFF (GDAL's COG driver, with "
            "overviews), for web and cloud storage. On the command line by name, e.g. "
            "OUTPUT_FORMAT=COG."), advanced=True)
        options = QgsProcessingParameterString(
            self.CREATION_OPTIONS, self.tr("Creation options"), defaultValue="", optional=True)
        options.setMetadata({"widget_wrapper": creation_options_widget()})
        self.add(options, self.tr(
            "GDAL creation options of the output format, KEY=VALUE items separated by |, e.g. "
            "COMPRESS=ZSTD|ZSTD_LEVEL=1 or COMPRESS=NONE. They add to, or replace, the "
            "defaults: tiled, DEFLATE with a predictor, compressed on all threads. An option "
            "the format does not know is refused before the run starts."), advanced=True)
        self.add(
            QgsProcessingParameterEnum(
                self.OVERVIEWS, self.tr("Internal overviews"),
                options=[self.tr("Automatic (rasters larger than {} pixels a side)").format(
                    defaults.OVERVIEW_MIN_SIDE), self.tr("Always"), self.tr("Never")],
                defaultValue=0),
            self.tr("Reduced-resolution copies inside the GeoTIFF (averaged; the mask "
                    "follows), so that QGIS draws large rasters fast. A COG always has them "
                    "unless Never."),
            advanced=True,
        )

    def raster_format(self, parameters, context) -> RasterFormat:
        """The format parameters as core's RasterFormat (the type where declared)."""
        names = {p.name() for p in self.parameterDefinitions()}
        data_type = None
        if self.OUTPUT_TYPE in names:
            index = self.parameterAsEnum(parameters, self.OUTPUT_TYPE, context)
            data_type = self.OUTPUT_TYPE_NAMES[index]
        if self.OUTPUT_FORMAT not in names:
            return RasterFormat(data_type=data_type)
        text = self.parameterAsString(parameters, self.CREATION_OPTIONS, context) or ""
        overviews = self.parameterAsEnum(parameters, self.OVERVIEWS, context)
        return RasterFormat(
            driver=self.parameterAsEnumString(parameters, self.OUTPUT_FORMAT, context)
            or defaults.OUTPUT_FORMATS[0],
            creation_options=split_creation_options(text),
            overviews=(None, True, False)[overviews],
            data_type=data_type,
        )

    def check_raster_format(self, parameters, context):
        """(ok, message): the creation options, format and type, before the run starts."""
        if self.OUTPUT_FORMAT not in {p.name() for p in self.parameterDefinitions()}:
            return True, ""
        try:
            check_raster_format(self.raster_format(parameters, context))
        except SpectralMatchError as exc:
            return False, str(exc)
        return True, ""

    def add_weight_parameters(self) -> None:
        for name, label, help_text in (
            (self.MEAN_WEIGHT, self.tr("Weight of overlap means"),
             self.tr("Weight of the equations that equalise overlap means.")),
            (self.STD_WEIGHT, self.tr("Weight of overlap standard deviations"),
             self.tr("Weight of the equations that equalise overlap standard deviations.")),
        ):
            self.add(
                QgsProcessingParameterNumber(
                    name, label, QgsProcessingParameterNumber.Double, defaultValue=1.0, minValue=0.0
                ),
                help_text,
                advanced=True,
            )

    def global_fit(self, parameters, context) -> GlobalFit:
        mean_w = self.parameterAsDouble(parameters, self.MEAN_WEIGHT, context)
        std_w = self.parameterAsDouble(parameters, self.STD_WEIGHT, context)
        if mean_w <= 0 or std_w <= 0:
            raise QgsProcessingException(
                self.tr(
                    "MEAN_WEIGHT and STD_WEIGHT must both be greater than 0 (given {} and {}). "
                    "Fix: use positive weights; 1 and 1 reproduce the published method."
                ).format(mean_w, std_w)
            )
        return GlobalFit(mean_w, std_w)

    def add_local_parameters(self) -> None:
        self.add(
            QgsProcessingParameterNumber(
                self.BLOCKS, self.tr("Blocks per image"), QgsProcessingParameterNumber.Integer,
                defaultValue=defaults.BLOCKS_PER_IMAGE, minValue=1,
            ),
            self.tr(
                "Target number of blocks per image for the local correction: the block side "
                "is chosen so that an average image holds about this many blocks. More blocks "
                "follow finer spatial differences."
            ),
        )
        self.add(
            QgsProcessingParameterNumber(
                self.BLOCK_SIZE, self.tr("Block size (map units)"),
                QgsProcessingParameterNumber.Double, optional=True, minValue=0.0,
            ),
            self.tr(
                "Side of the square blocks in map units; when set, overrides Blocks per image."
            ),
        )
        self.add(
            QgsProcessingParameterEnum(
                self.METHOD, self.tr("Local correction"),
                options=[self.tr("Gamma (Yu et al. 2017)"), self.tr("Linear (ratio)"),
                         self.tr("Offset (difference)")],
                defaultValue=self.METHODS.index(defaults.LOCAL_METHOD),
            ),
            self.tr(
                "How a pixel moves with its local mean: gamma, out = in ^ (log ref / log local); "
                "linear, out = in * ref / local; offset, out = in + ref - local. Gamma and linear "
                "need positive values; on data with zero or negative values offset is used."
            ),
        )
        self.add(
            QgsProcessingParameterNumber(
                self.MIN_VALID_FRACTION, self.tr("Minimum valid fraction of a block"),
                QgsProcessingParameterNumber.Double,
                defaultValue=defaults.MIN_VALID_FRACTION, minValue=0.0, maxValue=1.0,
            ),
            self.tr(
                "Where an image has fewer valid pixels in a block than this fraction of the "
                "block, it does not count in that place's central tendency."
            ),
            advanced=True,
        )

    def local_fit(self, parameters, context) -> LocalFit:
        size = self.parameterAsDouble(parameters, self.BLOCK_SIZE, context) \
            if parameters.get(self.BLOCK_SIZE) not in (None, "") else 0.0
        return LocalFit(
            blocks_per_image=self.parameterAsInt(parameters, self.BLOCKS, context),
            block_size=size or None,
            method=self.METHODS[self.parameterAsEnum(parameters, self.METHOD, context)],
            min_valid_fraction=self.parameterAsDouble(parameters, self.MIN_VALID_FRACTION, context),
        )

    def add_statistics_parameters(self) -> None:
        """EXCLUDE and ROBUST: what counts in the statistics."""
        self.add(
            QgsProcessingParameterFeatureSource(
                self.EXCLUDE, self.tr("Exclusion mask"),
                [QgsProcessing.TypeVectorPolygon], optional=True,
            ),
            self.tr(
                "Polygons (clouds, water, a known change; any CRS) whose pixels count in no "
                "statistic. They are still corrected in the outputs."
            ),
        )
        self.add(
            QgsProcessingParameterBoolean(
                self.ROBUST, self.tr("Robust statistics (ignore clouds and change)"),
                defaultValue=True,
            ),
            self.tr(
                "Leave pixels where the images disagree beyond what a smooth correction "
                "explains (clouds, shadows, real change) out of all statistics; costs one "
                "more read of the overlaps. Off reproduces the published method."
            ),
            advanced=True,
        )

    def add_band_map_parameter(self) -> None:
        """BAND_MAP: which bands correspond, where the inputs' bands differ."""
        self.add(
            QgsProcessingParameterString(
                self.BAND_MAP, self.tr("Band correspondence (BAND_MAP)"), multiLine=True,
                optional=True,
            ),
            self.tr(
                "For inputs whose bands differ (sensors): one line per input, 'file name: "
                "2,3,4,5', giving for each common band, in one common order, that input's band "
                "number (the file name with or without its extension). Empty: taken from the "
                "bands' wavelength metadata or names (Blue, Red, NIR...), else from the band "
                "order of inputs with equal band counts. Common bands are matched across all "
                "inputs; other bands among the inputs that have them; bands no other input has "
                "are written unchanged."
            ),
            advanced=True,
        )

    def band_map(self, parameters, context) -> "BandMap | None":
        text = self.parameterAsString(parameters, self.BAND_MAP, context)
        try:
            return parse_band_map(text)
        except SpectralMatchError as exc:
            raise QgsProcessingException(str(exc)) from None

    def statistics(self, parameters, context, feedback) -> Statistics:
        path, layer = self.vector_file(parameters, self.EXCLUDE, context, feedback)
        return Statistics(robust=self.parameterAsBool(parameters, self.ROBUST, context),
                          exclude=path, exclude_layer=layer)

    def vector_file(self, parameters, name: str, context, feedback):
        """(path, layer name or None) of a vector parameter as a file GDAL reads; layers
        that are not files (memory, databases) are written to a temporary GeoPackage. Files
        GDAL reads are taken as they are, so that messages name them (a GeoJSON was copied
        to a GeoPackage in QGIS's temporary folder, and the messages named that copy)."""
        if parameters.get(name) in (None, ""):
            return None, None
        path, layer = self.parameterAsCompatibleSourceLayerPathAndLayerName(
            parameters, name, context, VECTOR_FILES, "gpkg", feedback)
        return path or None, layer or None

    def add_extra_outputs(self) -> None:
        """REPORT and MODEL_OUT: optional files, written only where asked for."""
        # Declared as a plain file output: an HTML output makes the toolbox say "HTML output
        # has been generated" after every run, with or without a report.
        self.add(
            QgsProcessingParameterFileDestination(
                self.REPORT, self.tr("Quality report"), self.tr("HTML files (*.html)"),
                optional=True, createByDefault=False,
            ),
            self.tr(
                "An HTML report of gains, offsets and the agreement of every overlap before "
                "and after, with plots (opens offline); the numbers also as JSON beside it."
            ),
            create_output=False,
        )
        self.addOutput(QgsProcessingOutputFile(self.REPORT, self.tr("Quality report")))
        self.add(
            QgsProcessingParameterFileDestination(
                self.MODEL_OUT, self.tr("Saved model"), self.tr("JSON files (*.json)"),
                optional=True, createByDefault=False,
            ),
            self.tr(
                "The fitted correction as JSON, to apply again with Apply saved model (to the "
                "same files, or files of the same names in another folder)."
            ),
        )

    def outputs(self, parameters, context) -> Outputs:
        """The output folder and type, and the report and model where declared and given."""
        names = {p.name() for p in self.parameterDefinitions()}

        def file_output(name):
            if name not in names:
                return None
            return self.parameterAsFileOutput(parameters, name, context) or None

        raster = self.raster_format(parameters, context)
        return Outputs(
            folder=self.parameterAsString(parameters, self.OUTPUT, context),
            float32=raster.data_type == "Float32",
            report=file_output(self.REPORT), model_out=file_output(self.MODEL_OUT),
            producer=producer(), raster=raster,
        )

    def add_threads_parameter(self) -> None:
        self.add(
            QgsProcessingParameterNumber(
                self.THREADS, self.tr("Threads"), QgsProcessingParameterNumber.Integer,
                defaultValue=0, minValue=0,
            ),
            self.tr("How many windows are processed at once; 0 uses all cores."),
            advanced=True,
        )

    def add_scheduler_parameter(self) -> None:
        self.add(
            QgsProcessingParameterString(
                self.SCHEDULER, self.tr("Dask scheduler"), defaultValue="", optional=True),
            self.tr("Run the statistics and the writing on a Dask cluster: the scheduler's "
                    "address (tcp://host:8786), or local:N for N worker processes on this "
                    "computer; empty runs here. Every worker must see the inputs and the "
                    "output folder at the same paths (a shared file system), or inputs as "
                    "GDAL virtual paths (/vsis3/..., /vsicurl/...). Needs Dask (Debian: "
                    "python3-distributed; pip: dask[distributed])."),
            advanced=True,
        )

    def streaming(self, parameters, context) -> Streaming:
        scheduler = None
        if self.SCHEDULER in {p.name() for p in self.parameterDefinitions()}:
            scheduler = self.parameterAsString(parameters, self.SCHEDULER, context).strip()
        return Streaming(threads=self.parameterAsInt(parameters, self.THREADS, context) or None,
                         scheduler=scheduler or None)

    def add_output_parameters(self, suffix: str) -> None:
        self.add(
            QgsProcessingParameterFolderDestination(self.OUTPUT, self.tr("Output folder")),
            self.tr("Folder for the corrected rasters, named <input name>{0}.tif. Inputs of the "
                    "same name in different folders (d1/img.tif, d2/img.tif) are written as "
                    "img{0}.tif, img_2{0}.tif, ... in input order; a saved model tells them "
                    "apart.").format(suffix),
        )
        self.addOutput(
            QgsProcessingOutputMultipleLayers(self.OUTPUT_LAYERS, self.tr("Corrected rasters"))
        )

    def add_seam_parameters(self, advanced: bool = False) -> None:
        """SEAMLINES, FEATHER and SEAMLINES_OUT of a mosaic."""
        self.add(
            QgsProcessingParameterEnum(
                self.SEAMLINES, self.tr("Seam placement"),
                options=[self.tr("Avoid disagreement (clouds, change)"),
                         self.tr("Centre lines of the overlaps")], defaultValue=0),
            self.tr("How the parts of the mosaic are chosen: seams that go around what only "
                    "one image shows (a cloud, a shadow, a change) and cross where the images "
                    "agree best; or centre lines midway through the overlaps."),
            advanced,
        )
        self.add(
            QgsProcessingParameterNumber(
                self.FEATHER, self.tr("Feather width (map units)"),
                QgsProcessingParameterNumber.Double, defaultValue=0.0, minValue=0.0),
            self.tr("Width over which images are blended across a seam; 0 cuts hard. A VRT "
                    "mosaic only cuts."),
            advanced,
        )
        self.add(
            QgsProcessingParameterVectorDestination(
                self.SEAMLINES_OUT, self.tr("Seamline polygons"), QgsProcessing.TypeVectorPolygon,
                optional=True, createByDefault=False),
            self.tr("One polygon per image, the part of the mosaic it shows (fields image and "
                    "image_index): to inspect, edit and give back as Cutlines. Written as a "
                    "GeoPackage (.gpkg)."),
        )

    def mosaic(self, parameters, name: str, context) -> "MosaicOptions | None":
        """The mosaic the raster destination ``name`` asks for, with the seam parameters;
        None where it is not given."""
        output = self.parameterAsOutputLayer(parameters, name, context)
        if not output:
            return None
        return MosaicOptions(
            output=output,
            seamlines=self.SEAM_MODES[self.parameterAsEnum(parameters, self.SEAMLINES, context)],
            feather=self.parameterAsDouble(parameters, self.FEATHER, context),
            seamlines_out=self.parameterAsOutputLayer(
                parameters, self.SEAMLINES_OUT, context) or None,
            raster=self.raster_format(parameters, context),
        )
