"""Kaplan-Meier product-limit estimator with Greenwood's variance, for time to complete renal response.

The estimator is Kaplan & Meier (J Am Stat Assoc 1958;53:457-481): at each distinct time t with n
patients still at risk and d events, S(t) = S(t-) * (1 - d/n). Its variance is Greenwood's formula
(Greenwood 1926, Reports on Public Health and Medical Subjects 33): Var(log S) = sum d / (n (n - d)).
The confidence interval is built on the log scale, S * exp(+-z * sqrt(Var(log S))), upper limit capped
at 1: the default of R's survival package (``survfit``, ``conf.type = "log"``), so published survfit
output can check it (Klein & Moeschberger, Survival Analysis, 2nd ed., section 1.2, the 6-MP data).

In a cohort the "event" is reaching complete response; a patient is censored at the end of follow-up
or when the definition stops applying (e.g. a flare). Competing events are not modelled: 1 - S(t) is
the proportion reaching complete response by t had no one been censored.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from lncare.errors import InputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Curve:
    """One row per distinct observed time (an event, a censoring or both), as R's survfit keeps them."""

    time: IntArray
    at_risk: IntArray
    events: IntArray
    censored: IntArray
    survival: FloatArray
    std_err: FloatArray  # Greenwood standard error of S(t) (NaN once S reaches 0)
    lower: FloatArray
    upper: FloatArray

    def median(self) -> int | None:
        """The first time at which S(t) <= 0.5; None when the curve never falls that far."""
        reached = np.flatnonzero(self.survival <= 0.5)
        return int(self.time[reached[0]]) if reached.size else None

    def at(self, t: float) -> float:
        """S(t): the step function's value at ``t`` (1 before the first time)."""
        index = int(np.searchsorted(self.time, t, side="right")) - 1
        return 1.0 if index < 0 else float(self.survival[index])


def kaplan_meier(durations: npt.ArrayLike, events: npt.ArrayLike, *, level: float = 0.95) -> Curve:
    """The product-limit curve of ``durations`` (>= 0) with ``events`` (True: event, False: censored)."""
    time = np.asarray(durations, dtype=np.int64)
    event = np.asarray(events, dtype=bool)
    if time.shape != event.shape or time.ndim != 1:
        raise InputError("events", event.shape, f"must match durations, one per patient ({time.shape})")
    if time.size and int(time.min()) < 0:
        raise InputError("durations", int(time.min()), "is negative (use days from the start, >= 0)")
    if not 0 < level < 1:
        raise InputError("level", level, "is not a confidence level (use a number between 0 and 1)")

    distinct, inverse = np.unique(time, return_inverse=True)
    events_at = np.bincount(inverse, weights=event, minlength=distinct.size).astype(np.int64)
    leaving_at = np.bincount(inverse, minlength=distinct.size).astype(np.int64)
    # Everyone whose time is >= t is at risk at t: the count still in follow-up just before t.
    at_risk = time.size - np.concatenate(([0], np.cumsum(leaving_at)[:-1])).astype(np.int64)

    survival: FloatArray = np.cumprod(1.0 - events_at / at_risk, dtype=np.float64)
    survivors = at_risk - events_at
    with np.errstate(divide="ignore", invalid="ignore"):
        greenwood = np.cumsum(np.where(events_at > 0, events_at / (at_risk * survivors), 0.0))
        z = NormalDist().inv_cdf(0.5 + level / 2)
        half = z * np.sqrt(greenwood)
        # Once S reaches 0 its log is undefined: R's survfit reports no standard error or limits there.
        dead = survival <= 0
        std_err = np.where(dead, np.nan, survival * np.sqrt(greenwood))
        lower = np.where(dead, np.nan, survival * np.exp(-half))
        upper = np.where(dead, np.nan, np.minimum(1.0, survival * np.exp(half)))
    return Curve(
        time=distinct, at_risk=at_risk, events=events_at, censored=leaving_at - events_at,
        survival=survival, std_err=std_err, lower=lower, upper=upper,
    )
