"""Study-level effect sizes and their sampling variances, the way metafor's ``escalc()`` computes them.

Formulas (shared/domain/metaanalysis.md §1.1; Viechtbauer 2010, J Stat Softw 36(3), metafor ``escalc``):

- log odds ratio: ``log(a·d / (b·c))``, variance ``1/a + 1/b + 1/c + 1/d``
- log risk ratio: ``log((a/n1) / (c/n2))``, variance ``1/a − 1/n1 + 1/c − 1/n2``
- risk difference: ``a/n1 − c/n2``, variance ``p1(1−p1)/n1 + p2(1−p2)/n2``
- mean difference: ``m1 − m2``, variance ``sd1²/n1 + sd2²/n2``
- standardised mean difference (Hedges' g): bias-corrected Cohen's d with metafor's exact correction
  ``J = Γ(m/2) / (√(m/2) Γ((m−1)/2))``, ``m = n1 + n2 − 2``, variance ``1/n1 + 1/n2 + g²/(2(n1+n2))``

Zero cells: metafor's default ``add=1/2, to="only0"`` adds 1/2 to all four cells of a table with a zero
cell. Tables with no events (or only events) in both arms carry no information on a ratio scale; lncare
drops them for OR and RR by default (``drop00=True``, as metafor's ``rma.mh``/``rma.peto`` and R's meta do).
Pass ``drop00=False`` to keep them as ``escalc()``'s own default does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy import special, stats

from lncare.errors import InputError, one_of

BinaryMeasure = Literal["OR", "RR", "RD"]
ContinuousMeasure = Literal["MD", "SMD"]
ZeroRule = Literal["only0", "all", "if0all", "none"]
RATIO_MEASURES = ("OR", "RR")


@dataclass(frozen=True)
class BinaryStudy:
    """One two-arm trial with a binary outcome: events and patients in the treated and control arms."""

    label: str
    events_t: float
    n_t: float
    events_c: float
    n_c: float

    def __post_init__(self) -> None:
        for name in ("events_t", "n_t", "events_c", "n_c"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise InputError(f"{self.label}.{name}", value, "must be a count of 0 or more")
        if self.n_t <= 0 or self.n_c <= 0:
            raise InputError(f"{self.label}.n", (self.n_t, self.n_c), "must be above 0 in both arms")
        if self.events_t > self.n_t:
            raise InputError(f"{self.label}.events_t", self.events_t, f"exceeds n_t ({self.n_t:g})")
        if self.events_c > self.n_c:
            raise InputError(f"{self.label}.events_c", self.events_c, f"exceeds n_c ({self.n_c:g})")


@dataclass(frozen=True)
class GenericStudy:
    """A precomputed effect ``yi`` (log scale for ratios) with its sampling variance ``vi``."""

    label: str
    yi: float
    vi: float

    def __post_init__(self) -> None:
        if not math.isfinite(self.yi):
            raise InputError(f"{self.label}.yi", self.yi, "must be a finite number")
        if not math.isfinite(self.vi) or self.vi <= 0:
            raise InputError(f"{self.label}.vi", self.vi, "must be a variance above 0")


@dataclass(frozen=True)
class Effects:
    """Per-study effects ready for pooling; ``dropped`` names studies left out and why."""

    labels: tuple[str, ...]
    yi: np.ndarray
    vi: np.ndarray
    measure: str
    dropped: tuple[str, ...] = field(default=())

    @property
    def k(self) -> int:
        return len(self.labels)


def generic_study_from_ci(
    label: str, estimate: float, ci_lb: float, ci_ub: float, level: float = 95.0, ratio: bool = True
) -> GenericStudy:
    """A study reported as an estimate with a confidence interval (e.g. HR 0.55, 95% CI 0.40-0.76).

    Ratios are moved to the log scale; the standard error is the CI width over ``2·z(1−α/2)``
    (Cochrane Handbook v6.4, §6.3.2), taking the wider half on the log scale for symmetry.
    """
    if ratio:
        for name, value in (("estimate", estimate), ("ci_lb", ci_lb), ("ci_ub", ci_ub)):
            if not value > 0:
                raise InputError(f"{label}.{name}", value, "must be above 0 for a ratio")
        estimate, ci_lb, ci_ub = math.log(estimate), math.log(ci_lb), math.log(ci_ub)
    if not ci_lb <= estimate <= ci_ub:
        raise InputError(
            f"{label}.ci", (ci_lb, ci_ub), "must contain the estimate (lower <= estimate <= upper)"
        )
    crit = float(stats.norm.ppf(1 - (1 - level / 100) / 2))
    se = (ci_ub - ci_lb) / (2 * crit)
    return GenericStudy(label, estimate, se * se)


def binary_effects(
    studies: Sequence[BinaryStudy],
    measure: BinaryMeasure,
    add: float = 0.5,
    to: ZeroRule = "only0",
    drop00: bool = True,
) -> Effects:
    """Per-study log OR, log RR or RD with variances, with metafor's zero-cell correction."""
    if measure not in ("OR", "RR", "RD"):
        raise InputError("measure", measure, f"is not a binary measure (use {one_of(['OR', 'RR', 'RD'])})")
    if not studies:
        raise InputError("studies", [], "must hold at least one study")
    a, n1, c, n2 = (
        np.array([getattr(s, f) for s in studies], dtype=float)
        for f in ("events_t", "n_t", "events_c", "n_c")
    )
    b, d = n1 - a, n2 - c
    double = ((a == 0) & (c == 0)) | ((b == 0) & (d == 0))
    keep = ~double if (drop00 and measure in RATIO_MEASURES) else np.ones(len(studies), dtype=bool)
    dropped = tuple(
        f"{s.label}: no events (or only events) in both arms"
        for s, k in zip(studies, keep, strict=True)
        if not k
    )
    a, b, c, d = a[keep], b[keep], c[keep], d[keep]
    a, b, c, d = _continuity(a, b, c, d, add, to)
    yi, vi = _binary_yi_vi(a, b, c, d, measure)
    labels = tuple(s.label for s, k in zip(studies, keep, strict=True) if k)
    return Effects(labels, yi, vi, measure, dropped)


def _continuity(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray, add: float, to: ZeroRule
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    has_zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    if to == "all" or (to == "if0all" and has_zero.any()):
        cells = np.ones_like(a, dtype=bool)
    elif to == "only0":
        cells = has_zero
    elif to in ("none", "if0all"):
        cells = np.zeros_like(a, dtype=bool)
    else:
        rules = ["only0", "all", "if0all", "none"]
        raise InputError("to", to, f"is not a zero-cell rule (use {one_of(rules)})")
    inc = np.where(cells, add, 0.0)
    return a + inc, b + inc, c + inc, d + inc


def _binary_yi_vi(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray, measure: str
) -> tuple[np.ndarray, np.ndarray]:
    n1, n2 = a + b, c + d
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "OR":
            return np.log(a * d / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d
        if measure == "RR":
            return np.log((a / n1) / (c / n2)), 1 / a - 1 / n1 + 1 / c - 1 / n2
        p1, p2 = a / n1, c / n2
        return p1 - p2, p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2


def generic_effects(studies: Sequence[GenericStudy], measure: str = "GEN") -> Effects:
    """Precomputed effects, passed through unchanged."""
    if not studies:
        raise InputError("studies", [], "must hold at least one study")
    return Effects(
        tuple(s.label for s in studies),
        np.array([s.yi for s in studies], dtype=float),
        np.array([s.vi for s in studies], dtype=float),
        measure,
    )


def continuous_effect(
    measure: ContinuousMeasure, mean1: float, sd1: float, n1: float, mean2: float, sd2: float, n2: float
) -> tuple[float, float]:
    """Mean difference or Hedges' g of arm 1 versus arm 2, with its sampling variance."""
    if measure == "MD":
        return mean1 - mean2, sd1 * sd1 / n1 + sd2 * sd2 / n2
    if measure != "SMD":
        raise InputError("measure", measure, "is not a continuous measure (use MD or SMD)")
    m = n1 + n2 - 2
    pooled_sd = math.sqrt(((n1 - 1) * sd1 * sd1 + (n2 - 1) * sd2 * sd2) / m)
    # metafor's exact small-sample correction (Hedges 1981), via log-gamma to stay finite for large m
    corr = math.exp(special.gammaln(m / 2) - math.log(math.sqrt(m / 2)) - special.gammaln((m - 1) / 2))
    g = corr * (mean1 - mean2) / pooled_sd
    return g, 1 / n1 + 1 / n2 + g * g / (2 * (n1 + n2))
