"""The oral glucocorticoid start dose with a dated taper, and IV methylprednisolone pulses, per profile.

Amounts and time points are the profile's statement data: KDIGO 2024 prints a week-by-week table
(kdigo2024-pp-reduced-dose-gc), used as it stands. ACR 2024 (start <= 0.5 mg/kg, max 40 mg; <= 5 mg/day
by 6 months) and EULAR (0.3-0.5 mg/kg for up to 4 weeks; <= 7.5 mg/day by 3-6 months; <= 5 mg/day for
maintenance, EULAR 2023) give a start and a target by a date but no table: there lncare steps down every
2 weeks (the cadence of the KDIGO table) in even amounts to reach the target by its date, and ``basis``
says the steps are lncare's, not the guideline's.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from lncare.engine.context import Context
from lncare.engine.dosing import DoseResult, NoDose, compute, dose_for, from_statement, source_of
from lncare.engine.schedule import week_end, week_start
from lncare.engine.treatment import DOSES_PER_DAY
from lncare.knowledge.schema.statement import Dose as StatementDose
from lncare.knowledge.schema.statement import Statement
from lncare.model.medication import Medication
from lncare.model.plan import Dose, DoseStep

PREDNISONE = "prednisone"
METHYLPREDNISOLONE = "methylprednisolone"
PREDNISONE_LIKE = ("prednisone", "prednisolone")
# Oral prednisone is rounded down to 2.5 mg, the smallest step of the KDIGO 2024 reduced-dose table
# (its tablet strengths are unconfirmed, R, in the knowledge base).
STEP_MG = 2.5
# Weeks between taper steps where the guideline gives no table: the KDIGO 2024 table's 2-week cadence.
TAPER_STEP_WEEKS = 2
START_STEPS = ("start", "oral start")


def prednisone_plan(ctx: Context, start: date | None = None) -> DoseResult:
    """The start dose and dated taper from ``start`` (default: the start of the current course)."""
    weight = ctx.patient.weight_kg
    table = _table(ctx)
    if weight is None:
        return NoDose(PREDNISONE, "weight missing: no weight-based glucocorticoid dose", ("weight_kg",))
    start = start or course(ctx).start
    if table is not None:
        statement, rows = table
        rows_dated = tuple(_row_step(start, row, weight) for row in rows)
        basis = f"{statement.id} reduced-dose table from {start.isoformat()}, weight {weight:g} kg, " \
                f"mg/kg rows at the lower end and rounded down to {STEP_MG:g} mg"
        return _dose(ctx, rows_dated, basis, (statement.id,))
    opening = _start_dose(ctx)
    target = _target(ctx)
    if opening is None or target is None:
        return NoDose(PREDNISONE, f"the {ctx.profile.name} profile has no verified start dose and target")
    (start_statement, dose), (target_statement, target_mg, by_weeks) = opening, target
    start_mg = _amount(dose, weight)
    hold = dose.duration.weeks if dose.duration is not None else TAPER_STEP_WEEKS
    steps = list(_even_taper(start, start_mg, target_mg, hold, by_weeks))
    cites = [start_statement.id, target_statement.id]
    ceiling = _maintenance_ceiling(ctx)
    if ceiling is not None and ceiling[1] < target_mg:
        last = steps[-1]
        switch = last.start + timedelta(weeks=TAPER_STEP_WEEKS)
        steps[-1] = last.model_copy(update={"end": switch - timedelta(days=1)})
        steps.append(DoseStep(start=switch, end=None, amount=ceiling[1], unit="mg", frequency="daily"))
        cites.append(ceiling[0].id)
    basis = (f"{start_statement.id}: {_words(dose)} x {weight:g} kg = {start_mg:g} mg (rounded down to "
             f"{STEP_MG:g} mg); {target_statement.id}: <= {target_mg:g} mg/day by week {by_weeks:.0f}; "
             f"lncare's even {TAPER_STEP_WEEKS}-weekly steps in between (the guideline gives no table)")
    return _dose(ctx, tuple(steps), basis, tuple(dict.fromkeys(cites)))


def pulses(ctx: Context) -> DoseResult:
    """IV methylprednisolone pulses: the profile's statement dose, else its guideline's regimen."""
    for statement in ctx.profile.find(therapies=[METHYLPREDNISOLONE]):
        doses = [d for d in statement.doses if d.drug == METHYLPREDNISOLONE and d.route == "iv"]
        if doses:
            return compute(ctx, ctx.kb.therapies[METHYLPREDNISOLONE],
                           source_of(statement, tuple(from_statement(d) for d in doses)))
    return dose_for(ctx, METHYLPREDNISOLONE, "pulse")


def _dose(ctx: Context, steps: tuple[DoseStep, ...], basis: str, cites: tuple[str, ...]) -> Dose:
    covering = (s for s in steps if s.start <= ctx.as_of and (s.end is None or ctx.as_of <= s.end))
    today = next(covering, steps[0])
    return Dose(amount=today.amount, unit="mg", frequency="daily", route="oral", basis=basis,
                schedule=steps, cites=cites)


# Two prescriptions belong to one course when the second starts within this many days of the first's end:
# a taper is written as a chain of prescriptions, one per step (lncare's reading; a longer gap starts anew).
COURSE_GAP_DAYS = 14


@dataclass(frozen=True)
class Course:
    start: date
    raised: bool  # the course began by raising the dose above the previous prescription (a re-escalation)


def course(ctx: Context) -> Course:
    """The current oral glucocorticoid course (starting today when the patient takes none).

    A taper is written as a chain of prescriptions, each step lower than the last; the chain ends going back
    at a gap of more than COURSE_GAP_DAYS or at a step that was lower than the one after it (a dose raised
    again is a new course: a re-escalation, e.g. for a flare). The taper table and the guideline's dose
    targets are dated from its start, so a patient mid-taper is placed at the right row, and a patient just
    re-escalated is not told to drop to the old course's target.
    """
    if not any(ctx.takes(t) for t in PREDNISONE_LIKE):
        return Course(ctx.as_of, raised=False)
    rows = sorted((m for t in PREDNISONE_LIKE for m in ctx.ever.get(t, [])), key=lambda m: m.start)
    later = rows[-1]
    for earlier in reversed(rows[:-1]):
        if earlier.end is not None and (later.start - earlier.end).days > COURSE_GAP_DAYS:
            break
        if _daily_mg(earlier) < _daily_mg(later):
            return Course(later.start, raised=True)
        later = earlier
    return Course(later.start, raised=False)


def _daily_mg(medication: Medication) -> float:
    # Doses in mg/kg stay comparable among themselves; a missing mg amount never ends a course by itself.
    amount = medication.dose_mg if medication.dose_mg is not None else medication.dose
    return amount * DOSES_PER_DAY[medication.frequency]


def _table(ctx: Context) -> tuple[Statement, list[StatementDose]] | None:
    for statement in ctx.profile.find(topic="glucocorticoid", therapies=[PREDNISONE]):
        rows = [d for d in statement.doses if d.drug == PREDNISONE and d.start is not None]
        if len(rows) > 1:
            return statement, sorted(rows, key=lambda d: d.start.weeks if d.start else 0)
    return None


def _amount(dose: StatementDose, weight: float) -> float:
    low = dose.amount[0] if isinstance(dose.amount, tuple) else dose.amount
    mg = low * weight if dose.unit == "mg/kg" else low
    if dose.cap_mg is not None:
        mg = min(mg, dose.cap_mg)
    return _round_down(mg)


def _round_down(mg: float) -> float:
    return math.floor(mg / STEP_MG + 1e-9) * STEP_MG


def _words(dose: StatementDose) -> str:
    amount = f"{dose.amount[0]:g}-{dose.amount[1]:g} (lower end)" if isinstance(dose.amount, tuple) \
        else f"{'<= ' if dose.limit == 'max' else ''}{dose.amount:g}"
    cap = f", max {dose.cap_mg:g} mg" if dose.cap_mg else ""
    return f"{amount} {dose.unit}/day{cap}"


def _row_step(start: date, row: StatementDose, weight: float) -> DoseStep:
    assert row.start is not None
    end = week_end(start, row.end.weeks) if row.end is not None else None
    return DoseStep(start=week_start(start, row.start.weeks), end=end, amount=_amount(row, weight),
                    unit="mg", frequency="daily")


def _start_dose(ctx: Context) -> tuple[Statement, StatementDose] | None:
    """The weight-based oral start dose; a glucocorticoid statement before one of another topic."""
    found = [
        (statement, dose)
        for statement in ctx.profile.find(therapies=[PREDNISONE])
        for dose in statement.doses
        if dose.drug == PREDNISONE and dose.step in START_STEPS and dose.unit == "mg/kg"
    ]
    found.sort(key=lambda pair: (pair[0].topic != "glucocorticoid", bool(pair[0].classes), pair[0].id))
    return found[0] if found else None


def _target(ctx: Context) -> tuple[Statement, float, float] | None:
    """The dose to reach by a time point (``prednisone_target_*`` condition with ``by``)."""
    for statement in ctx.profile.find(topic="glucocorticoid", therapies=[PREDNISONE]):
        for condition in statement.conditions:
            value = getattr(condition.criterion, "value", None)
            if condition.name.startswith("prednisone_target") and condition.by and value is not None:
                return statement, float(value), condition.by.weeks
    return None


def _maintenance_ceiling(ctx: Context) -> tuple[Statement, float] | None:
    for statement in ctx.profile.find(topic="glucocorticoid"):
        for condition in statement.conditions:
            value = getattr(condition.criterion, "value", None)
            if condition.name == "prednisone_maintenance_ceiling" and value is not None:
                return statement, float(value)
    return None


def _even_taper(start: date, start_mg: float, target_mg: float, hold_weeks: float,
                by_weeks: float) -> Iterator[DoseStep]:
    """The start dose for ``hold_weeks``, then even 2-weekly steps reaching the target by ``by_weeks``."""
    if start_mg <= target_mg:
        yield DoseStep(start=start, end=None, amount=start_mg, unit="mg", frequency="daily")
        return
    steps = max(1, math.floor((by_weeks - hold_weeks) / TAPER_STEP_WEEKS) + 1)
    day = start
    amounts = [start_mg] + [
        max(target_mg, _round_down(target_mg + (start_mg - target_mg) * (steps - k) / steps))
        for k in range(1, steps + 1)
    ]
    lengths = [hold_weeks] + [TAPER_STEP_WEEKS] * steps
    for index, (amount, weeks) in enumerate(zip(amounts, lengths, strict=True)):
        last = index == len(amounts) - 1
        end = None if last else day + timedelta(days=round(weeks * 7) - 1)
        yield DoseStep(start=day, end=end, amount=amount, unit="mg", frequency="daily")
        if end is not None:
            day = end + timedelta(days=1)
