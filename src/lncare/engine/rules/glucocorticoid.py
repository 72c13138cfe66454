"""Glucocorticoids: pulses and an oral start for active LN, then the taper to each profile's target.

Targets are the knowledge base's ``prednisone_dose`` conditions of the profile's statements
(shared/domain/guidelines.md section 3.2): EULAR <= 7.5 mg/day by 3-6 months and <= 5 mg/day in
maintenance; KDIGO's reduced-dose scheme <= 5 mg/day by week 12; ACR <= 5 mg/day by 6 months. A dose
above a target that is due gives a warning and a "decrease" line carrying the dated taper from
:mod:`lncare.engine.dosing`. A renal flare is treated as active LN again (ACR 2024, guidelines.md 6.3;
KDIGO and EULAR re-induce with the initial regimen, glucocorticoids included): a new course, dated from
today, unless the dose has already been raised for it.
"""

from __future__ import annotations

from collections.abc import Iterator

from lncare.engine import dosing, taper
from lncare.engine.context import Context
from lncare.engine.rules import Line, rule
from lncare.engine.rules.facts import isn_classes, meets, untreated_proliferative
from lncare.engine.rules.lines import propose, unique
from lncare.knowledge.schema.definition import ValueCriterion
from lncare.knowledge.schema.statement import Condition, Statement
from lncare.model.plan import Because, Dose, Warning

PREDNISONE = "prednisone"
PULSE = "methylprednisolone"
# Oral glucocorticoids a record may carry; the taper line names the one the patient takes.
ORAL = ("prednisone", "prednisolone", "methylprednisolone")
# Statements that allow glucocorticoid withdrawal in lasting complete response.
WITHDRAWAL = ("kdigo2024-pp-gc-withdrawal", "eular2023-text-gc")


def _statements(ctx: Context, therapy_id: str) -> list[Statement]:
    """Statements that dose ``therapy_id`` at the start or set its targets (not those on withdrawal alone)."""
    classes = isn_classes(ctx) & {"III", "IV", "V"}
    return unique(
        s for s in (
            *ctx.profile.find(topic="glucocorticoid", therapies=[therapy_id]),
            *ctx.profile.find(topic="induction", therapies=[therapy_id], classes=classes),
        )
        if s.doses or s.conditions
    )


def targets(ctx: Context) -> list[tuple[Statement, Condition, ValueCriterion]]:
    """The profile's prednisone-dose targets, from its glucocorticoid and maintenance statements."""
    found = []
    for statement in (*ctx.profile.find(topic="glucocorticoid"), *ctx.profile.find(topic="maintenance")):
        for condition in statement.conditions:
            criterion = condition.criterion
            if isinstance(criterion, ValueCriterion) and criterion.measure == "prednisone_dose":
                found.append((statement, condition, criterion))
    return found


def _weeks_on_glucocorticoid(ctx: Context) -> float | None:
    """Weeks on this course of treatment: targets such as "<= 5 mg/day by 6 months" count from the induction
    start, and from the raise when the glucocorticoid was re-escalated since (a new bridging course)."""
    a = ctx.assessment
    current = taper.course(ctx)
    if current.raised and (a.induction_start is None or current.start > a.induction_start):
        return round((ctx.as_of - current.start).days / 7, 1)
    return a.weeks_on_treatment


def _lower(ctx: Context, drug: str, current: float) -> dosing.DoseResult:
    """The dated taper, unless it does not lower the current dose from now on (a decrease never raises)."""
    plan = dosing.glucocorticoid_plan(ctx)
    lowers = isinstance(plan, Dose) and (
        plan.amount < current
        or (plan.amount == current and any(s.amount < current for s in plan.schedule if s.start > ctx.as_of))
    )
    if isinstance(plan, Dose) and not lowers:
        return dosing.NoDose(
            drug, f"the profile's taper would give {plan.amount:g} mg/day now, not below the current "
                  f"{current:g} mg/day; lower from the current dose towards the target",
        )
    return plan


def _by(condition: Condition) -> str:
    return f" by {condition.by.value:g} {condition.by.unit}" if condition.by else ""


@rule(implements=[
    "eular2019-text-gc", "eular2019-text-initial-proliferative", "kdigo2024-pp-reduced-dose-gc",
    "kdigo2024-text-gc-standard-range", "acr2024-rec-triple-therapy",
])
def glucocorticoids_for_active_ln(ctx: Context) -> Iterator[Line]:
    """Untreated active class III/IV LN: methylprednisolone pulses, then oral prednisone on a dated taper."""
    if not untreated_proliferative(ctx):
        return
    because: Because = {"phase": ctx.assessment.phase, "biopsy_classes": sorted(isn_classes(ctx))}
    pulse = _statements(ctx, PULSE)
    if pulse:
        yield from propose(
            ctx, PULSE, category="glucocorticoid", action="start", statements=pulse, because=because,
            dose=dosing.methylprednisolone_pulses(ctx), line_id="gc-pulse-start",
            text="IV methylprednisolone pulses at the start of initial therapy.",
        )
    oral = _statements(ctx, PREDNISONE)
    if oral:
        yield from propose(
            ctx, PREDNISONE, category="glucocorticoid", action="start", statements=oral, because=because,
            dose=dosing.glucocorticoid_plan(ctx), line_id="gc-oral-start",
            text="Then oral prednisone, tapered on the dated schedule to the guideline's target.",
        )


@rule(implements=[
    "eular2019-text-gc", "eular2019-text-initial-proliferative", "kdigo2024-pp-reduced-dose-gc",
    "kdigo2024-text-gc-standard-range", "acr2024-rec-triple-therapy", "acr2024-rec-repeat-biopsy",
])
def glucocorticoids_for_renal_flare(ctx: Context) -> Iterator[Line]:
    """Renal flare: glucocorticoids as for active LN (guidelines.md 6.3: ACR 2024 treats a flare as active
    LN, i.e. section 1.2's pulse then oral taper); pulses considered unless the flare is graded mild.

    A course already raised since the flare began is left to the taper rule's silence: the team has acted.
    """
    a = ctx.assessment
    if a.flare is None or taper.course(ctx).raised:
        return
    because: Because = {"flare": a.flare.kind, "severity": a.flare.severity, **a.flare.because}
    pulse = _statements(ctx, PULSE)
    if pulse and a.flare.severity != "mild":
        yield from propose(
            ctx, PULSE, category="glucocorticoid", action="consider", statements=pulse, because=because,
            dose=dosing.methylprednisolone_pulses(ctx), line_id="gc-flare-pulse",
            text="Renal flare: consider IV methylprednisolone pulses, as for active LN.",
        )
    oral = _statements(ctx, PREDNISONE)
    if not oral:
        return
    drug = next((t for t in ORAL if ctx.takes(t) is not None), None)
    plan = dosing.glucocorticoid_plan(ctx, start=ctx.as_of)
    current = a.glucocorticoids.current_mg_per_day if a.glucocorticoids is not None else 0.0
    if drug is not None and isinstance(plan, Dose) and plan.amount <= current:
        return  # the current dose already meets the start of a new course
    yield from propose(
        ctx, drug or PREDNISONE, category="glucocorticoid", action="increase" if drug else "start",
        statements=oral, because=because, dose=plan, line_id="gc-flare-oral",
        text="Renal flare: oral prednisone as for active LN, on a new dated taper to the guideline's target.",
    )


@rule(implements=[
    "eular2019-text-gc", "eular2023-text-gc", "eular2019-text-maintenance", "kdigo2024-pp-reduced-dose-gc",
    "kdigo2024-pp-gc-withdrawal", "acr2024-text-gc-target",
])
def glucocorticoid_taper(ctx: Context) -> Iterator[Line]:
    """On treatment: a dose above a target that is due is lowered on a dated taper; at target, lowest dose."""
    a = ctx.assessment
    exposure = a.glucocorticoids
    if a.phase == "untreated" or a.flare is not None or exposure is None or exposure.current_mg_per_day <= 0:
        return
    current = exposure.current_mg_per_day
    drug = next((t for t in ORAL if ctx.takes(t) is not None), PREDNISONE)
    weeks = _weeks_on_glucocorticoid(ctx)
    # A course raised again during maintenance (e.g. for activity) is a new bridge: its dated targets apply,
    # the maintenance ceiling only once that course has tapered (guidelines.md section 3.2).
    reescalated = taper.course(ctx).raised
    missed = []
    for statement, condition, criterion in targets(ctx):
        due = (
            condition.by.weeks <= weeks
            if condition.by is not None and weeks is not None
            else condition.by is None and a.phase == "maintenance" and not reescalated
        )
        if due and meets(current, criterion) is False:
            missed.append((statement, condition, criterion))
    if missed:
        statements = unique(s for s, _, _ in missed)
        because: Because = {
            "prednisone_equivalent_mg_per_day": current, "weeks_on_treatment": a.weeks_on_treatment,
            "weeks_on_glucocorticoid_course": weeks,
            "phase": a.phase,
            "targets_missed": [
                f"{c.name}: {k.comparator} {k.value:g} mg/day" + _by(c) for _, c, k in missed
            ],
        }
        yield Warning(
            code="gc_above_target", severity="warning",
            message=f"Glucocorticoid {current:g} mg/day prednisone equivalent is above the guideline's "
                    "target for this point of treatment.",
            because=because, cites=tuple(s.id for s in statements),
        )
        yield from propose(
            ctx, drug, category="glucocorticoid", action="decrease", statements=statements, because=because,
            dose=_lower(ctx, drug, current), line_id="gc-taper",
            text="Taper the glucocorticoid on the dated schedule to the guideline's target.",
        )
        return
    withdrawal = [s for s in (ctx.profile.statement(i) for i in WITHDRAWAL) if s is not None]
    if a.phase == "maintenance" and a.renal_response.status == "complete" and withdrawal:
        yield from propose(
            ctx, drug, category="glucocorticoid", action="continue", statements=withdrawal,
            because={"prednisone_equivalent_mg_per_day": current, "renal_response": "complete"},
            line_id="gc-lowest-dose",
            text="Keep the glucocorticoid at the lowest dose; withdrawal can be considered in lasting "
                 "complete response (KDIGO: after at least 12 months).",
        )
