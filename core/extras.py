"""The optional outputs of a run: the quality report and the saved model."""
from __future__ import annotations

from typing import List, Optional

from .feedback import Feedback
from .rasters import RasterInfo


def write_extras(
    title: str,
    infos: List[RasterInfo],
    outputs: List[str],
    suffix: str,
    float32: bool,
    global_model,
    local_model=None,
    report: Optional[str] = None,
    model_out: Optional[str] = None,
    feedback: Optional[Feedback] = None,
    fitted_gains: bool = True,
) -> None:
    """Write the report (HTML and JSON) and the model where their paths are given.

    ``global_model`` and ``local_model`` are the run's GlobalModel and LocalModel (or None).
    """
    # Imported here: saved_model needs the runs' model classes, whose modules import this one.
    from .report import build_report, write_report
    from .saved_model import save_model

    feedback = feedback or Feedback()
    if model_out:
        save_model(model_out, infos, suffix, float32, global_model, local_model)
        feedback.info(f"Model saved to {model_out}.")
    if report:
        numbers = build_report(title, [i.path for i in infos], outputs,
                               global_model.gains if fitted_gains else None,
                               global_model.offsets if fitted_gains else None)
        write_report(numbers, report)
        before, after = (numbers["summary"][w]["mean"] for w in ("before", "after"))
        feedback.info(
            f"Mean overlap disagreement: {before:.6g} before, {after:.6g} after "
            f"({100 * after / max(before, 1e-300):.1f}%). Report: {report}"
        )
