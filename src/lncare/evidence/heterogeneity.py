"""How much the studies disagree: I², H² and confidence intervals for tau², I² and H².

- metafor defines I² and H² through tau² and the "typical" within-study variance
  ``ṽ = (k−1)Σw / ((Σw)² − Σw²)`` (Higgins & Thompson 2002, eq. 9): ``I² = 100·tau²/(tau² + ṽ)``.
- Its default tau² interval is the Q-profile interval (Viechtbauer 2007, Stat Med 26:37-52) found with
  uniroot on ``[min(0, tau²), max(100, 10·tau²)]``; I² and H² bounds are the tau² bounds mapped through
  the same formulas (metafor ``confint.rma.uni``).
- The profile-likelihood interval solves ``2(ll_max − ll(tau²)) = χ²₁(level)`` on each side of tau².
- netmeta and meta use the Higgins-Thompson (2002) test-based interval on ln H for I² (metaanalysis.md §1.4).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from lncare.evidence.tau2 import log_likelihood, q_generalised
from lncare.evidence.uniroot import uniroot


@dataclass(frozen=True)
class Interval:
    lower: float
    upper: float


def typical_variance(vi: np.ndarray) -> float:
    """Higgins & Thompson's typical within-study variance ṽ."""
    w = 1 / vi
    k = len(vi)
    return float((k - 1) * w.sum() / (w.sum() ** 2 - (w * w).sum()))


def i2_from_tau2(tau2: float, vtilde: float) -> float:
    """I² in percent, metafor's tau²-based definition."""
    return 100 * tau2 / (tau2 + vtilde)


def h2_from_tau2(tau2: float, vtilde: float) -> float:
    return (tau2 + vtilde) / vtilde


def i2_from_q(q: float, df: int) -> float:
    """I² in percent from Q (meta's and RevMan's definition, and metafor's for EE, MH and Peto)."""
    return max(0.0, 100 * (q - df) / q) if q > 0 else 0.0


def tau2_ci_qprofile(yi: np.ndarray, vi: np.ndarray, tau2: float, level: float = 95.0) -> Interval:
    """Q-profile interval for tau², bounds truncated at the lower end of the search range as metafor does."""
    k = len(yi)
    alpha = 1 - level / 100
    crit_u = float(stats.chi2.ppf(1 - alpha / 2, k - 1))
    crit_l = float(stats.chi2.ppf(alpha / 2, k - 1))
    lo, hi = min(0.0, tau2), max(100.0, 10 * tau2)
    q_lo, q_hi = q_generalised(yi, vi, lo), q_generalised(yi, vi, hi)
    if q_lo < crit_l:
        return Interval(lo, lo)
    upper = hi if q_hi > crit_l else uniroot(lambda t: q_generalised(yi, vi, t) - crit_l, lo, hi)
    if q_hi > crit_u:
        return Interval(hi, hi)
    lower = lo if q_lo < crit_u else uniroot(lambda t: q_generalised(yi, vi, t) - crit_u, lo, hi)
    return Interval(lower, upper)


def tau2_ci_profile(
    yi: np.ndarray, vi: np.ndarray, tau2: float, method: str, level: float = 95.0
) -> Interval:
    """Profile-likelihood interval for tau² under ML or REML (metafor ``confint(type="PL")``)."""
    crit = float(stats.chi2.ppf(level / 100, 1))
    ll_max = log_likelihood(yi, vi, tau2, method)
    lo, hi = min(0.0, tau2), max(100.0, 10 * tau2)

    def excess(t: float) -> float:
        return 2 * (ll_max - log_likelihood(yi, vi, t, method)) - crit

    lower = lo if excess(lo) < 0 else uniroot(excess, lo, tau2)
    upper = hi if excess(hi) < 0 else uniroot(excess, tau2, hi)
    return Interval(lower, upper)


def i2_ci_higgins_thompson(q: float, df: int, level: float = 95.0) -> Interval:
    """Test-based interval for I² (percent) via ln H (Higgins & Thompson 2002), as meta/netmeta print it."""
    z = float(stats.norm.ppf(1 - (1 - level / 100) / 2))
    if df < 1:
        return Interval(math.nan, math.nan)
    h = math.sqrt(q / df)
    if q > df + 1:
        se_ln_h = 0.5 * (math.log(q) - math.log(df)) / (math.sqrt(2 * q) - math.sqrt(2 * df - 1))
    else:
        se_ln_h = math.sqrt(1 / (2 * (df - 1)) * (1 - 1 / (3 * (df - 1) ** 2))) if df > 1 else math.nan
    h_lo, h_hi = max(1.0, h * math.exp(-z * se_ln_h)), max(1.0, h * math.exp(z * se_ln_h))
    return Interval(100 * (h_lo**2 - 1) / h_lo**2, 100 * (h_hi**2 - 1) / h_hi**2)
