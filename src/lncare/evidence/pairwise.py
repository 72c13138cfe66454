"""From trial arms to treatment contrasts, as R meta's ``pairwise()`` prepares data for netmeta.

A study with k arms gives k(k−1)/2 contrasts, arm i versus arm j for i < j in the order the arms are
listed (treat1 versus treat2). Binary outcomes (meta ``metabin`` defaults; metaanalysis.md §1.1, §4.5):

- the continuity correction is decided per study: if any arm has no events or only events, 0.5 is added
  to the events and non-events of every arm of that study (``incr=0.5, method.incr="only0"``);
- OR: log((a·d)/(b·c)), variance 1/a+1/b+1/c+1/d; RR (``RR.Cochrane=FALSE``): 0.5 added once to events
  and to the arm size; RD: the estimate keeps the raw proportions, the correction enters only its SE;
- contrasts with no events (or only events) in both arms are dropped for OR and RR (``allstudies=FALSE``).

Continuous outcomes: mean difference with variance sd1²/n1 + sd2²/n2.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from lncare.errors import InputError, one_of

NMA_MEASURES = ("OR", "RR", "RD", "MD")
INCREMENT = 0.5  # meta's default incr


@dataclass(frozen=True)
class Arm:
    """One arm of a trial: either ``events`` of ``n`` (binary) or ``mean``/``sd`` of ``n`` (continuous)."""

    study: str
    treatment: str
    n: float
    events: float | None = None
    mean: float | None = None
    sd: float | None = None

    def __post_init__(self) -> None:
        where = f"{self.study}/{self.treatment}"
        if not (math.isfinite(self.n) and self.n > 0):
            raise InputError(f"{where}.n", self.n, "must be a number of patients above 0")
        if self.events is not None and not (0 <= self.events <= self.n):
            raise InputError(f"{where}.events", self.events, f"must be between 0 and n ({self.n:g})")
        if self.sd is not None and not (math.isfinite(self.sd) and self.sd > 0):
            raise InputError(f"{where}.sd", self.sd, "must be a standard deviation above 0")


@dataclass(frozen=True)
class Contrast:
    """treat1 versus treat2 in one study: effect ``te`` (log scale for OR/RR) and its standard error."""

    study: str
    treat1: str
    treat2: str
    te: float
    se: float


@dataclass(frozen=True)
class ContrastSet:
    """The contrasts of a network and the studies or contrasts left out (with the reason)."""

    contrasts: tuple[Contrast, ...]
    dropped: tuple[str, ...]


def pairwise(arms: Sequence[Arm], measure: str) -> ContrastSet:
    """All within-study contrasts of ``arms`` for ``measure`` (OR, RR, RD or MD)."""
    if measure not in NMA_MEASURES:
        raise InputError("measure", measure, f"is not a network measure (use {one_of(list(NMA_MEASURES))})")
    studies: dict[str, list[Arm]] = {}
    for arm in arms:
        studies.setdefault(arm.study, []).append(arm)
    contrasts: list[Contrast] = []
    dropped: list[str] = []
    for study, group in studies.items():
        treatments = [a.treatment for a in group]
        if len(set(treatments)) != len(treatments):
            raise InputError(f"{study}.treatment", treatments, "lists a treatment twice in one study")
        if len(group) < 2:
            dropped.append(f"{study}: a single arm compares nothing")
            continue
        binary = measure != "MD"
        _check_kind(study, group, binary)
        incr = _study_increment(group) if binary else 0.0
        for first, second in combinations(group, 2):
            made = _contrast(study, first, second, measure, incr)
            if made is None:
                dropped.append(
                    f"{study}: {first.treatment} vs {second.treatment} has no events (or only "
                    "events) in both arms"
                )
            else:
                contrasts.append(made)
    return ContrastSet(tuple(contrasts), tuple(dropped))


def _check_kind(study: str, group: list[Arm], binary: bool) -> None:
    for arm in group:
        if binary and arm.events is None:
            raise InputError.missing(f"{study}/{arm.treatment}.events", "for OR, RR or RD")
        if not binary and (arm.mean is None or arm.sd is None):
            raise InputError(f"{study}/{arm.treatment}.mean", arm.mean, "and sd are required for MD")


def _study_increment(group: list[Arm]) -> float:
    sparse = any(a.events == 0 or a.events == a.n for a in group)
    return INCREMENT if sparse else 0.0


def _contrast(study: str, one: Arm, two: Arm, measure: str, incr: float) -> Contrast | None:
    if measure == "MD":
        assert one.mean is not None and two.mean is not None and one.sd is not None and two.sd is not None
        return Contrast(
            study,
            one.treatment,
            two.treatment,
            one.mean - two.mean,
            math.sqrt(one.sd**2 / one.n + two.sd**2 / two.n),
        )
    assert one.events is not None and two.events is not None
    a, n1, c, n2 = one.events, one.n, two.events, two.n
    if measure in ("OR", "RR") and ((a == 0 and c == 0) or (a == n1 and c == n2)):
        return None
    if measure == "OR":
        a1, b1, c1, d1 = a + incr, n1 - a + incr, c + incr, n2 - c + incr
        return Contrast(
            study,
            one.treatment,
            two.treatment,
            math.log(a1 * d1 / (b1 * c1)),
            math.sqrt(1 / a1 + 1 / b1 + 1 / c1 + 1 / d1),
        )
    if measure == "RR":
        a1, m1, c1, m2 = a + incr, n1 + incr, c + incr, n2 + incr
        return Contrast(
            study,
            one.treatment,
            two.treatment,
            math.log((a1 / m1) / (c1 / m2)),
            math.sqrt(1 / a1 - 1 / m1 + 1 / c1 - 1 / m2),
        )
    p1, p2 = a / n1, c / n2
    var = (a + incr) * (n1 - a + incr) / (n1 + 2 * incr) ** 3 + (c + incr) * (n2 - c + incr) / (
        n2 + 2 * incr
    ) ** 3
    return Contrast(study, one.treatment, two.treatment, p1 - p2, math.sqrt(var))
