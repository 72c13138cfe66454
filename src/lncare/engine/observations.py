"""The patient's lab series, built once per assessment: one value per test and date, oldest first.

Every assessment question (latest UPCR, the baseline creatinine, the C3 before the latest one) is a
lookup in these series, so the record's labs are scanned exactly once (the engine runs per patient in
well under a millisecond; repeated scans would dominate it).
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta

from lncare.model.patient import Patient

Point = tuple[date, float]  # (date, canonical value)


class Observations:
    """Per-test series of canonical values up to ``as_of`` (the last listed wins on a shared date)."""

    def __init__(self, patient: Patient, as_of: date) -> None:
        series: dict[str, list[Point]] = {}
        days: dict[str, list[date]] = {}
        for lab in patient.labs:  # tidy order: by date, then test, input order breaking ties
            when = lab.date
            if when > as_of:
                break
            points = series.get(lab.test)
            if points is None:
                series[lab.test] = [(when, lab.canonical)]
                days[lab.test] = [when]
            elif points[-1][0] == when:
                points[-1] = (when, lab.canonical)
            else:
                points.append((when, lab.canonical))
                days[lab.test].append(when)
        self._series = series
        self._days = days
        self.as_of = as_of
        egfr_inputs = {"creatinine", "cystatin_c", "egfr"}
        self.measured = frozenset(series) | ({"egfr"} if egfr_inputs & series.keys() else set())

    def series(self, test: str) -> list[Point]:
        return self._series.get(test, [])

    def has(self, test: str) -> bool:
        return test in self._series

    def on(self, test: str, day: date) -> float | None:
        """The value measured on ``day`` exactly."""
        point = self.on_or_before(test, day)
        return point[1] if point is not None and point[0] == day else None

    def on_or_before(self, test: str, day: date, within_days: int | None = None) -> Point | None:
        """The latest value on or before ``day``, no older than ``within_days`` when that is given."""
        points = self._series.get(test)
        if not points:
            return None
        if points[-1][0] <= day:  # the usual question: the latest value (every value is <= as_of)
            point = points[-1]
        else:
            i = bisect_right(self._days[test], day)
            if i == 0:
                return None
            point = points[i - 1]
        if within_days is not None and (day - point[0]).days > within_days:
            return None
        return point

    def latest(self, test: str, within_days: int | None = None) -> Point | None:
        return self.on_or_before(test, self.as_of, within_days)

    def before(self, test: str, day: date) -> Point | None:
        """The value measured last strictly before ``day``."""
        return self.on_or_before(test, day - timedelta(days=1))

    def between(self, test: str, start: date, end: date) -> list[Point]:
        """Values with ``start <= date <= end``, oldest first."""
        days = self._days.get(test)
        if not days:
            return []
        lo = bisect_right(days, start - timedelta(days=1))
        return self._series[test][lo : bisect_right(days, end)]
