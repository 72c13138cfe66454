"""Figures for evidence synthesis: forest plot, network graph and league-table heat map (SVG or PNG).

Figures are drawn on a bare :class:`matplotlib.figure.Figure` (Agg canvas), so nothing depends on a
display or on pyplot's global state. The file type follows the suffix of the path.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from lncare.errors import InputError
from lncare.evidence.meta import MetaResult
from lncare.evidence.nma import NetworkResult

FORMATS = (".svg", ".png")


def _target(path: str | Path) -> Path:
    target = Path(path)
    if target.suffix.lower() not in FORMATS:
        raise InputError("output", str(path), "must end in .svg or .png")
    return target


def _fmt(value: float, ratio: bool) -> str:
    return f"{math.exp(value):.2f}" if ratio else f"{value:.2f}"


def forest_plot(result: MetaResult, path: str | Path, title: str | None = None) -> Path:
    """Study rows (effect, CI, weight), the pooled diamond, the prediction interval and heterogeneity."""
    target = _target(path)
    ratio = result.is_ratio
    rows = result.studies
    k = len(rows)
    height = 1.6 + 0.35 * (k + 4)
    fig = Figure(figsize=(9, height))
    # Fixed room in inches under the axes for the x label and the heterogeneity line, whatever k is.
    bottom = 0.95 / height
    ax = fig.add_axes((0.32, bottom, 0.40, 0.90 - bottom))
    ax.set_ylim(-0.3, k + 3)
    ys = np.arange(k, 0, -1) + 2.0
    max_w = max((r.weight for r in rows), default=1.0) or 1.0
    for y, r in zip(ys, rows, strict=True):
        ax.plot([r.ci_lb, r.ci_ub], [y, y], color="black", lw=1)
        ax.plot([r.yi], [y], marker="s", color="#1f4e79", markersize=3 + 9 * math.sqrt(r.weight / max_w))
        fig.text(0.02, _fig_y(ax, y), r.label, va="center", fontsize=8)
        fig.text(
            0.74,
            _fig_y(ax, y),
            f"{_fmt(r.yi, ratio)} [{_fmt(r.ci_lb, ratio)}, {_fmt(r.ci_ub, ratio)}]",
            va="center",
            fontsize=8,
        )
        fig.text(0.92, _fig_y(ax, y), f"{r.weight:.1f}%", va="center", fontsize=8)
    diamond = Polygon(
        [(result.ci_lb, 1.0), (result.estimate, 1.3), (result.ci_ub, 1.0), (result.estimate, 0.7)],
        closed=True,
        color="#c00000",
    )
    ax.add_patch(diamond)
    model = "Common effect" if result.tau2 is None else "Random effects"
    fig.text(0.02, _fig_y(ax, 1.0), f"{model} ({result.method})", va="center", fontsize=8, weight="bold")
    fig.text(
        0.74,
        _fig_y(ax, 1.0),
        f"{_fmt(result.estimate, ratio)} [{_fmt(result.ci_lb, ratio)}, {_fmt(result.ci_ub, ratio)}]",
        va="center",
        fontsize=8,
        weight="bold",
    )
    if result.pi_lb is not None and result.pi_ub is not None:
        ax.plot([result.pi_lb, result.pi_ub], [0.3, 0.3], color="#c00000", lw=2)
        fig.text(0.02, _fig_y(ax, 0.3), "Prediction interval", va="center", fontsize=8)
        fig.text(
            0.74,
            _fig_y(ax, 0.3),
            f"[{_fmt(result.pi_lb, ratio)}, {_fmt(result.pi_ub, ratio)}]",
            va="center",
            fontsize=8,
        )
    ax.axvline(0.0, color="grey", lw=0.8, ls="--")
    ax.set_yticks([])
    _ratio_ticks(ax, ratio)
    ax.set_xlabel(result.measure + (" (log scale)" if ratio else ""))
    fig.text(0.02, 0.12 / height, _heterogeneity_line(result), fontsize=8)
    fig.suptitle(title or f"Forest plot ({result.measure}, {result.method})", fontsize=10)
    _save(fig, target)
    return target


def _save(fig: Figure, target: Path) -> None:
    # No creation date in SVGs: regenerating a committed figure must not produce a diff by itself.
    metadata = {"Date": None} if target.suffix.lower() == ".svg" else None
    # A fixed salt makes the SVG's element ids the same on every run, so a redrawn plot that did not
    # change leaves no diff.
    with rc_context({"svg.hashsalt": "lncare"}):
        fig.savefig(target, metadata=metadata)


def _fig_y(ax: object, y: float) -> float:
    # map a data y to figure coordinates so text columns line up with the plotted rows
    bbox = ax.get_position()  # type: ignore[attr-defined]
    lo, hi = ax.get_ylim()  # type: ignore[attr-defined]
    return float(bbox.y0 + (y - lo) / (hi - lo) * bbox.height)


def _ratio_ticks(ax: object, ratio: bool) -> None:
    if not ratio:
        return
    lo, hi = ax.get_xlim()  # type: ignore[attr-defined]
    candidates = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100]
    ticks = [c for c in candidates if lo <= math.log(c) <= hi] or [1]
    ax.set_xticks([math.log(t) for t in ticks])  # type: ignore[attr-defined]
    ax.set_xticklabels([f"{t:g}" for t in ticks])  # type: ignore[attr-defined]


def _heterogeneity_line(r: MetaResult) -> str:
    if r.q is None:
        return "Heterogeneity: not estimable from a single study"
    p = "NA" if r.q_pval is None else f"{r.q_pval:.4f}"
    parts = [f"Q = {r.q:.2f} (df = {r.k - 1}, p = {p})"]
    if r.i2 is not None:
        parts.append(f"I² = {r.i2:.1f}%")
    if r.tau2 is not None:
        parts.append(f"tau² = {r.tau2:.4f}")
    return "Heterogeneity: " + ", ".join(parts)


def network_graph(result: NetworkResult, path: str | Path) -> Path:
    """Treatments on a circle; edge width grows with the number of head-to-head studies."""
    target = _target(path)
    names = result.treatments
    n = len(names)
    angles = np.pi / 2 - 2 * np.pi * np.arange(n) / n
    xy = {t: (math.cos(a), math.sin(a)) for t, a in zip(names, angles, strict=True)}
    fig = Figure(figsize=(7, 7))
    ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
    for i, t1 in enumerate(names):
        for t2 in names[i + 1 :]:
            count = result.direct_studies(t1, t2)
            if count:
                (x1, y1), (x2, y2) = xy[t1], xy[t2]
                ax.plot([x1, x2], [y1, y2], color="#1f4e79", lw=1 + 1.5 * count, alpha=0.7)
                ax.text(
                    (x1 + x2) / 2,
                    (y1 + y2) / 2,
                    str(count),
                    fontsize=8,
                    ha="center",
                    va="center",
                    bbox={"boxstyle": "round", "fc": "white", "ec": "none"},
                )
    for t, (x, y) in xy.items():
        ax.plot([x], [y], marker="o", markersize=14, color="#c00000")
        ax.text(1.18 * x, 1.18 * y, t, ha="center", va="center", fontsize=9)
    ax.set_xlim(-1.5, 1.5)
    ax.set_ylim(-1.5, 1.5)
    ax.set_axis_off()
    fig.suptitle(f"Network of {result.k} studies, {result.n} treatments (edge label: studies)", fontsize=10)
    _save(fig, target)
    return target


def league_heatmap(result: NetworkResult, path: str | Path, random: bool = False) -> Path:
    """League table as a heat map: cell (row i, column j) is treatment i versus j with its CI."""
    target = _target(path)
    fit = result.fit(random)
    names = result.treatments
    n = len(names)
    ratio = result.measure in ("OR", "RR")
    z = np.where(fit.se > 0, fit.te / np.where(fit.se > 0, fit.se, 1.0), 0.0)
    fig = Figure(figsize=(1.6 * n + 2, 1.2 * n + 1.5))
    ax = fig.add_axes((0.2, 0.05, 0.75, 0.8))
    limit = max(2.0, float(np.abs(z).max()))
    ax.imshow(z, cmap="RdBu_r", vmin=-limit, vmax=limit)
    for i in range(n):
        for j in range(n):
            if i == j:
                ax.text(j, i, names[i], ha="center", va="center", fontsize=8, weight="bold")
                continue
            est = fit.estimate(names[i], names[j])
            text = f"{_fmt(est.estimate, ratio)}\n[{_fmt(est.ci_lb, ratio)}, {_fmt(est.ci_ub, ratio)}]"
            ax.text(j, i, text, ha="center", va="center", fontsize=7)
    ax.set_xticks(range(n))
    ax.set_xticklabels(names, rotation=30, ha="left", fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(range(n))
    ax.set_yticklabels(names, fontsize=8)
    model = "random effects" if random else "common effect"
    fig.suptitle(f"League table ({result.measure}, {model}): row versus column; colour = z", fontsize=10)
    _save(fig, target)
    return target
