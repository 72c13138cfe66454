"""Frequentist network meta-analysis by graph theory (Rücker 2012), as R's ``netmeta`` computes it.

Steps (netmeta 3.6-2 ``nma.ruecker``/``multiarm``; metaanalysis.md §1.7; Rücker & Schwarzer 2014):

1. Multi-arm studies: the k(k−1)/2 contrast variances of a k-arm study form a matrix R; with the Laplacian
   of the complete graph ``Lc = kI − J``, ``L = pinv(−Lc·R·Lc / (2k²))`` and the adjusted weight of contrast
   i–j is ``−L[i, j]`` (a three-arm study with equal variances v gets 1.5·v per contrast).
2. Common effect: incidence matrix B (+1 treat1, −1 treat2), W = diag(adjusted weights), L = BᵀWB;
   network estimates are potential differences from ``pinv(L)·BᵀW·y``; Var(θi − θj) is the resistance
   distance ``L⁺ii + L⁺jj − 2L⁺ij``. Q = (y − Hy)ᵀW(y − Hy), df = Σ(arms − 1) − (n − 1).
3. tau² (netmeta's default, generalised DerSimonian-Laird): ``max(0, (Q − df) / tr((I − H)(BBᵀ∘E/2)W))``,
   E[i, j] = 1 when contrasts i and j come from the same study. tau² is added to every contrast variance
   before the multi-arm adjustment and the network is refitted for the random-effects model.
4. I² and its interval: Higgins & Thompson (2002) from (Q, df); with df = 0 (every comparison rests on
   one trial and there is no loop) tau², I² and the Q p-value are undefined and lncare says so.
5. P-scores (Rücker & Schwarzer 2015): P_i = mean over j≠i of Φ((θj − θi)/SE_ij) when small values are
   desirable, the mirror image otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy import stats

from lncare.errors import InputError, one_of
from lncare.evidence.decomp import DesignDecomposition, decompose
from lncare.evidence.heterogeneity import i2_ci_higgins_thompson
from lncare.evidence.pairwise import Arm, Contrast, ContrastSet, pairwise

SmallValues = Literal["desirable", "undesirable"]


@dataclass(frozen=True)
class Estimate:
    """``treatment`` versus ``reference`` (log scale for OR/RR) with its Wald CI and test."""

    treatment: str
    reference: str
    estimate: float
    se: float
    ci_lb: float
    ci_ub: float
    zval: float
    pval: float


@dataclass(frozen=True)
class NetworkFit:
    """All pairwise network estimates of one model: ``te[i, j]`` is treatment i versus j."""

    treatments: tuple[str, ...]
    te: np.ndarray
    se: np.ndarray
    se_adjusted: np.ndarray
    level: float

    def index(self, treatment: str) -> int:
        if treatment not in self.treatments:
            raise InputError(
                "treatment", treatment, f"is not in the network (use {one_of(list(self.treatments))})"
            )
        return self.treatments.index(treatment)

    def estimate(self, treatment: str, reference: str) -> Estimate:
        i, j = self.index(treatment), self.index(reference)
        te, se = float(self.te[i, j]), float(self.se[i, j])
        z = float(stats.norm.ppf(1 - (1 - self.level / 100) / 2))
        zval = te / se if se > 0 else math.nan
        return Estimate(
            treatment, reference, te, se, te - z * se, te + z * se, zval, float(2 * stats.norm.sf(abs(zval)))
        )

    def pscores(self, small_values: SmallValues = "desirable") -> dict[str, float]:
        n = len(self.treatments)
        sign = -1.0 if small_values == "desirable" else 1.0
        scores = {}
        for i, name in enumerate(self.treatments):
            others = [stats.norm.cdf(sign * self.te[i, j] / self.se[i, j]) for j in range(n) if j != i]
            scores[name] = float(np.mean(others))
        return scores


@dataclass(frozen=True)
class NetworkResult:
    """A network meta-analysis: both models, heterogeneity and inconsistency, with honest notes."""

    measure: str
    treatments: tuple[str, ...]
    contrasts: tuple[Contrast, ...]
    common: NetworkFit
    random: NetworkFit
    q: float
    df_q: int
    q_pval: float | None
    tau2: float | None
    i2: float | None
    i2_ci_lb: float | None
    i2_ci_ub: float | None
    decomposition: DesignDecomposition
    k: int
    m: int
    n: int
    d: int
    o: float | None
    level: float
    small_values: SmallValues = "desirable"
    notes: tuple[str, ...] = field(default=())

    @property
    def tau(self) -> float | None:
        return None if self.tau2 is None else math.sqrt(self.tau2)

    def fit(self, random: bool) -> NetworkFit:
        return self.random if random else self.common

    def estimates(self, reference: str, random: bool = False) -> list[Estimate]:
        """Every other treatment against ``reference``."""
        fit = self.fit(random)
        fit.index(reference)
        return [fit.estimate(t, reference) for t in self.treatments if t != reference]

    def direct_studies(self, t1: str, t2: str) -> int:
        """How many studies compare ``t1`` and ``t2`` head to head."""
        return len({c.study for c in self.contrasts if {c.treat1, c.treat2} == {t1, t2}})

    def prediction_interval(self, treatment: str, reference: str) -> tuple[float, float] | None:
        """netmeta's prediction interval, t(df_Q) on √(SE²random + tau²); undefined when df_Q < 2."""
        if self.tau2 is None or self.df_q < 2:
            return None
        est = self.random.estimate(treatment, reference)
        half = float(stats.t.ppf(1 - (1 - self.level / 100) / 2, self.df_q)) * math.sqrt(
            est.se**2 + self.tau2
        )
        return est.estimate - half, est.estimate + half

    def to_json(self, reference: str, random: bool) -> dict[str, Any]:
        """Contract 3 JSON for ``lncare evidence nma``."""
        ratio = self.measure in ("OR", "RR")
        rows = []
        for e in self.estimates(reference, random):
            row: dict[str, Any] = {
                k: getattr(e, k)
                for k in ("treatment", "reference", "estimate", "se", "ci_lb", "ci_ub", "zval", "pval")
            }
            for key in ("estimate", "ci_lb", "ci_ub"):
                row[f"{key}_exp"] = math.exp(row[key]) if ratio else None
            row["direct_studies"] = self.direct_studies(e.treatment, reference)
            rows.append(row)
        dec = self.decomposition
        return {
            "measure": self.measure,
            "model": "random" if random else "common",
            "reference": reference,
            "tau2": self.tau2,
            "tau": self.tau,
            "i2": self.i2,
            "i2_ci_lb": self.i2_ci_lb,
            "i2_ci_ub": self.i2_ci_ub,
            "q": self.q,
            "df_q": self.df_q,
            "q_pval": self.q_pval,
            "q_within": dec.q_within,
            "df_q_within": dec.df_within,
            "q_between": dec.q_between,
            "df_q_between": dec.df_between,
            "estimates": rows,
            "pscores": self.fit(random).pscores(self.small_values),
            "k": self.k,
            "m": self.m,
            "n": self.n,
            "d": self.d,
            "notes": list(self.notes),
        }


def netmeta(
    data: Sequence[Arm] | ContrastSet,
    measure: str = "OR",
    level: float = 95.0,
    small_values: SmallValues = "desirable",
) -> NetworkResult:
    """Network meta-analysis of trial arms (or ready contrasts) by netmeta's method."""
    if small_values not in ("desirable", "undesirable"):
        raise InputError("small_values", small_values, "must be desirable or undesirable")
    arms: Sequence[Arm] = [] if isinstance(data, ContrastSet) else data
    cset = data if isinstance(data, ContrastSet) else pairwise(data, measure)
    contrasts = cset.contrasts
    notes = list(cset.dropped)
    if not contrasts:
        raise InputError("studies", 0, "give no usable comparison: nothing to pool")
    treatments = tuple(sorted({c.treat1 for c in contrasts} | {c.treat2 for c in contrasts}))
    _check_connected(contrasts, treatments)
    raw_var = np.array([c.se**2 for c in contrasts])
    if not np.all(raw_var > 0):
        raise InputError("se", 0, "of a contrast must be above 0")
    common_var = multiarm_variances(contrasts, raw_var)
    common, h, b, w = _fit(contrasts, treatments, common_var, level)
    y = np.array([c.te for c in contrasts])
    resid = y - h @ y
    q = float(resid @ w @ resid)
    studies = [c.study for c in contrasts]
    narms = _arms_per_study(contrasts)
    df = sum(n - 1 for n in narms.values()) - (len(treatments) - 1)
    tau2 = i2 = i2_lb = i2_ub = q_pval = None
    if df > 0:
        q_pval = float(stats.chi2.sf(q, df))
        same = np.equal.outer(np.array(studies, dtype=object), np.array(studies, dtype=object)).astype(float)
        trace = float(np.trace((np.eye(len(contrasts)) - h) @ ((b @ b.T) * same / 2) @ w))
        tau2 = max(0.0, (q - df) / trace)
        ci = i2_ci_higgins_thompson(q, df, level)
        i2 = max(0.0, 100 * (q - df) / q) if q > 0 else 0.0
        i2_lb, i2_ub = ci.lower, ci.upper
    else:
        notes.append(
            "df of Q is 0 (no closed loop and one study per comparison): tau², I², the Q test and "
            "prediction intervals are undefined; the random-effects model equals the common-effect one"
        )
    random_var = multiarm_variances(contrasts, raw_var + (tau2 or 0.0))
    random, *_ = _fit(contrasts, treatments, random_var, level)
    single = sorted(
        {
            f"{c.treat1} vs {c.treat2}"
            for c in contrasts
            if sum(1 for o in contrasts if {o.treat1, o.treat2} == {c.treat1, c.treat2}) == 1
        }
    )
    if single:
        notes.append("comparisons resting on a single trial: " + "; ".join(single))
    designs = {frozenset(a for c in contrasts if c.study == s for a in (c.treat1, c.treat2)) for s in narms}
    return NetworkResult(
        measure=measure,
        treatments=treatments,
        contrasts=contrasts,
        common=common,
        random=random,
        q=q,
        df_q=df,
        q_pval=q_pval,
        tau2=tau2,
        i2=i2,
        i2_ci_lb=i2_lb,
        i2_ci_ub=i2_ub,
        decomposition=decompose(contrasts, treatments, raw_var),
        k=len(narms),
        m=len(contrasts),
        n=len(treatments),
        d=len(designs),
        o=float(sum(a.n for a in arms)) if arms else None,
        level=level,
        small_values=small_values,
        notes=tuple(notes),
    )


def _arms_per_study(contrasts: Sequence[Contrast]) -> dict[str, int]:
    arms: dict[str, set[str]] = {}
    for c in contrasts:
        arms.setdefault(c.study, set()).update((c.treat1, c.treat2))
    return {s: len(t) for s, t in arms.items()}


def _check_connected(contrasts: Sequence[Contrast], treatments: tuple[str, ...]) -> None:
    reached = {treatments[0]}
    grew = True
    while grew:
        grew = False
        for c in contrasts:
            if (c.treat1 in reached) != (c.treat2 in reached):
                reached.update((c.treat1, c.treat2))
                grew = True
    if len(reached) < len(treatments):
        apart = sorted(set(treatments) - reached)
        raise InputError("treatments", apart, "are not connected to the rest of the network")


def multiarm_variances(contrasts: Sequence[Contrast], variances: np.ndarray) -> np.ndarray:
    """Contrast variances after netmeta's multi-arm weight adjustment (two-arm studies unchanged)."""
    out = variances.astype(float).copy()
    by_study: dict[str, list[int]] = {}
    for i, c in enumerate(contrasts):
        by_study.setdefault(c.study, []).append(i)
    for rows in by_study.values():
        names = sorted({t for i in rows for t in (contrasts[i].treat1, contrasts[i].treat2)})
        k = len(names)
        if k < 3:
            continue
        if len(rows) != k * (k - 1) // 2:
            raise InputError(
                f"{contrasts[rows[0]].study}",
                len(rows),
                f"contrasts given for {k} arms; a multi-arm study needs every pair",
            )
        pos = {t: n for n, t in enumerate(names)}
        r = np.zeros((k, k))
        for i in rows:
            a, b = pos[contrasts[i].treat1], pos[contrasts[i].treat2]
            r[a, b] = r[b, a] = variances[i]
        lap = k * np.eye(k) - np.ones((k, k))
        lplus = np.linalg.pinv(-lap @ r @ lap / (2 * k * k))
        weights = -lplus
        total = np.abs(weights[np.triu_indices(k, 1)]).sum()
        for i in rows:
            wgt = weights[pos[contrasts[i].treat1], pos[contrasts[i].treat2]]
            # netmeta zeroes tiny negative weights produced by rounding (below 0.1% of the total)
            out[i] = math.inf if (wgt <= 0 and abs(wgt) < 1e-3 * total) or wgt == 0 else 1 / wgt
    return out


def _fit(
    contrasts: Sequence[Contrast], treatments: tuple[str, ...], variances: np.ndarray, level: float
) -> tuple[NetworkFit, np.ndarray, np.ndarray, np.ndarray]:
    n, m = len(treatments), len(contrasts)
    pos = {t: i for i, t in enumerate(treatments)}
    b = np.zeros((m, n))
    for r, c in enumerate(contrasts):
        b[r, pos[c.treat1]], b[r, pos[c.treat2]] = 1.0, -1.0
    w = np.diag(np.where(np.isinf(variances), 0.0, 1 / variances))
    lplus = np.linalg.pinv(b.T @ w @ b)
    h = b @ lplus @ b.T @ w
    y = np.array([c.te for c in contrasts])
    potentials = lplus @ b.T @ w @ y
    te = potentials[:, None] - potentials[None, :]
    diag = np.diag(lplus)
    resistance = np.clip(diag[:, None] + diag[None, :] - 2 * lplus, 0.0, None)
    fit = NetworkFit(treatments, te, np.sqrt(resistance), np.sqrt(variances), level)
    return fit, h, b, w
