"""Patient facts rules ask about, read from the Context: classes, eGFR, doses, a statement's conditions."""

from __future__ import annotations

from collections.abc import Sequence

from lncare.engine.context import Context
from lncare.engine.kidney_function import egfr_on, kidney_failure
from lncare.knowledge.schema.definition import AllOf, AnyOf, Comparator, Criterion, ValueCriterion
from lncare.knowledge.schema.statement import Statement
from lncare.model.plan import Action

PROLIFERATIVE = frozenset({"III", "IV"})
# UPCR at or above which proteinuria persists: the complete-response bound of KDIGO 2024 and ACR 2024
# (UPCR < 0.5 g/g; definitions kdigo2024-response-complete, acr2024-response-complete).
PROTEINURIA_G_PER_G = 0.5
# Reduced GFR: below 60 mL/min/1.73 m2 (CKD G3a or worse, KDIGO 2012/2024 CKD classification).
REDUCED_EGFR = 60.0

_COMPARE = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
}


def compare(value: float, comparator: Comparator, bound: float) -> bool:
    return bool(_COMPARE[comparator](value, bound))


def isn_classes(ctx: Context) -> frozenset[str]:
    return frozenset(ctx.patient.biopsy.classes) if ctx.patient.biopsy else frozenset()


def egfr_now(ctx: Context) -> float | None:
    """The assessment's eGFR (the one number safety, doses and rules all use)."""
    reading = egfr_on(ctx, ctx.as_of)
    return reading.value if reading else None


def untreated_proliferative(ctx: Context) -> bool:
    """Active class III/IV LN not yet treated: the patients who start initial therapy here.

    Kidney-directed immunosuppression is not given for class VI or in kidney failure (guidelines.md 1.4);
    special_populations speaks for those patients.
    """
    classes = isn_classes(ctx)
    return (
        ctx.assessment.phase == "untreated"
        and bool(classes & PROLIFERATIVE)
        and "VI" not in classes
        and not kidney_failure(ctx)
    )


def course_troubled(ctx: Context) -> bool:
    """A flare, refractory disease or a missed milestone: refractory_flare decides what changes."""
    a = ctx.assessment
    return a.flare is not None or a.refractory is not None or any(m.status == "missed" for m in a.milestones)


def prednisone_mg_per_day(ctx: Context) -> float | None:
    """Current oral prednisone-equivalent dose from the assessment (None when it cannot be converted)."""
    exposure = ctx.assessment.glucocorticoids
    return exposure.current_mg_per_day if exposure is not None else None


def measure(ctx: Context, name: str) -> float | None:
    """A measure a statement's condition names, in its canonical unit."""
    if name == "age":
        return float(ctx.age)
    if name == "prednisone_dose":
        return prednisone_mg_per_day(ctx)
    if name == "egfr":
        return egfr_now(ctx)
    return ctx.latest(name)


def meets(value: float, criterion: ValueCriterion) -> bool | None:
    """Whether ``value`` meets a threshold; None when the guideline gives the bound as a range."""
    bound = criterion.value
    if isinstance(bound, tuple):
        return None
    return compare(value, criterion.comparator, bound)


def holds(ctx: Context, criterion: Criterion, *, low_end: bool = False) -> bool | None:
    """Whether a condition holds now (None: a measure is missing). A bound given as a range by the
    guideline is read at its ``low_end`` when asked (a 'consider' line), else at its strict end."""
    if isinstance(criterion, AllOf | AnyOf):
        results = [holds(ctx, item, low_end=low_end) for item in criterion.items]
        known = [r for r in results if r is not None]
        if isinstance(criterion, AnyOf):
            return True if any(known) else (None if len(known) < len(results) else False)
        return False if not all(known) else (None if len(known) < len(results) else True)
    if not isinstance(criterion, ValueCriterion) or criterion.at != "current":
        return None
    value = measure(ctx, criterion.measure)
    if value is None:
        return None
    bound = criterion.value
    if isinstance(bound, tuple):
        lower_is_easier = criterion.comparator in (">", ">=")
        bound = bound[0] if low_end == lower_is_easier else bound[1]
    return compare(value, criterion.comparator, bound)


def condition_holds(ctx: Context, statement: Statement, name: str, *, low_end: bool = False) -> bool | None:
    return holds(ctx, statement.condition(name).criterion, low_end=low_end)


def taken_or_start(ctx: Context, therapy_ids: Sequence[str]) -> tuple[Action, str]:
    """'continue' with the patient's own drug name when one of ``therapy_ids`` is taken, else 'start'."""
    for therapy_id in therapy_ids:
        medication = ctx.takes(therapy_id)
        if medication is not None:
            return "continue", medication.drug
    therapy = ctx.kb.therapies.get(therapy_ids[0])
    return "start", therapy.name if therapy else therapy_ids[0]


def pregnancy_related(ctx: Context) -> bool:
    return ctx.patient.pregnancy in ("pregnant", "planning", "lactating")
