"""Absolute effects of one two-arm comparison: risk difference with a CI, and the number needed to treat.

- Risk difference CI: Newcombe's hybrid score interval (Newcombe RG, Stat Med 1998;17:873-890, method
  10), built from each arm's Wilson score interval (Wilson EB, JASA 1927;22:209-212). It keeps its
  coverage near 95 % at the small arms and extreme rates of LN trials, where the Wald interval does not.
- NNT: ``1 / RD``; its CI is the reciprocal of the RD limits (Altman DG, BMJ 1998;317:1309-1312). When
  the RD interval contains 0 the NNT interval runs through infinity (benefit to harm) and cannot be one
  pair of numbers, so it is ``None`` and :attr:`AbsoluteEffect.nnt_note` says why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from lncare.errors import InputError


@dataclass(frozen=True)
class AbsoluteEffect:
    """Rates, their difference (treated minus control) with its CI, and the NNT where it is defined."""

    rate_treatment: float
    rate_control: float
    difference: float
    difference_ci: tuple[float, float]
    nnt: float | None
    nnt_ci: tuple[float, float] | None
    nnt_note: str | None


def wilson_interval(events: float, n: float, level: float = 95.0) -> tuple[float, float]:
    """Wilson score interval for one proportion (Wilson 1927; Newcombe 1998 method 3)."""
    _check_arm("events", events, n)
    z = _z(level)
    p = events / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    scale = 1 + z * z / n
    return max(0.0, (centre - half) / scale), min(1.0, (centre + half) / scale)


def newcombe_difference(
    events_t: float, n_t: float, events_c: float, n_c: float, level: float = 95.0
) -> tuple[float, tuple[float, float]]:
    """Risk difference ``p_t - p_c`` with Newcombe's hybrid score CI (1998, method 10)."""
    p1, p2 = events_t / n_t if n_t else 0.0, events_c / n_c if n_c else 0.0
    l1, u1 = wilson_interval(events_t, n_t, level)
    l2, u2 = wilson_interval(events_c, n_c, level)
    d = p1 - p2
    lower = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, (lower, upper)


def absolute_effect(
    events_t: float, n_t: float, events_c: float, n_c: float, level: float = 95.0
) -> AbsoluteEffect:
    """Everything a clinician reads off one comparison: rates, RD (Newcombe CI) and NNT (Altman CI)."""
    d, (lower, upper) = newcombe_difference(events_t, n_t, events_c, n_c, level)
    nnt = 1 / d if d != 0 else None
    if lower > 0 or upper < 0:
        nnt_ci: tuple[float, float] | None = (1 / upper, 1 / lower)
        note = None if d > 0 else "negative NNT: number needed to harm"
    else:
        nnt_ci = None
        note = (
            f"the difference's {level:g}% CI includes 0, so the NNT CI runs from benefit through "
            "infinity to harm (Altman 1998)"
        )
    return AbsoluteEffect(events_t / n_t, events_c / n_c, d, (lower, upper), nnt, nnt_ci, note)


def _z(level: float) -> float:
    if not 0 < level < 100:
        raise InputError("level", level, "must be a percentage between 0 and 100")
    return float(stats.norm.ppf(1 - (1 - level / 100) / 2))


def _check_arm(field: str, events: float, n: float) -> None:
    if not (math.isfinite(n) and n > 0):
        raise InputError("n", n, "must be a number of patients above 0")
    if not (math.isfinite(events) and 0 <= events <= n):
        raise InputError(field, events, f"must be a count between 0 and n ({n:g})")
