"""Figures (PNG and SVG) and a self-contained HTML report of a cohort run.

Figures are drawn on bare matplotlib Figures (Agg canvas, no pyplot state). The HTML page inlines the
SVG figures and its own CSS: it loads nothing from a network, so it opens offline and can be mailed.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from matplotlib.figure import Figure

from lncare.cohort.summary import ALL_REGIMENS, DAYS_PER_MONTH

FIGURE_FORMATS = ("png", "svg")
# Fixed SVG ids and no creation date, so the same run writes the same files.
_SVG_METADATA = {"Date": None}
_RC: dict[str, Any] = {"svg.hashsalt": "lncare-cohort"}


def write_figures(summaries: dict[str, pa.Table], folder: Path) -> list[Path]:
    """Response rates, time to complete response and quality measures, each as PNG and SVG."""
    folder.mkdir(parents=True, exist_ok=True)
    figures = {
        "response_rates": _response_figure(summaries["response_rates"]),
        "time_to_complete_response": _km_figure(summaries["km_complete_response"]),
        "quality_measures": _measures_figure(summaries["quality_measures"]),
    }
    written = []
    import matplotlib

    with matplotlib.rc_context(_RC):  # type: ignore[arg-type]
        for name, fig in figures.items():
            for fmt in FIGURE_FORMATS:
                path = folder / f"{name}.{fmt}"
                fig.savefig(path, format=fmt, dpi=120, metadata=_SVG_METADATA if fmt == "svg" else None)
                written.append(path)
    return written


def write_html(summary: dict[str, Any], summaries: dict[str, pa.Table], figures: Path, path: Path) -> Path:
    """One HTML page: the run's facts, the figures (inline SVG) and the summary tables."""
    parts = [
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        "<title>lncare cohort report</title>", f"<style>{_CSS}</style></head><body>",
        "<h1>Lupus nephritis cohort report</h1>",
        _facts(summary),
        "<h2>Renal response by regimen and landmark</h2>",
        "<p>Rates among patients whose status could be judged at the landmark, with Wilson 95% "
        "confidence intervals; <em>not assessable</em> counts patients without the data to judge.</p>",
        _inline_svg(figures / "response_rates.svg"),
        _table(summaries["response_rates"]),
        "<h2>Time to complete response (Kaplan-Meier)</h2>",
        "<p>Proportion reaching complete response since the start of induction (1 - S(t)), with "
        "Greenwood log-scale 95% intervals in the table; censored at the end of follow-up.</p>",
        _inline_svg(figures / "time_to_complete_response.svg"),
        _table(_km_read_out_table(summary["time_to_complete_response"])),
        "<h2>Quality measures</h2>",
        _inline_svg(figures / "quality_measures.svg"),
        _table(summaries["quality_measures"]),
    ]
    if "plan_pass" in summary:
        parts += ["<h2>Guideline gaps (per-patient plan pass)</h2>",
                  _table(_gap_table(summary["plan_pass"]["gaps"]))]
    parts += ["<h2>Summary (JSON)</h2>",
              f"<pre>{html.escape(json.dumps(summary, indent=2, ensure_ascii=False))}</pre>",
              "</body></html>"]
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return path


def _response_figure(rates: pa.Table) -> Figure:
    rows = rates.to_pylist()
    regimens = [*sorted({r["regimen"] for r in rows} - {ALL_REGIMENS}), ALL_REGIMENS]
    landmarks = sorted({r["landmark_months"] for r in rows})
    fig = Figure(figsize=(max(6.0, 1.3 * len(regimens) + 2), 4.2))
    ax = fig.add_axes((0.08, 0.3, 0.9, 0.6))
    width = 0.8 / max(1, len(landmarks))
    cells = {(r["regimen"], r["landmark_months"]): r for r in rows}
    for i, months in enumerate(landmarks):
        xs: list[float] = []
        ys: list[float] = []
        errs: list[list[float]] = [[], []]
        for j, regimen in enumerate(regimens):
            cell = cells.get((regimen, months))
            if cell is None or cell["complete_rate"] is None:
                continue
            xs.append(j + (i - (len(landmarks) - 1) / 2) * width)
            ys.append(cell["complete_rate"])
            errs[0].append(cell["complete_rate"] - cell["complete_ci_low"])
            errs[1].append(cell["complete_ci_high"] - cell["complete_rate"])
        ax.bar(xs, ys, width=width, yerr=errs, capsize=2, label=f"{months} months")
    ax.set_xticks(range(len(regimens)), regimens, rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("complete response (95% CI)")
    ax.legend(fontsize=8, frameon=False)
    return fig


def _km_figure(curves: pa.Table) -> Figure:
    fig = Figure(figsize=(7, 4.2))
    ax = fig.add_axes((0.1, 0.14, 0.62, 0.78))
    regimens = curves["regimen"].to_numpy(zero_copy_only=False)
    days = curves["days"].to_numpy()
    survival = curves["survival"].to_numpy()
    for regimen in [*sorted(set(regimens.tolist()) - {ALL_REGIMENS}), ALL_REGIMENS]:
        chosen = regimens == regimen
        if not chosen.any():
            continue
        months = np.concatenate(([0.0], days[chosen] / DAYS_PER_MONTH))
        reached = np.concatenate(([0.0], 1.0 - survival[chosen]))
        pooled = regimen == ALL_REGIMENS
        ax.step(months, reached, where="post", label=regimen, color="black" if pooled else None,
                linestyle="--" if pooled else "-")
    ax.set_xlabel("months since the start of induction")
    ax.set_ylabel("reached complete response")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def _measures_figure(measures: pa.Table) -> Figure:
    rows = [r for r in measures.to_pylist() if r["rate"] is not None]
    fig = Figure(figsize=(7, 1.2 + 0.4 * max(1, len(rows))))
    ax = fig.add_axes((0.42, 0.18, 0.53, 0.75))
    ys = np.arange(len(rows))
    rates = [r["rate"] for r in rows]
    errs = [[r["rate"] - r["ci_low"] for r in rows], [r["ci_high"] - r["rate"] for r in rows]]
    ax.barh(ys, rates, xerr=errs, capsize=2, color="#1f4e79")
    ax.set_yticks(ys, [r["measure"] for r in rows], fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_xlabel("numerator / denominator (95% CI)")
    return fig


def _inline_svg(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return f'<figure>{text[text.index("<svg"):]}</figure>'


def _facts(summary: dict[str, Any]) -> str:
    counts = summary["counts"]
    items = [("Source", summary["source"]), ("Guideline profile", summary["profile"]),
             ("As of", summary["as_of"] or "end of each patient's data"),
             ("Landmarks (months)", ", ".join(str(m) for m in summary["landmarks_months"])),
             *((f"Rows in {name}", f"{n:,}") for name, n in counts.items())]
    terms = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>" for k, v in items)
    return f"<dl>{terms}</dl>"


def _table(table: pa.Table | list[dict[str, Any]]) -> str:
    rows = table.to_pylist() if isinstance(table, pa.Table) else table
    if not rows:
        return "<p>(none)</p>"
    head = "".join(f"<th>{html.escape(name)}</th>" for name in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row.values()) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _km_read_out_table(read_outs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"regimen": r["regimen"], "patients": r["patients"], "complete responses": r["events"],
             "median days": r["median_days"],
             **{f"by {m} months": v for m, v in r["complete_response_by_landmark"].items()}}
            for r in read_outs]


def _gap_table(gaps: dict[str, int]) -> list[dict[str, Any]]:
    return [{"gap": gap, "patients": n} for gap, n in gaps.items()]


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
dl { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; }
dt { font-weight: 600; } dd { margin: 0; }
table { border-collapse: collapse; font-size: .85rem; margin: .5rem 0; }
th, td { border: 1px solid #ddd; padding: .2rem .5rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; }
pre { background: #f6f6f6; padding: 1rem; overflow-x: auto; font-size: .8rem; }
"""
