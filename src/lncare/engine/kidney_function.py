"""eGFR on a date, as safety bars, dose rules and adjunct rules read it: the assessment's own eGFR.

There is one eGFR per patient and date in lncare: :class:`lncare.engine.kidney.Kidney` estimates it with the
calculator's default equation for the patient's age and data (CKD-EPI 2021 in adults, CKiD U25 in children;
lncare.calc.estimate_egfr) and falls back to a reported eGFR; the assessment shows the same number. Drug
labels set their bars in mL/min/1.73 m2 without naming an equation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lncare.engine.context import Context

# Patients on dialysis or with kidney failure sit below every eGFR bar a label sets (CKD stage 5 is
# eGFR < 15, KDIGO 2012 CKD classification), whatever a creatinine-based estimate says between sessions.
KIDNEY_FAILURE_CONDITIONS = ("dialysis", "esrd")
ANY_AGE_DAYS = 36500  # no staleness limit: the latest value on record, however old, with its date


@dataclass(frozen=True)
class EgfrReading:
    value: float
    on: date
    source: str  # the equation used, or "reported"


def kidney_failure(ctx: Context) -> bool:
    return any(ctx.has(c) for c in KIDNEY_FAILURE_CONDITIONS)


def egfr_on(ctx: Context, day: date) -> EgfrReading | None:
    """The latest eGFR on or before ``day`` (estimated from that date's creatinine, or reported)."""
    found = ctx.kidney.egfr_near(day, within_days=ANY_AGE_DAYS)
    if found is None:
        return None
    on, value, equation = found
    return EgfrReading(round(value, 1), on, equation)


def current_egfr(ctx: Context) -> EgfrReading | None:
    return egfr_on(ctx, ctx.as_of)
