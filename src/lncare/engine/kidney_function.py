"""eGFR on a date, as safety bars and dose rules read it: a reported eGFR, else one from creatinine.

Drug labels set their eGFR bars in mL/min/1.73 m2 without naming an equation; lncare uses CKD-EPI 2021
creatinine (shared/domain/calculators.md) when only creatinine is recorded, and says which it used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lncare.calc.egfr import egfr
from lncare.engine.context import Context
from lncare.errors import InputError

EQUATION = "ckd-epi-2021-cr"
# Patients on dialysis or with kidney failure sit below every eGFR bar a label sets (CKD stage 5 is
# eGFR < 15, KDIGO 2012 CKD classification), whatever a creatinine-based estimate says between sessions.
KIDNEY_FAILURE_CONDITIONS = ("dialysis", "esrd")


@dataclass(frozen=True)
class EgfrReading:
    value: float
    on: date
    source: str  # "reported" or the equation used


def kidney_failure(ctx: Context) -> bool:
    return any(ctx.has(c) for c in KIDNEY_FAILURE_CONDITIONS)


def egfr_on(ctx: Context, day: date) -> EgfrReading | None:
    """The latest eGFR on or before ``day``: reported, or computed from the creatinine of that date."""
    reported = ctx.patient.series("egfr", day)
    creatinine = ctx.patient.series("creatinine", day)
    last_reported = reported[-1] if reported else None
    last_creatinine = creatinine[-1] if creatinine else None
    if last_creatinine is not None and (last_reported is None or last_creatinine[0] > last_reported[0]):
        on, value = last_creatinine
        try:
            age = ctx.patient.age_at(on)
            computed = egfr(EQUATION, age=age, sex=ctx.patient.sex, creatinine=value)
        except InputError:  # outside the equation's range (a child): fall back to a reported value
            computed = None
        if computed is not None:
            return EgfrReading(round(computed, 1), on, EQUATION)
    if last_reported is not None:
        return EgfrReading(last_reported[1], last_reported[0], "reported")
    return None


def current_egfr(ctx: Context) -> EgfrReading | None:
    return egfr_on(ctx, ctx.as_of)
