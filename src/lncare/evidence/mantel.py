"""Mantel-Haenszel and Peto pooling of 2×2 tables, with metafor ``rma.mh``/``rma.peto`` conventions.

Sources (metaanalysis.md §1.2; metafor 5.1-12 ``R/rma.mh.r``):

- MH odds ratio Σ(a·d/N)/Σ(b·c/N) with the Robins-Breslow-Greenland (1986) variance;
- MH risk ratio Σ(a·n2/N)/Σ(c·n1/N) with the Greenland-Robins (1985) variance;
- MH risk difference with the Sato-Greenland-Robins (1989) variance (metafor; RevMan and meta use
  Greenland-Robins 1985 instead, which gives |z| 11.56 rather than 11.4708 on bcg);
- Cochran (CO) and Cochran-Mantel-Haenszel (CMH) tests, continuity-corrected by default, and Tarone's
  (1985) correction of the Breslow-Day test, with df = informative tables − 1;
- Peto: Σ(O−E)/ΣV with SE 1/√ΣV (Yusuf et al. 1985), no continuity correction.

The MH estimate uses the raw counts (metafor ``add[2]=0``); its Q is centred on the MH estimate but uses
the zero-corrected escalc() effects of the tables that are not double-zero (metafor ``drop00[1]=TRUE``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from lncare.errors import InputError
from lncare.evidence.effects import BinaryStudy


@dataclass(frozen=True)
class Tables:
    """Cells of k 2×2 tables: a, b events/non-events (treated), c, d (control)."""

    a: np.ndarray
    b: np.ndarray
    c: np.ndarray
    d: np.ndarray

    @classmethod
    def of(cls, studies: Sequence[BinaryStudy]) -> Tables:
        a = np.array([s.events_t for s in studies], dtype=float)
        c = np.array([s.events_c for s in studies], dtype=float)
        return cls(
            a,
            np.array([s.n_t for s in studies], dtype=float) - a,
            c,
            np.array([s.n_c for s in studies], dtype=float) - c,
        )

    @property
    def n1(self) -> np.ndarray:
        return np.asarray(self.a + self.b)

    @property
    def n2(self) -> np.ndarray:
        return np.asarray(self.c + self.d)

    @property
    def n(self) -> np.ndarray:
        return np.asarray(self.a + self.b + self.c + self.d)


@dataclass(frozen=True)
class PooledFixed:
    """A pooled common effect (log scale for ratios), per-study weights, and the extra MH tests."""

    estimate: float
    se: float
    weights: np.ndarray
    co: float | None = None
    co_pval: float | None = None
    cmh: float | None = None
    cmh_pval: float | None = None
    tarone: float | None = None
    tarone_pval: float | None = None


def mantel_haenszel(t: Tables, measure: str, correct: bool = True) -> PooledFixed:
    """MH pooled estimate and SE for OR, RR or RD (metafor ``rma.mh``)."""
    a, b, c, d, n1, n2, n = t.a, t.b, t.c, t.d, t.n1, t.n2, t.n
    if measure == "OR":
        r, s = a * d / n, b * c / n
        if r.sum() == 0 or s.sum() == 0:
            raise InputError("events", "all tables", "leave the MH odds ratio undefined")
        p, q = (a + d) / n, (b + c) / n
        rs, ss = r.sum(), s.sum()
        var = 0.5 * (np.sum(p * r) / rs**2 + np.sum(p * s + q * r) / (rs * ss) + np.sum(q * s) / ss**2)
        return PooledFixed(
            math.log(rs / ss), math.sqrt(var), s / ss, *_cochran(t, correct), *_tarone(t, rs / ss)
        )
    if measure == "RR":
        r, s = a * n2 / n, c * n1 / n
        if a.sum() == 0 or c.sum() == 0:
            raise InputError("events", "one arm", "has no events at all: the MH risk ratio is undefined")
        var = np.sum(n1 * n2 * (a + c) / n**2 - a * c / n) / (r.sum() * s.sum())
        return PooledFixed(math.log(r.sum() / s.sum()), math.sqrt(var), s / s.sum())
    if measure == "RD":
        wsum = np.sum(n1 * n2 / n)
        est = float(np.sum(a * n2 / n - c * n1 / n) / wsum)
        num = est * np.sum(c * (n1 / n) ** 2 - a * (n2 / n) ** 2 + (n1 / n) * (n2 / n) * (n2 - n1) / 2)
        num += np.sum(a * (n2 - c) / n + c * (n1 - a) / n) / 2
        return PooledFixed(est, math.sqrt(num / wsum**2), (n1 * n2 / n) / wsum)
    raise InputError("measure", measure, "cannot be pooled by Mantel-Haenszel (use OR, RR or RD)")


def _cochran(t: Tables, correct: bool) -> tuple[float, float, float, float]:
    n = t.n
    xt, yt = t.a + t.c, t.b + t.d
    dev = abs(np.sum(t.a - t.n1 / n * xt)) - (0.5 if correct else 0.0)
    base = (t.n1 / n) * (t.n2 / n) * xt
    co = float(dev**2 / np.sum(base * yt / n))
    cmh = float(dev**2 / np.sum(base * yt / (n - 1)))
    return co, float(stats.chi2.sf(co, 1)), cmh, float(stats.chi2.sf(cmh, 1))


def _tarone(t: Tables, psi: float) -> tuple[float | None, float | None]:
    n1, n2, n = t.n1, t.n2, t.n
    xt, yt = t.a + t.c, t.b + t.d
    if psi == 1:
        n11 = n1 / n * xt
    else:
        # expected a under the common OR: the admissible root of the conditional quadratic (Breslow-Day)
        aa = psi * (n1 + xt) + (n2 - xt)
        bb = np.sqrt(aa**2 - 4 * n1 * xt * psi * (psi - 1))
        n11 = (aa - bb) / (2 * (psi - 1))
    pos = (n11 > 0) & (xt > 0) & (yt > 0)
    if pos.sum() < 2:
        return None, None
    e11 = n11[pos]
    e12, e21 = n1[pos] - e11, xt[pos] - e11
    e22 = e11 - n1[pos] - xt[pos] + n[pos]
    var = 1 / (1 / e11 + 1 / e12 + 1 / e21 + 1 / e22)
    resid = t.a[pos] - e11
    bd = max(0.0, float(np.sum(resid**2 / var)))
    ta = max(0.0, bd - float(np.sum(resid)) ** 2 / float(var.sum()))
    return ta, float(stats.chi2.sf(ta, int(pos.sum()) - 1))


def peto(t: Tables) -> PooledFixed:
    """Peto's one-step odds ratio (metafor ``rma.peto``)."""
    o_minus_e, v = _peto_terms(t)
    if v.sum() == 0:
        raise InputError("events", "all tables", "carry no information for the Peto odds ratio")
    return PooledFixed(float(o_minus_e.sum() / v.sum()), float(1 / math.sqrt(v.sum())), v / v.sum())


def _peto_terms(t: Tables) -> tuple[np.ndarray, np.ndarray]:
    n1, n2, n = t.n1, t.n2, t.n
    xt, yt = t.a + t.c, t.b + t.d
    expected = n1 * xt / n
    v = xt * yt * (n1 / n) * (n2 / n) / (n - 1)
    return t.a - expected, v


def peto_effects(t: Tables) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-study Peto log OR (O−E)/V and variance 1/V, for the informative tables (mask returned)."""
    o_minus_e, v = _peto_terms(t)
    keep = v > 0
    return o_minus_e[keep] / v[keep], 1 / v[keep], keep
