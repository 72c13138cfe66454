"""Population summaries of the executed cohort tables: response rates, quality measures, KM curves.

Input tables have the shapes of :func:`lncare.cohort.population.population_tables` (cohort-common
contract); outputs are small Arrow tables sorted on their keys, so two engines that produced the same
per-patient rows produce byte-identical summaries.

Proportions carry Wilson score 95% intervals (Wilson, J Am Stat Assoc 1927;22:209-212), the score
method Newcombe recommends over the Wald interval for the small and extreme counts a regimen-by-
landmark cell can hold (Newcombe, Stat Med 1998;17:857-872, method 3).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from statistics import NormalDist
from typing import Any

import numpy as np
import pyarrow as pa

from lncare.cohort.km import kaplan_meier
from lncare.errors import InputError

ALL_REGIMENS = "all"  # the pooled row beside the per-regimen rows
ASSESSABLE = ("complete", "partial", "none")  # 'not_assessable' (missing data) is counted apart
DAYS_PER_MONTH = 365.25 / 12  # landmark months -> days for the KM read-outs

RESPONSE_RATES = pa.schema([
    ("regimen", pa.string()), ("landmark_months", pa.int64()), ("patients", pa.int64()),
    ("assessable", pa.int64()), ("complete", pa.int64()), ("partial", pa.int64()), ("none", pa.int64()),
    ("not_assessable", pa.int64()), ("complete_rate", pa.float64()), ("complete_ci_low", pa.float64()),
    ("complete_ci_high", pa.float64()), ("response_rate", pa.float64()), ("response_ci_low", pa.float64()),
    ("response_ci_high", pa.float64()),
])
QUALITY_MEASURES = pa.schema([
    ("measure", pa.string()), ("denominator", pa.int64()), ("numerator", pa.int64()),
    ("rate", pa.float64()), ("ci_low", pa.float64()), ("ci_high", pa.float64()),
])
KM_CURVES = pa.schema([
    ("regimen", pa.string()), ("days", pa.int64()), ("at_risk", pa.int64()), ("events", pa.int64()),
    ("censored", pa.int64()), ("survival", pa.float64()), ("std_err", pa.float64()),
    ("ci_low", pa.float64()), ("ci_high", pa.float64()),
])


def wilson_interval(successes: int, trials: int, level: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval for ``successes`` out of ``trials`` (trials > 0)."""
    if trials <= 0 or not 0 <= successes <= trials:
        raise InputError("successes", successes, f"is not a count out of {trials} trials")
    z = NormalDist().inv_cdf(0.5 + level / 2)
    p = successes / trials
    centre = p + z * z / (2 * trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    scale = 1 + z * z / trials
    # The limits are exactly 0 and 1 at the edges; rounding must not push them past.
    return max(0.0, (centre - half) / scale), min(1.0, (centre + half) / scale)


def proportion(successes: int, trials: int) -> tuple[float | None, float | None, float | None]:
    """(rate, ci_low, ci_high), all None when there is no denominator."""
    if trials == 0:
        return None, None, None
    low, high = wilson_interval(successes, trials)
    return successes / trials, low, high


def response_rates(response: pa.Table) -> pa.Table:
    """Complete and overall (complete or partial) response by regimen and landmark, among patients
    whose status could be judged; one pooled row per landmark (regimen 'all')."""
    counts: Counter[tuple[str, int, str]] = Counter()
    columns = (response[name].to_pylist() for name in ("regimen", "landmark_months", "status"))
    for regimen, months, status in zip(*columns, strict=True):
        counts[(regimen, months, status)] += 1
        counts[(ALL_REGIMENS, months, status)] += 1
    cells = sorted({(regimen, months) for regimen, months, _ in counts}, key=lambda c: (c[1], c[0]))
    rows = []
    for regimen, months in cells:
        by_status = {s: counts[(regimen, months, s)] for s in (*ASSESSABLE, "not_assessable")}
        assessable = sum(by_status[s] for s in ASSESSABLE)
        complete = proportion(by_status["complete"], assessable)
        overall = proportion(by_status["complete"] + by_status["partial"], assessable)
        rows.append({
            "regimen": regimen, "landmark_months": months, "patients": sum(by_status.values()),
            "assessable": assessable, **by_status,
            "complete_rate": complete[0], "complete_ci_low": complete[1], "complete_ci_high": complete[2],
            "response_rate": overall[0], "response_ci_low": overall[1], "response_ci_high": overall[2],
        })
    return pa.Table.from_pylist(rows, schema=RESPONSE_RATES)


def quality_measures(measures: pa.Table) -> pa.Table:
    """Numerator, denominator and rate per measure; a numerator outside the denominator is not counted."""
    tally: dict[str, list[int]] = {}
    for measure, in_denominator, in_numerator in zip(
        measures["measure"].to_pylist(), measures["denominator"].to_pylist(),
        measures["numerator"].to_pylist(), strict=True,
    ):
        counts = tally.setdefault(measure, [0, 0])
        if in_denominator:
            counts[0] += 1
            counts[1] += bool(in_numerator)
    rows = []
    for measure in sorted(tally):
        denominator, numerator = tally[measure]
        rate, low, high = proportion(numerator, denominator)
        rows.append({"measure": measure, "denominator": denominator, "numerator": numerator,
                     "rate": rate, "ci_low": low, "ci_high": high})
    return pa.Table.from_pylist(rows, schema=QUALITY_MEASURES)


def km_curves(time_to_response: pa.Table) -> pa.Table:
    """Kaplan-Meier curves of time to complete response, per regimen and pooled ('all')."""
    parts = []
    for regimen, days, events in _by_regimen(time_to_response):
        curve = kaplan_meier(days, events)
        columns: dict[str, Any] = {
            "regimen": [regimen] * curve.time.size, "days": curve.time, "at_risk": curve.at_risk,
            "events": curve.events, "censored": curve.censored, "survival": curve.survival,
            "std_err": curve.std_err, "ci_low": curve.lower, "ci_high": curve.upper,
        }
        arrays = [pa.array(columns[f.name], type=f.type, from_pandas=True) for f in KM_CURVES]
        parts.append(pa.Table.from_arrays(arrays, schema=KM_CURVES))
    return pa.concat_tables(parts) if parts else KM_CURVES.empty_table()


def km_read_outs(time_to_response: pa.Table, landmarks_months: Sequence[int]) -> list[dict[str, Any]]:
    """Per regimen: patients, events, median days to complete response and the proportion reached by
    each landmark (1 - S), for the JSON summary."""
    out = []
    for regimen, days, events in _by_regimen(time_to_response):
        curve = kaplan_meier(days, events)
        reached = {str(m): 1.0 - curve.at(round(m * DAYS_PER_MONTH)) for m in landmarks_months}
        out.append({"regimen": regimen, "patients": int(days.size), "events": int(events.sum()),
                    "median_days": curve.median(), "complete_response_by_landmark": reached})
    return out


def _by_regimen(time_to_response: pa.Table) -> Iterable[tuple[str, np.ndarray, np.ndarray]]:
    regimens = np.asarray(time_to_response["regimen"].to_pylist(), dtype=object)
    days = time_to_response["days"].to_numpy(zero_copy_only=False).astype(np.int64)
    events = time_to_response["event"].to_numpy(zero_copy_only=False).astype(bool)
    if days.size:
        yield ALL_REGIMENS, days, events
    for regimen in sorted(set(regimens.tolist())):
        chosen = regimens == regimen
        yield regimen, days[chosen], events[chosen]
