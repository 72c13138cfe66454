"""Kaplan-Meier against published survfit output for the 6-MP leukaemia remission data.

Data: Freireich et al., Blood 1963;21:699 (weeks in remission; 21 patients on 6-MP, 21 on placebo), as
tabulated in Klein & Moeschberger, Survival Analysis, 2nd ed., section 1.2. Expected rows: R survival
``summary(survfit(Surv(t, status) ~ group))`` with its default log-scale Greenwood interval, printed to
3-4 digits; the placebo group has no censoring, so its S(t) is also the plain fraction still in remission.
"""

from __future__ import annotations

import math

import pytest

from lncare.cohort.km import kaplan_meier
from lncare.errors import InputError

# 6-MP: a trailing "+" in the paper marks censoring.
SIX_MP = [(6, 1), (6, 1), (6, 1), (6, 0), (7, 1), (9, 0), (10, 1), (10, 0), (11, 0), (13, 1), (16, 1),
          (17, 0), (19, 0), (20, 0), (22, 1), (23, 1), (25, 0), (32, 0), (32, 0), (34, 0), (35, 0)]
PLACEBO = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]

# time, n.risk, n.event, survival, std.err, lower 95% CI, upper 95% CI
SIX_MP_SURVFIT = [
    (6, 21, 3, 0.857, 0.0764, 0.720, 1.000),
    (7, 17, 1, 0.807, 0.0869, 0.653, 0.996),
    (10, 15, 1, 0.753, 0.0963, 0.586, 0.968),
    (13, 12, 1, 0.690, 0.1068, 0.510, 0.935),
    (16, 11, 1, 0.627, 0.1141, 0.439, 0.896),
    (22, 7, 1, 0.538, 0.1282, 0.337, 0.858),
    (23, 6, 1, 0.448, 0.1346, 0.249, 0.807),
]
PLACEBO_SURVFIT = [
    (1, 21, 2, 0.9048, 0.0641, 0.78754, 1.000),
    (2, 19, 2, 0.8095, 0.0857, 0.65785, 0.996),
    (3, 17, 1, 0.7619, 0.0929, 0.59988, 0.968),
    (4, 16, 2, 0.6667, 0.1029, 0.49268, 0.902),
    (5, 14, 2, 0.5714, 0.1080, 0.39455, 0.828),
    (8, 12, 4, 0.3810, 0.1060, 0.22085, 0.657),
    (11, 8, 2, 0.2857, 0.0986, 0.14529, 0.562),
    (12, 6, 2, 0.1905, 0.0857, 0.07887, 0.460),
    (15, 4, 1, 0.1429, 0.0764, 0.05011, 0.407),
    (17, 3, 1, 0.0952, 0.0641, 0.02549, 0.356),
    (22, 2, 1, 0.0476, 0.0465, 0.00703, 0.322),
]


def _rows_at_event_times(times: list[int], events: list[int]) -> dict[int, tuple[float, ...]]:
    curve = kaplan_meier(times, [bool(e) for e in events])
    return {
        int(t): (int(n), int(d), s, se, lo, hi)
        for t, n, d, s, se, lo, hi in zip(curve.time, curve.at_risk, curve.events, curve.survival,
                                          curve.std_err, curve.lower, curve.upper, strict=True)
        if d > 0
    }


@pytest.mark.parametrize(("times", "events", "expected"), [
    ([t for t, _ in SIX_MP], [e for _, e in SIX_MP], SIX_MP_SURVFIT),
    (PLACEBO, [1] * len(PLACEBO), PLACEBO_SURVFIT),
], ids=["6-MP", "placebo"])
def test_matches_survfit(times: list[int], events: list[int], expected: list[tuple[float, ...]]) -> None:
    rows = _rows_at_event_times(times, events)
    for t, n, d, s, se, lo, hi in expected:
        got = rows[int(t)]
        assert got[:2] == (n, d), f"t={t}"
        assert got[2] == pytest.approx(s, abs=6e-4), f"S at t={t}"
        assert got[3] == pytest.approx(se, abs=6e-5), f"se at t={t}"
        assert got[4] == pytest.approx(lo, abs=6e-4), f"lower at t={t}"
        assert got[5] == pytest.approx(hi, abs=6e-4), f"upper at t={t}"


def test_placebo_reaches_zero_with_no_interval_like_survfit() -> None:
    rows = _rows_at_event_times(PLACEBO, [1] * len(PLACEBO))
    n, d, s, se, lo, hi = rows[23]
    assert (n, d, s) == (1, 1, 0.0)
    assert math.isnan(se) and math.isnan(lo) and math.isnan(hi)


def test_median_and_step_values() -> None:
    six_mp = kaplan_meier([t for t, _ in SIX_MP], [bool(e) for _, e in SIX_MP])
    placebo = kaplan_meier(PLACEBO, [True] * len(PLACEBO))
    # survfit prints median 23 (6-MP) and 8 (placebo) weeks for these data
    assert six_mp.median() == 23
    assert placebo.median() == 8
    assert six_mp.at(5) == 1.0
    assert six_mp.at(9) == pytest.approx(0.807, abs=6e-4)  # a censoring at 9 leaves S unchanged
    assert kaplan_meier([3, 4], [False, False]).median() is None


def test_censored_counts_follow_the_paper() -> None:
    curve = kaplan_meier([t for t, _ in SIX_MP], [bool(e) for _, e in SIX_MP])
    censored = {int(t): int(c) for t, c in zip(curve.time, curve.censored, strict=True) if c}
    assert censored == {6: 1, 9: 1, 10: 1, 11: 1, 17: 1, 19: 1, 20: 1, 25: 1, 32: 2, 34: 1, 35: 1}


def test_bad_input_names_the_field() -> None:
    with pytest.raises(InputError, match="durations"):
        kaplan_meier([-1, 2], [True, False])
    with pytest.raises(InputError, match="events"):
        kaplan_meier([1, 2], [True])
