"""Kidney state from the lab series: eGFR (equation named), CKD stage, eGFR slope, nephrotic-range
proteinuria, hypoalbuminaemia and the serology trend (C3, C4, anti-dsDNA).

eGFR comes from :func:`lncare.calc.egfr.estimate_egfr`, which picks the equation for the patient's age
(CKD-EPI 2021 in adults, CKiD U25 under 18) and uses cystatin C measured on the same day when there is
one. A laboratory-reported eGFR is used only when no creatinine or cystatin C allows a calculation.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date, timedelta
from functools import cached_property

from lncare.calc.egfr import ckd_stage, estimate_egfr
from lncare.engine.observations import Observations, Point
from lncare.errors import InputError
from lncare.model.patient import Patient
from lncare.model.plan import Egfr, Finding

REPORTED = "reported by laboratory"
# Nephrotic-range proteinuria: >= 3.5 g/day (KDIGO 2021 glomerular diseases guideline; KDIGO 2024 LN
# class V text "about 3.5 g/day", statement kdigo2024-pp-10.2.2.1). A spot UPCR in g/g is read as the
# equivalent of g/day, as EULAR 2012 states its thresholds as UPCR (definition eular2019-response-complete).
NEPHROTIC_G_PER_DAY = 3.5
# Hypoalbuminaemia: serum albumin below 3.5 g/dL, the lower limit of common adult reference intervals
# (laboratory-specific; lncare's reading, unverified against a guideline). Below 3.0 g/dL is the albumin
# criterion of nephrotic syndrome in the KDIGO 2021 glomerular diseases guideline (unverified here).
ALBUMIN_LOW_G_DL = 3.5
ALBUMIN_NEPHROTIC_G_DL = 3.0
# eGFR slope: least squares over the 12 months before the latest value, when two or more values span at
# least 180 days (a shorter span mostly measures day-to-day variation; lncare's convention).
SLOPE_WINDOW_DAYS = 365
SLOPE_MIN_SPAN_DAYS = 180
# Rapid progression: a sustained eGFR decline of more than 5 mL/min/1.73 m2 per year (KDIGO 2012 CKD
# guideline, recommendation 2.1.3, checked against a reproduction of its summary of recommendations).
RAPID_DECLINE_PER_YEAR = 5.0
# Serology trend: a change under 10 % between the last two values is reported as stable. This is a
# reporting convention of lncare, not a clinical threshold; the values themselves are always given.
SEROLOGY_STABLE_PERCENT = 10.0
SEROLOGY = {"c3": "C3", "c4": "C4", "anti_dsdna": "anti-dsDNA"}


class Kidney:
    """eGFR by date (computed lazily, once per date) and the kidney findings at ``as_of``."""

    def __init__(self, patient: Patient, obs: Observations) -> None:
        self._patient = patient
        self._obs = obs
        self._cache: dict[date, tuple[float, str] | None] = {}
        self._near: dict[tuple[date, int], tuple[date, float, str] | None] = {}

    @classmethod
    def of(cls, patient: Patient, as_of: date) -> Kidney:
        return cls(patient, Observations(patient, as_of))

    @property
    def observations(self) -> Observations:
        return self._obs

    def egfr_on(self, day: date) -> tuple[float, str] | None:
        """(eGFR, equation) from the creatinine and cystatin C measured on ``day``."""
        if day in self._cache:
            return self._cache[day]
        creatinine = self._obs.on("creatinine", day)
        cystatin = self._obs.on("cystatin_c", day)
        result: tuple[float, str] | None = None
        if creatinine is not None or cystatin is not None:
            try:
                estimate = estimate_egfr(
                    age=self._patient.age_at(day),
                    sex=self._patient.sex,
                    creatinine=creatinine,
                    cystatin_c=cystatin,
                    height_cm=self._patient.height_cm,
                )
                result = (estimate.value, estimate.equation)
            except InputError:
                result = None  # e.g. a child without height: reported as missing, not guessed
        if result is None:
            reported = self._obs.on("egfr", day)
            result = (reported, REPORTED) if reported is not None else None
        self._cache[day] = result
        return result

    @cached_property
    def _days(self) -> list[date]:
        """Every date with a creatinine, cystatin C or reported eGFR, oldest first."""
        tests = ("creatinine", "cystatin_c", "egfr")
        return sorted({d for test in tests for d, _ in self._obs.series(test)})

    def egfr_points(self, start: date, end: date) -> list[Point]:
        days = self._days[bisect_left(self._days, start) : bisect_right(self._days, end)]
        return [(d, e[0]) for d in days if (e := self.egfr_on(d)) is not None]

    def egfr_near(self, day: date, within_days: int) -> tuple[date, float, str] | None:
        """The latest eGFR on or before ``day``, no older than ``within_days`` (asked often: memoised)."""
        key = (day, within_days)
        if key not in self._near:
            self._near[key] = self._find_near(day, within_days)
        return self._near[key]

    def _find_near(self, day: date, within_days: int) -> tuple[date, float, str] | None:
        oldest = day - timedelta(days=within_days)
        for i in range(bisect_right(self._days, day) - 1, -1, -1):
            when = self._days[i]
            if when < oldest:
                return None
            found = self.egfr_on(when)
            if found is not None:
                return when, found[0], found[1]
        return None

    def current(self) -> Egfr | None:
        latest = self.egfr_near(self._obs.as_of, within_days=36500)
        if latest is None:
            return None
        day, value, equation = latest
        return Egfr(
            value=round(value, 1),
            equation=equation,
            on=day,
            ckd_stage=ckd_stage(value),
            slope_per_year=self._slope(day),
        )

    def _slope(self, last: date) -> float | None:
        first = last - timedelta(days=SLOPE_WINDOW_DAYS)
        window = self._days[bisect_left(self._days, first) :]
        if not window or (last - window[0]).days < SLOPE_MIN_SPAN_DAYS:
            return None  # decided by the dates alone: no eGFR needs computing
        points = self.egfr_points(first, last)
        if len(points) < 2 or (points[-1][0] - points[0][0]).days < SLOPE_MIN_SPAN_DAYS:
            return None
        xs = [(d - points[0][0]).days / 365.25 for d, _ in points]
        ys = [v for _, v in points]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        sxx = sum((x - mx) ** 2 for x in xs)
        return round(sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx, 1)


def proteinuria_findings(obs: Observations) -> list[Finding]:
    """Nephrotic-range proteinuria and hypoalbuminaemia on the latest values."""
    findings = []
    for test, unit in (("upcr", "g/g"), ("protein_24h", "g/24 h")):
        latest = obs.latest(test)
        if latest is not None and latest[1] >= NEPHROTIC_G_PER_DAY:
            findings.append(
                Finding.trusted(
                    code="nephrotic_range_proteinuria",
                    message=f"Nephrotic-range proteinuria: {test} {latest[1]:g} {unit} (>= 3.5)",
                    because={
                        test: latest[1],
                        f"{test}_date": latest[0].isoformat(),
                        "threshold": NEPHROTIC_G_PER_DAY,
                    },
                )
            )
            break
    albumin = obs.latest("albumin")
    if albumin is not None and albumin[1] < ALBUMIN_LOW_G_DL:
        severe = albumin[1] < ALBUMIN_NEPHROTIC_G_DL
        findings.append(
            Finding.trusted(
                code="hypoalbuminaemia",
                message=f"Serum albumin {albumin[1]:g} g/dL" + (" (below 3.0 g/dL)" if severe else ""),
                because={
                    "albumin": albumin[1],
                    "albumin_date": albumin[0].isoformat(),
                    "threshold": ALBUMIN_LOW_G_DL,
                },
            )
        )
    return findings


def egfr_findings(egfr: Egfr | None) -> list[Finding]:
    if egfr is None or egfr.slope_per_year is None or egfr.slope_per_year >= -RAPID_DECLINE_PER_YEAR:
        return []
    return [
        Finding.trusted(
            code="egfr_rapid_decline",
            message=f"eGFR falling by {-egfr.slope_per_year:g} mL/min/1.73 m2 per year "
            "over the last 12 months",
            because={"slope_per_year": egfr.slope_per_year, "egfr": egfr.value, "equation": egfr.equation},
        )
    ]


def serology_findings(obs: Observations) -> list[Finding]:
    """Direction of C3, C4 and anti-dsDNA between the last two values (falling complement and rising
    anti-dsDNA go with active disease)."""
    findings = []
    for test, label in SEROLOGY.items():
        latest = obs.latest(test)
        if latest is None:
            continue
        previous = obs.before(test, latest[0])
        if previous is None or previous[1] == 0:
            continue
        change = (latest[1] - previous[1]) / previous[1] * 100
        direction = (
            "stable" if abs(change) < SEROLOGY_STABLE_PERCENT else "rising" if change > 0 else "falling"
        )
        findings.append(
            Finding.trusted(
                code=f"{test}_{direction}",
                message=f"{label} {direction}: {previous[1]:g} -> {latest[1]:g} ({change:+.0f} %)",
                because={
                    test: latest[1],
                    f"{test}_date": latest[0].isoformat(),
                    f"{test}_previous": previous[1],
                    f"{test}_previous_date": previous[0].isoformat(),
                    "change_percent": round(change, 1),
                },
            )
        )
    return findings
