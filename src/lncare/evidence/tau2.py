"""Estimators of the between-study variance tau² for an intercept-only random-effects model.

Each estimator follows metafor 5.1-12 ``rma.uni()`` (wviechtb/metafor@71ae8f5; metaanalysis.md §1.3),
including its stopping rules, because those rules show in the fourth printed decimal:

- DL (DerSimonian & Laird 1986), HE (Hedges 1983), HS (Hunter & Schmidt 2004),
  SJ (Sidik & Jonkman 2005), with truncation at 0;
- ML and REML by Fisher scoring from the HE value, step-halving below 0, stopping when tau² changes by
  less than 1e-5 (metafor ``control$threshold``), at most 100 iterations; EB (Morris 1983) the same way;
- PM (Paule & Mandel 1982) as the root of the generalised Q = k − 1 found with uniroot's tolerance on
  ``[0, max(100, 10·mad(yi)²)]``;
- DLIT and SJIT: DL and SJ iterated to a fixed point with the same 1e-5 threshold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from lncare.errors import InputError, one_of
from lncare.evidence.uniroot import R_UNIROOT_TOL, uniroot

Tau2Method = Literal["DL", "HE", "HS", "SJ", "ML", "REML", "PM", "EB", "DLIT", "SJIT"]
TAU2_METHODS: tuple[str, ...] = ("DL", "HE", "HS", "SJ", "ML", "REML", "PM", "EB", "DLIT", "SJIT")

THRESHOLD = 1e-5  # metafor control$threshold for ML, REML, EB, DLIT, SJIT
MAX_ITER = 100  # metafor control$maxiter


@dataclass(frozen=True)
class Tau2Fit:
    """The tau² estimate, its standard error as metafor prints it, and the number of iterations."""

    tau2: float
    se_tau2: float | None
    iterations: int = 0


def q_generalised(yi: np.ndarray, vi: np.ndarray, tau2: float) -> float:
    """Σ (yi − μ̂(tau²))² / (vi + tau²): Cochran's Q at tau² = 0, the Q-profile statistic otherwise."""
    w = 1 / (vi + tau2)
    mu = float(np.sum(w * yi) / np.sum(w))
    return float(np.sum(w * (yi - mu) ** 2))


def _p_matrix(vi: np.ndarray, tau2: float) -> np.ndarray:
    w = 1 / (vi + tau2)
    return np.diag(w) - np.outer(w, w) / np.sum(w)


def _mad(x: np.ndarray) -> float:
    # R's mad(): median absolute deviation scaled by 1.4826 to estimate a normal SD
    return float(1.4826 * np.median(np.abs(x - np.median(x))))


def estimate_tau2(yi: np.ndarray, vi: np.ndarray, method: str) -> Tau2Fit:
    """tau² by ``method`` (one of TAU2_METHODS); needs at least two studies."""
    if method not in TAU2_METHODS:
        raise InputError("method", method, f"is not a tau² estimator (use {one_of(list(TAU2_METHODS))})")
    k = len(yi)
    if k < 2:
        raise InputError("studies", k, "are too few to estimate tau² (need at least 2)")
    y = yi - yi.mean()  # metafor centres yi for numerical stability; estimates are unchanged
    w = 1 / vi
    q = q_generalised(y, vi, 0.0)
    sw, sw2 = float(w.sum()), float((w * w).sum())
    he = float(np.sum((y - y.mean()) ** 2) / (k - 1) - vi.mean())
    if method == "DL":
        trp = sw - sw2 / sw
        tau2 = max(0.0, (q - (k - 1)) / trp)
        p0 = _p_matrix(vi, 0.0)
        se = np.sqrt((2 * (k - 1) + 4 * tau2 * trp + 2 * tau2**2 * np.sum(p0 * p0)) / trp**2)
        return Tau2Fit(tau2, float(se))
    if method == "HE":
        tau2 = max(0.0, he)
        centre = np.eye(k) - 1 / k
        pv = centre * vi
        se = np.sqrt((2 * np.sum(pv * pv.T) + 4 * tau2 * np.trace(pv) + 2 * tau2**2 * (k - 1)) / (k - 1) ** 2)
        return Tau2Fit(tau2, float(se))
    if method == "HS":
        tau2 = max(0.0, (q - k) / sw)
        p0 = _p_matrix(vi, 0.0)
        se = np.sqrt((2 * (k - 1) + 4 * tau2 * np.trace(p0) + 2 * tau2**2 * np.sum(p0 * p0)) / sw**2)
        return Tau2Fit(tau2, float(se))
    if method == "SJ":
        return _sidik_jonkman(y, vi)
    if method in ("ML", "REML", "EB"):
        return _fisher_scoring(y, vi, method, start=max(0.0, he))
    if method == "PM":
        return _paule_mandel(y, vi)
    return _iterated(y, vi, method)


def _sidik_jonkman(y: np.ndarray, vi: np.ndarray) -> Tau2Fit:
    k = len(y)
    tau0 = float(np.var(y))  # R: var(y)·(k−1)/k, the variance with divisor k
    tau2 = tau0 * q_generalised(y, vi, tau0) / (k - 1)
    p = _p_matrix(vi, tau0)
    pv = p * vi
    se = np.sqrt(
        tau0**2
        / (k - 1) ** 2
        * (2 * np.sum(pv * pv.T) + 4 * tau2 * np.sum(pv * p) + 2 * tau2**2 * np.sum(p * p))
    )
    return Tau2Fit(max(0.0, tau2), float(se))


def _fisher_scoring(y: np.ndarray, vi: np.ndarray, method: str, start: float) -> Tau2Fit:
    k = len(y)
    tau2, change, iterations = start, THRESHOLD + 1, 0
    while change > THRESHOLD:
        iterations += 1
        if iterations > MAX_ITER:
            raise InputError("tau2", method, "did not converge in 100 scoring steps; try DL or PM")
        old = tau2
        w = 1 / (vi + tau2)
        p = _p_matrix(vi, tau2)
        if method == "ML":
            adj = (float(y @ p @ p @ y) - float(w.sum())) / float((w * w).sum())
        elif method == "REML":
            adj = (float(y @ p @ p @ y) - float(np.trace(p))) / float(np.sum(p * p))
        else:  # EB
            adj = (float(y @ p @ y) * k / (k - 1) - k) / float(w.sum())
        while tau2 + adj < 0:  # metafor halves the step rather than truncating
            adj /= 2
        tau2 += adj
        change = abs(old - tau2)
    if method in ("ML", "REML"):
        tau2 = _ll0_check(y, vi, tau2, method)
    return Tau2Fit(max(0.0, tau2), _se_after(y, vi, tau2, method), iterations)


def _ll0_check(y: np.ndarray, vi: np.ndarray, tau2: float, method: str) -> float:
    # metafor resets tau² to 0 when the likelihood at 0 beats the scoring solution by more than uniroot's
    # tolerance (a local maximum), unless tau² is already below the convergence threshold.
    gain_at_zero = log_likelihood(y, vi, 0.0, method) - log_likelihood(y, vi, tau2, method)
    if gain_at_zero > R_UNIROOT_TOL and tau2 > THRESHOLD:
        return 0.0
    return tau2


def log_likelihood(y: np.ndarray, vi: np.ndarray, tau2: float, method: str) -> float:
    """ML or REML log-likelihood of the intercept-only model at ``tau2`` (metafor's expression)."""
    k = len(y)
    w = 1 / (vi + tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    rss = float(np.sum(w * (y - mu) ** 2))
    ll = -0.5 * float(np.sum(np.log(vi + tau2))) - 0.5 * rss
    if method == "REML":
        return ll - 0.5 * (k - 1) * math.log(2 * math.pi) - 0.5 * math.log(float(np.sum(w)))
    return ll - 0.5 * k * math.log(2 * math.pi)


def _se_after(y: np.ndarray, vi: np.ndarray, tau2: float, method: str) -> float:
    k = len(y)
    w = 1 / (vi + tau2)
    if method == "ML":
        return float(np.sqrt(2 / np.sum(w * w)))
    if method == "REML":
        p = _p_matrix(vi, tau2)
        return float(np.sqrt(2 / np.sum(p * p)))
    # EB, PM, DLIT, SJIT share metafor's closed form
    return float(np.sqrt(2 * k * k / (k - 1) / np.sum(w) ** 2))


def _paule_mandel(y: np.ndarray, vi: np.ndarray) -> Tau2Fit:
    k = len(y)
    upper = max(100.0, 10 * _mad(y) ** 2)
    if q_generalised(y, vi, 0.0) < k - 1:
        tau2 = 0.0
    else:
        tau2 = uniroot(lambda t: q_generalised(y, vi, t) - (k - 1), 0.0, upper)
    return Tau2Fit(tau2, _se_after(y, vi, tau2, "PM"))


def _iterated(y: np.ndarray, vi: np.ndarray, method: str) -> Tau2Fit:
    k = len(y)
    tau2 = 0.0 if method == "DLIT" else float(np.var(y))
    change, iterations = THRESHOLD + 1, 0
    while change > THRESHOLD:
        iterations += 1
        if iterations > MAX_ITER:
            raise InputError("tau2", method, "did not converge in 100 iterations; try method PM")
        old = tau2
        p = _p_matrix(vi, tau2)
        rss = float(y @ p @ y)
        if method == "DLIT":
            tau2 = max(0.0, (rss - float(np.trace(p * vi))) / float(np.trace(p)))
        else:
            tau2 = tau2 * rss / (k - 1)
        change = abs(old - tau2)
    return Tau2Fit(tau2, _se_after(y, vi, tau2, method), iterations)
