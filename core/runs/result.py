"""The one result every run returns."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from ..correct.global_model import GlobalModel
from ..correct.local_model import LocalModel
from ..grid.band_plan import BandPlan
from ..mosaic.build import MosaicResult
from ..stats.scan import ScanResult


@dataclass
class RunResult:
    """What a run wrote and what it fitted.

    ``outputs``: the run's rasters, one per input in input order (a mosaic run: the
    mosaic); ``global_outputs``: the globally corrected rasters match keeps on request;
    the models fitted or applied; ``scan``: the statistics they were fitted on; ``mosaic``:
    the mosaic, where one was written; ``band_plan``: which bands of the inputs correspond
    (grid/band_plan.py; the models above are those of its common bands), ``group_models``:
    per band group its (global, local) models.
    """

    outputs: List[str]
    global_outputs: List[str] = field(default_factory=list)
    global_model: Optional[GlobalModel] = None
    local_model: Optional[LocalModel] = None
    scan: Optional[ScanResult] = None
    mosaic: Optional[MosaicResult] = None
    band_plan: Optional[BandPlan] = None
    group_models: List[Tuple[GlobalModel, Optional[LocalModel]]] = field(
        default_factory=list)
