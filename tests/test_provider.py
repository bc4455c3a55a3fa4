"""Every algorithm of the provider is complete: ids, help, parameters with help text."""
import re

from qgis.core import QgsApplication, QgsProcessingParameterDefinition


def test_provider_is_registered_with_its_algorithms(provider):
    assert provider.id() == "spectralmatch"
    assert provider.name() == "Spectral match"
    ids = [a.id() for a in provider.algorithms()]
    assert ids == ["spectralmatch:applymodel", "spectralmatch:globalmatch",
                   "spectralmatch:localmatch", "spectralmatch:match", "spectralmatch:mosaic"]


def test_every_algorithm_is_documented(provider):
    for alg in provider.algorithms():
        assert re.fullmatch(r"[a-z]+", alg.name()), alg.name()
        assert alg.displayName() and alg.groupId() == "matching"
        help_text = alg.shortHelpString()
        # Each cites the method it implements: the mosaic's seams are not Yu et al.'s.
        method = "Falcao et al. (2004)" if alg.name() == "mosaic" else "Yu et al. (2017)"
        assert method in help_text and "doi:10.1" in help_text, alg.name()
        assert ("Yu et al." in help_text) == (alg.name() != "mosaic"), alg.name()
        inputs = alg.parameterDefinition("INPUT")
        takes_one = alg.name() in ("mosaic", "applymodel")
        assert inputs.minimumNumberInputs() == (1 if takes_one else 2), alg.name()
        assert ("Two or more" in inputs.help()) != takes_one, alg.name()
        assert not alg.icon().isNull()
        for param in alg.parameterDefinitions():
            assert param.help(), f"{alg.id()} {param.name()} has no help"
            assert param.name().isupper()
        outputs = {o.name() for o in alg.outputDefinitions()}
        assert "OUTPUT" in outputs
        if alg.name() == "mosaic":
            continue
        assert "OUTPUT_LAYERS" in outputs
        if alg.name() != "applymodel":
            assert {"REPORT", "MODEL_OUT"} <= outputs


def test_tuning_knobs_are_advanced(provider):
    formats = ["OUTPUT_TYPE", "OUTPUT_FORMAT", "CREATION_OPTIONS", "OVERVIEWS"]
    advanced = {"MEAN_WEIGHT", "STD_WEIGHT", "MIN_VALID_FRACTION", "KEEP_GLOBAL",
                "THREADS", "SCHEDULER", "ROBUST", "BAND_MAP"} | set(formats)
    first = ["INPUT", "REFERENCE", "EXCLUDE", "ROBUST", "BAND_MAP"]
    expected = {
        "globalmatch": first + ["MEAN_WEIGHT", "STD_WEIGHT"] + formats + ["THREADS", "SCHEDULER",
                                                                           "OUTPUT"],
        "localmatch": first + ["BLOCKS", "BLOCK_SIZE", "METHOD", "MIN_VALID_FRACTION"]
        + formats + ["THREADS", "SCHEDULER", "OUTPUT"],
        "match": first + ["BLOCKS", "BLOCK_SIZE", "METHOD", "MIN_VALID_FRACTION", "MEAN_WEIGHT",
                          "STD_WEIGHT", "KEEP_GLOBAL"] + formats + [
                              "THREADS", "SCHEDULER", "OUTPUT", "MOSAIC", "SEAMLINES",
                              "FEATHER", "SEAMLINES_OUT"],
    }
    for name, params in expected.items():
        params = params + ["REPORT", "MODEL_OUT"]
        alg = QgsApplication.processingRegistry().algorithmById(f"spectralmatch:{name}")
        assert [p.name() for p in alg.parameterDefinitions()] == params
        # On match, the mosaic's seam options are tuning knobs; on mosaic, its main choices.
        knobs = advanced | ({"SEAMLINES", "FEATHER"} if name == "match" else set())
        for p in alg.parameterDefinitions():
            is_advanced = bool(p.flags() & QgsProcessingParameterDefinition.FlagAdvanced)
            assert is_advanced == (p.name() in knobs), (name, p.name())
    mosaic = QgsApplication.processingRegistry().algorithmById("spectralmatch:mosaic")
    assert [p.name() for p in mosaic.parameterDefinitions()] == [
        "INPUT", "SEAMLINES", "FEATHER", "SEAMLINES_OUT", "CUTLINES", "PIXEL_SIZE"] + formats + [
        "THREADS", "OUTPUT"]
    assert [p.name() for p in mosaic.parameterDefinitions()
            if p.flags() & QgsProcessingParameterDefinition.FlagAdvanced] == formats + ["THREADS"]


def test_plugin_class_registers_and_removes_provider(qgis_processing):
    import spectralmatch

    registry = QgsApplication.processingRegistry()
    before = registry.providerById("spectralmatch")
    if before is not None:
        registry.removeProvider(before)
    plugin = spectralmatch.classFactory(None)
    plugin.initProcessing()
    assert registry.providerById("spectralmatch") is not None
    plugin.unload()
    assert registry.providerById("spectralmatch") is None
