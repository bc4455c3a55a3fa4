"""A report of what a run changed: gains and offsets, and how the overlaps agree before and
after. HTML with plotly's plots embedded (it opens offline), and the same numbers as JSON."""
from __future__ import annotations

import html
import json
import os
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ..grid.inputs import prepared_inputs
from ..io.atomic import OutputSet, write_text_atomically
from ..io.output_plan import report_json
from .agreement import PairAgreement, overlap_agreement


def _pair_entry(names, before: PairAgreement, after: Optional[PairAgreement]) -> dict:
    def side(p: PairAgreement) -> dict:
        return {
            "mean_abs_difference": p.mean_abs_difference.tolist(),
            "mean_i": p.mean_i.tolist(), "mean_j": p.mean_j.tolist(),
            "std_i": p.std_i.tolist(), "std_j": p.std_j.tolist(),
            "difference_of_means": (p.mean_i - p.mean_j).tolist(),
            "difference_of_stds": (p.std_i - p.std_j).tolist(),
        }

    return {"a": names[before.i], "b": names[before.j], "pixels": before.count.tolist(),
            "before": side(before), "after": side(after) if after is not None else None}


def build_report(title: str, inputs: List[str], outputs: List[str],
                 gains: Optional[np.ndarray] = None,
                 offsets: Optional[np.ndarray] = None, bands=None,
                 output_names: Optional[List[str]] = None,
                 threads: Optional[int] = None) -> dict:
    """The numbers: per image and band the gain and offset, per overlap the agreement
    before and after, and a summary (pixel-weighted mean absolute difference in overlaps).

    ``bands``, for inputs whose bands differ: (band plan, per band group (gains, offsets) or
    None); the overlaps are compared on the common bands, and the plan is reported.
    ``outputs`` are read (they may be staged temporaries); ``output_names``: the paths they
    will have (default: ``outputs``); ``threads`` read the overlaps (None: one per core)."""
    output_names = output_names or outputs
    names = [os.path.basename(p) for p in inputs]
    if len(set(names)) < len(names):  # same names in different folders: say which
        names = [os.path.join(os.path.basename(os.path.dirname(os.path.abspath(p))), n)
                 for p, n in zip(inputs, names)]
    common = [list(b) for b in bands[0].common.bands] if bands else None
    before = overlap_agreement(inputs, bands=common, threads=threads)
    after = {(p.i, p.j): p for p in overlap_agreement(outputs, bands=common, threads=threads)}
    with prepared_inputs(inputs, same_bands=not bands, threads=threads) as (infos, grid, _):
        centres = [((p.col + p.cols / 2) * grid.pixel_width + grid.origin_x,
                    grid.origin_y - (p.row + p.rows / 2) * grid.pixel_height)
                   for p in grid.placements]
        n_bands = len(common[0]) if common else infos[0].band_count
    images = []
    for k, name in enumerate(names):
        images.append({
            "name": name, "output": os.path.basename(output_names[k]),
            "gain": gains[k].tolist() if gains is not None else None,
            "offset": offsets[k].tolist() if offsets is not None else None,
            "centre": list(centres[k]),
        })
    pairs = [_pair_entry(names, p, after.get((p.i, p.j))) for p in before]
    summary = {}
    for when in ("before", "after"):
        total, count = np.zeros(n_bands), np.zeros(n_bands)
        for entry in pairs:
            if entry[when] is None:
                continue
            n = np.array(entry["pixels"])
            total += np.array(entry[when]["mean_abs_difference"]) * n
            count += n
        per_band = total / np.maximum(count, 1)
        summary[when] = {"per_band": per_band.tolist(), "mean": float(per_band.mean())}
    report = {"title": title, "bands": n_bands, "images": images, "overlaps": pairs,
              "summary": summary}
    if bands:
        report["band_plan"] = _band_plan_entry(bands[0], names, bands[1])
    return report


def _band_plan_entry(plan, names: List[str], models: Sequence[Optional[Tuple]]) -> dict:
    """The correspondence of the inputs' bands, and each band group's gains and offsets."""
    groups = []
    for n, (group, fitted) in enumerate(zip(plan.groups, models)):
        members = []
        for m, (k, numbers) in enumerate(zip(group.images, group.bands)):
            members.append({"name": names[k], "bands": list(numbers),
                            "gain": fitted[0][m].tolist() if fitted else None,
                            "offset": fitted[1][m].tolist() if fitted else None})
        groups.append({"group": "common bands" if n == 0 else f"band group {n + 1}",
                       "labels": list(group.labels), "images": members})
    return {"source": plan.source, "groups": groups,
            "unmatched": {names[k]: list(u) for k, u in enumerate(plan.unmatched) if u}}


def write_report(report: dict, path: str, staged: Optional[OutputSet] = None) -> List[str]:
    """Write the HTML report at ``path`` and its numbers beside it as JSON; returns both.
    ``staged``: the run's output set, committed with the rest."""
    json_path = report_json(path)
    write_text_atomically(json_path, json.dumps(report, indent=1), staged)
    write_text_atomically(path, _html(report), staged)
    return [path, json_path]


def _figures(report: dict) -> List[str]:
    """The plots as HTML fragments; plotly.js is embedded once, in the first."""
    try:
        import plotly.graph_objects as go
        import plotly.io as pio
    except ImportError:
        return ["<p>(plotly is not installed: the plots are left out; the tables hold all "
                "the numbers.)</p>"]
    bands = [f"band {b + 1}" for b in range(report["bands"])]
    s = report["summary"]
    bars = go.Figure([go.Bar(name="before", x=bands, y=s["before"]["per_band"]),
                      go.Bar(name="after", x=bands, y=s["after"]["per_band"])])
    bars.update_layout(title="Mean absolute difference in the overlaps, per band",
                       barmode="group", yaxis_title="data units")
    scatter = go.Figure()
    for when, symbol in (("before", "circle-open"), ("after", "circle")):
        xs = [m for o in report["overlaps"] if o[when] for m in o[when]["mean_i"]]
        ys = [m for o in report["overlaps"] if o[when] for m in o[when]["mean_j"]]
        labels = [f"{o['a']} / {o['b']}, {band}" for o in report["overlaps"] if o[when]
                  for band in bands]
        scatter.add_trace(go.Scatter(x=xs, y=ys, mode="markers", name=when, text=labels,
                                     marker_symbol=symbol))
    every = [v for t in scatter.data for v in list(t.x) + list(t.y)]
    if every:
        scatter.add_trace(go.Scatter(x=[min(every), max(every)], y=[min(every), max(every)],
                                     mode="lines", name="agreement", line_dash="dot"))
    scatter.update_layout(title="Means of the two images of every overlap (one point per "
                                "band): on the diagonal they agree",
                          xaxis_title="first image", yaxis_title="second image")
    graph = go.Figure()
    centre = {im["name"]: im["centre"] for im in report["images"]}
    for o in report["overlaps"]:
        (x0, y0), (x1, y1) = centre[o["a"]], centre[o["b"]]
        value = np.mean(o["after"]["mean_abs_difference"]) if o["after"] else float("nan")
        graph.add_trace(go.Scatter(x=[x0, x1], y=[y0, y1], mode="lines", showlegend=False,
                                   hoverinfo="text", text=f"{o['a']} / {o['b']}: {value:.4g}",
                                   line_width=1 + 4 * min(1.0, value / max(
                                       report["summary"]["after"]["mean"], 1e-12) / 2)))
    graph.add_trace(go.Scatter(x=[c[0] for c in centre.values()],
                               y=[c[1] for c in centre.values()], mode="markers+text",
                               text=list(centre), textposition="top center", name="images"))
    graph.update_layout(title="Overlap graph: images at their centres, one line per overlap "
                              "(thicker: more disagreement after matching)",
                        yaxis_scaleanchor="x")
    parts = []
    for n, fig in enumerate((bars, scatter, graph)):
        parts.append(pio.to_html(fig, include_plotlyjs=n == 0, full_html=False))
    return parts


def _table(header: List[str], rows: List[List[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _html(report: dict) -> str:
    s = report["summary"]
    fmt = lambda values: ", ".join(f"{v:.4g}" for v in values)  # noqa: E731
    images = _table(
        ["image", "output", "gain per band", "offset per band"],
        [[im["name"], im["output"], fmt(im["gain"]) if im["gain"] else "-",
          fmt(im["offset"]) if im["offset"] else "-"] for im in report["images"]])
    overlaps = _table(
        ["overlap", "pixels", "mean abs. difference before", "after",
         "difference of means before", "after", "difference of stds before", "after"],
        [[f"{o['a']} / {o['b']}", fmt(o["pixels"]),
          fmt(o["before"]["mean_abs_difference"]),
          fmt(o["after"]["mean_abs_difference"]) if o["after"] else "-",
          fmt(o["before"]["difference_of_means"]),
          fmt(o["after"]["difference_of_means"]) if o["after"] else "-",
          fmt(o["before"]["difference_of_stds"]),
          fmt(o["after"]["difference_of_stds"]) if o["after"] else "-"]
         for o in report["overlaps"]])
    plan = report.get("band_plan")
    bands = ""
    if plan:
        rows = [[g["group"], ", ".join(g["labels"]), im["name"],
                 ", ".join(map(str, im["bands"])),
                 fmt(im["gain"]) if im["gain"] else "-",
                 fmt(im["offset"]) if im["offset"] else "-"]
                for g in plan["groups"] for im in g["images"]]
        rows += [["unchanged", "-", name, ", ".join(map(str, numbers)), "-", "-"]
                 for name, numbers in plan["unmatched"].items()]
        bands = (f"<h2>Corresponding bands (by {html.escape(plan['source'])})</h2>"
                 "<p>The overlaps above and below are compared on the common bands.</p>"
                 + _table(["group", "bands", "image", "its band numbers", "gain", "offset"],
                          rows))
    change = 100 * s["after"]["mean"] / max(s["before"]["mean"], 1e-300)
    summary = (f"Mean overlap disagreement (mean absolute difference, all bands): "
               f"{s['before']['mean']:.4g} before &rarr; {s['after']['mean']:.4g} after "
               f"({change:.1f}%).")
    style = ("body{font-family:sans-serif;margin:2em;max-width:1200px}"
             "table{border-collapse:collapse;margin:1em 0}"
             "td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}"
             "th{background:#eee}")
    return "\n".join([
        "<!DOCTYPE html>", "<html><head><meta charset='utf-8'>",
        f"<title>{html.escape(report['title'])}</title><style>{style}</style></head><body>",
        f"<h1>{html.escape(report['title'])}</h1>", f"<p><b>{summary}</b></p>",
        *_figures(report),
        "<h2>Gains and offsets</h2>", images, bands,
        "<h2>Overlaps</h2>", overlaps,
        "<p>Method: Yu et al. (2017), ISPRS J. Photogramm. Remote Sens. 132, 1-19, "
        "doi:10.1016/j.isprsjprs.2017.08.002. Numbers: the JSON file beside this one.</p>",
        "</body></html>",
    ])
