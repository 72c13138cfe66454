"""Pairwise meta-analysis: one call, metafor's numbers.

``meta_analysis(studies, measure, method, test, level)`` pools a list of :class:`BinaryStudy` (two-arm
trials, e.g. built from the knowledge base) or :class:`GenericStudy` (precomputed yi/vi) and returns a
:class:`MetaResult` whose fields carry metafor's names in lower case (DESIGN.md contract 3).

Methods (metafor 5.1-12; metaanalysis.md §1.2-1.6):

- ``EE``: inverse-variance common effect (``rma(method="EE")``);
- ``DL``, ``REML``, ``ML``, ``PM``, ``EB``, ``SJ``, ``HE``, ``HS``, ``DLIT``, ``SJIT``: random effects
  (``rma.uni``), with Q-profile intervals for tau², I² and H², and the prediction interval
  ``μ ± crit·√(SE² + tau²)`` (z, or t(k−1) under Knapp-Hartung, as ``predict.rma``);
- ``MH`` and ``PETO``: ``rma.mh`` and ``rma.peto``;
- ``test="knha"``: Knapp & Hartung (2003): Var(μ) × Σw*(y−μ)²/(k−1) and t(k−1) for tests and CIs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy import stats

from lncare.errors import InputError, one_of
from lncare.evidence import heterogeneity as het
from lncare.evidence.effects import (
    RATIO_MEASURES,
    BinaryStudy,
    Effects,
    GenericStudy,
    ZeroRule,
    binary_effects,
    generic_effects,
)
from lncare.evidence.mantel import PooledFixed, Tables, mantel_haenszel, peto, peto_effects
from lncare.evidence.tau2 import TAU2_METHODS, estimate_tau2

METHODS: tuple[str, ...] = ("EE", "MH", "PETO", *TAU2_METHODS)
MEASURES: tuple[str, ...] = ("OR", "RR", "RD", "GEN")
Test = Literal["z", "knha"]


@dataclass(frozen=True)
class StudyRow:
    """One study as a forest plot shows it: effect, CI and its weight in percent."""

    label: str
    yi: float
    vi: float
    ci_lb: float
    ci_ub: float
    weight: float


@dataclass(frozen=True)
class MetaResult:
    """A pooled estimate with metafor's names; ``None`` where a quantity is undefined (see ``notes``)."""

    measure: str
    method: str
    test: str
    level: float
    k: int
    estimate: float
    se: float
    zval: float
    pval: float
    ci_lb: float
    ci_ub: float
    q: float | None
    q_pval: float | None
    i2: float | None
    h2: float | None
    tau2: float | None = None
    tau: float | None = None
    se_tau2: float | None = None
    pi_lb: float | None = None
    pi_ub: float | None = None
    tau2_ci_lb: float | None = None
    tau2_ci_ub: float | None = None
    i2_ci_lb: float | None = None
    i2_ci_ub: float | None = None
    h2_ci_lb: float | None = None
    h2_ci_ub: float | None = None
    co: float | None = None
    co_pval: float | None = None
    cmh: float | None = None
    cmh_pval: float | None = None
    tarone: float | None = None
    tarone_pval: float | None = None
    studies: tuple[StudyRow, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def is_ratio(self) -> bool:
        return self.measure in RATIO_MEASURES

    def prob_below(self, value: float = 0.0) -> float | None:
        """Predictive probability that a new study's true effect is below ``value`` (metafor ``prob=``)."""
        if self.tau2 is None:
            return None
        return float(stats.norm.cdf((value - self.estimate) / math.sqrt(self.se**2 + self.tau2)))

    def to_json(self) -> dict[str, Any]:
        """Contract 3 JSON: metafor names in lower case, ``*_exp`` twins on the ratio scale for OR/RR."""
        keys = (
            "estimate",
            "se",
            "zval",
            "pval",
            "ci_lb",
            "ci_ub",
            "tau2",
            "tau",
            "se_tau2",
            "i2",
            "h2",
            "q",
            "q_pval",
            "pi_lb",
            "pi_ub",
            "tau2_ci_lb",
            "tau2_ci_ub",
            "i2_ci_lb",
            "i2_ci_ub",
            "h2_ci_lb",
            "h2_ci_ub",
            "co",
            "co_pval",
            "cmh",
            "cmh_pval",
            "tarone",
            "tarone_pval",
        )
        out: dict[str, Any] = {
            "measure": self.measure,
            "method": self.method,
            "test": self.test,
            "level": self.level,
            "k": self.k,
        }
        out.update({key: getattr(self, key) for key in keys})
        if self.is_ratio:
            for key in ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
                value = getattr(self, key)
                out[f"{key}_exp"] = None if value is None else math.exp(value)
        out["studies"] = [vars(row) for row in self.studies]
        out["notes"] = list(self.notes)
        return out


def meta_analysis(
    studies: Sequence[BinaryStudy] | Sequence[GenericStudy],
    measure: str = "OR",
    method: str = "REML",
    test: str = "z",
    level: float = 95.0,
    correct: bool = True,
    add: float = 0.5,
    to: ZeroRule = "only0",
    drop00: bool = True,
) -> MetaResult:
    """Pool ``studies`` (see module docstring); bad arguments raise :class:`InputError`."""
    method = method.upper()
    if method not in METHODS:
        raise InputError("method", method, f"is not a pooling method (use {one_of(list(METHODS))})")
    if measure not in MEASURES:
        raise InputError("measure", measure, f"is not a measure (use {one_of(list(MEASURES))})")
    if test not in ("z", "knha"):
        raise InputError("test", test, "is not a test (use z or knha)")
    if not 0 < level < 100:
        raise InputError("level", level, "must be a percentage between 0 and 100")
    if not studies:
        raise InputError("studies", [], "must hold at least one study")
    binary = [s for s in studies if isinstance(s, BinaryStudy)]
    generic = [s for s in studies if isinstance(s, GenericStudy)]
    if binary and generic:
        raise InputError("studies", "mixed", "must all be 2x2 tables or all precomputed yi/vi")
    if generic and measure != "GEN" and method in ("MH", "PETO"):
        raise InputError("method", method, "needs 2x2 tables, not precomputed effects")
    if binary and measure == "GEN":
        raise InputError("measure", measure, "needs precomputed yi/vi; use OR, RR or RD for 2x2 tables")
    if method in ("MH", "PETO") and not binary:
        raise InputError("method", method, "needs 2x2 tables (events and totals per arm)")
    if method == "PETO" and measure != "OR":
        raise InputError("measure", measure, "does not go with method PETO (Peto pools odds ratios: use OR)")
    if method == "MH":
        return _fixed_tables(binary, measure, "MH", level, correct, add, to)
    if method == "PETO":
        return _fixed_tables(binary, measure, "PETO", level, correct, add, to)
    if binary:
        effects = binary_effects(binary, measure, add, to, drop00)  # type: ignore[arg-type]
    else:
        effects = generic_effects(generic, measure)
    return rma_uni(effects, method, test, level)


def _crit(level: float, df: int | None) -> float:
    p = 1 - (1 - level / 100) / 2
    return float(stats.norm.ppf(p) if df is None else stats.t.ppf(p, df))


def _pval(stat: float, df: int | None) -> float:
    return float(2 * (stats.norm.sf(abs(stat)) if df is None else stats.t.sf(abs(stat), df)))


def _rows(effects: Effects, weights: np.ndarray, level: float) -> tuple[StudyRow, ...]:
    z = _crit(level, None)
    se = np.sqrt(effects.vi)
    pct = 100 * weights / weights.sum()
    return tuple(
        StudyRow(lab, float(y), float(v), float(y - z * s), float(y + z * s), float(w))
        for lab, y, v, s, w in zip(effects.labels, effects.yi, effects.vi, se, pct, strict=True)
    )


def rma_uni(effects: Effects, method: str, test: str = "z", level: float = 95.0) -> MetaResult:
    """Inverse-variance pooling of precomputed effects: common (``EE``) or random effects."""
    yi, vi, k = effects.yi, effects.vi, effects.k
    notes = list(effects.dropped)
    if k == 0:
        raise InputError("studies", 0, "are left after dropping uninformative tables; nothing to pool")
    if not (np.all(np.isfinite(yi)) and np.all(np.isfinite(vi)) and np.all(vi > 0)):
        raise InputError("studies", "zero cells", "give an undefined effect; use a zero-cell correction")
    random = method != "EE"
    if k == 1:
        notes.append("a single study: tau², Q, I² and the prediction interval are undefined")
        return _single(effects, method, test, level, notes)
    w_fixed = 1 / vi
    mu_fixed = float(np.sum(w_fixed * yi) / w_fixed.sum())
    q = float(np.sum(w_fixed * (yi - mu_fixed) ** 2))
    q_pval = float(stats.chi2.sf(q, k - 1))
    tau2 = se_tau2 = None
    if random:
        fit = estimate_tau2(yi, vi, method)
        tau2, se_tau2 = fit.tau2, fit.se_tau2
    w = 1 / (vi + (tau2 or 0.0))
    mu = float(np.sum(w * yi) / w.sum())
    var = 1 / float(w.sum())
    df = None
    if test == "knha":
        var *= float(np.sum(w * (yi - mu) ** 2)) / (k - 1)
        df = k - 1
    se = math.sqrt(var)
    crit = _crit(level, df)
    base: dict[str, Any] = dict(
        measure=effects.measure,
        method=method,
        test=test,
        level=level,
        k=k,
        estimate=mu,
        se=se,
        zval=mu / se,
        pval=_pval(mu / se, df),
        ci_lb=mu - crit * se,
        ci_ub=mu + crit * se,
        q=q,
        q_pval=q_pval,
        studies=_rows(effects, w, level),
    )
    if not random:
        notes.append("common-effect model: no tau² and no prediction interval")
        return MetaResult(i2=het.i2_from_q(q, k - 1), h2=q / (k - 1), notes=tuple(notes), **base)
    assert tau2 is not None
    vt = het.typical_variance(vi)
    ci = het.tau2_ci_qprofile(yi, vi, tau2, level)
    pi_half = crit * math.sqrt(var + tau2)
    return MetaResult(
        i2=het.i2_from_tau2(tau2, vt),
        h2=het.h2_from_tau2(tau2, vt),
        tau2=tau2,
        tau=math.sqrt(tau2),
        se_tau2=se_tau2,
        pi_lb=mu - pi_half,
        pi_ub=mu + pi_half,
        tau2_ci_lb=ci.lower,
        tau2_ci_ub=ci.upper,
        i2_ci_lb=het.i2_from_tau2(ci.lower, vt),
        i2_ci_ub=het.i2_from_tau2(ci.upper, vt),
        h2_ci_lb=het.h2_from_tau2(ci.lower, vt),
        h2_ci_ub=het.h2_from_tau2(ci.upper, vt),
        notes=tuple(notes),
        **base,
    )


def _single(effects: Effects, method: str, test: str, level: float, notes: list[str]) -> MetaResult:
    y, v = float(effects.yi[0]), float(effects.vi[0])
    se = math.sqrt(v)
    crit = _crit(level, None)
    if test == "knha":
        notes.append("Knapp-Hartung needs at least 2 studies: the Wald z interval is shown")
    return MetaResult(
        measure=effects.measure,
        method=method,
        test="z",
        level=level,
        k=1,
        estimate=y,
        se=se,
        zval=y / se,
        pval=_pval(y / se, None),
        ci_lb=y - crit * se,
        ci_ub=y + crit * se,
        q=None,
        q_pval=None,
        i2=None,
        h2=None,
        studies=_rows(effects, np.ones(1), level),
        notes=tuple(notes),
    )


def _fixed_tables(
    studies: Sequence[BinaryStudy],
    measure: str,
    method: str,
    level: float,
    correct: bool,
    add: float,
    to: ZeroRule,
) -> MetaResult:
    if measure not in ("OR", "RR", "RD"):
        raise InputError("measure", measure, "cannot be pooled by MH (use OR, RR or RD)")
    tables = Tables.of(studies)
    notes: list[str] = []
    if method == "MH":
        pooled: PooledFixed = mantel_haenszel(tables, measure, correct)
        effects = binary_effects(studies, measure, add, to, drop00=True)  # type: ignore[arg-type]
        weights = pooled.weights
        informative = np.array([s.label in effects.labels for s in studies])
        weights = weights[informative]
    else:
        pooled = peto(tables)
        yi, vi, keep = peto_effects(tables)
        effects = Effects(tuple(s.label for s, kp in zip(studies, keep, strict=True) if kp), yi, vi, "OR")
        weights = pooled.weights[keep]
    notes.extend(effects.dropped)
    k = effects.k
    mu, se = pooled.estimate, pooled.se
    crit = _crit(level, None)
    q = float(np.sum((effects.yi - mu) ** 2 / effects.vi)) if k > 1 else None
    df = k - 1
    notes.append("common-effect model: no tau² and no prediction interval")
    return MetaResult(
        measure=measure,
        method=method,
        test="z",
        level=level,
        k=len(studies),
        estimate=mu,
        se=se,
        zval=mu / se,
        pval=_pval(mu / se, None),
        ci_lb=mu - crit * se,
        ci_ub=mu + crit * se,
        q=q,
        q_pval=None if q is None else float(stats.chi2.sf(q, df)),
        i2=None if q is None else het.i2_from_q(q, df),
        h2=None if q is None else q / df,
        co=pooled.co,
        co_pval=pooled.co_pval,
        cmh=pooled.cmh,
        cmh_pval=pooled.cmh_pval,
        tarone=pooled.tarone,
        tarone_pval=pooled.tarone_pval,
        studies=_rows(effects, weights, level),
        notes=tuple(notes),
    )
