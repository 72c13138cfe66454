"""Doses for this patient: read from the knowledge base, computed from the patient's own measures.

A rule asks :func:`dose_for` (any therapy and setting), :func:`glucocorticoid_plan` (oral start dose and a
dated taper to the profile's target) or :func:`methylprednisolone_pulses`. Each answers a plan
:class:`~lncare.model.plan.Dose` with its ``basis`` (how it was reached and rounded) and ``cites``, or a
:class:`NoDose` saying which inputs are missing or implausible, or why no dose may be given, so the rule
can write "no dose: weight missing" instead of a number with nothing behind it.

Only regimens, limits and formulations of certainty V or S are used (knowledge schema ``Fact``); where a
source gives a range, the lower end is proposed and the range is stated in ``basis``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from lncare.calc.body import bsa
from lncare.engine.context import Context
from lncare.engine.kidney_function import current_egfr
from lncare.engine.safety import COMPARE
from lncare.engine.schedule import after
from lncare.knowledge.schema.statement import Dose as StatementDose
from lncare.knowledge.schema.statement import Statement
from lncare.knowledge.schema.therapy import DoseStep as RegimenStep
from lncare.knowledge.schema.therapy import Fact, Regimen, Therapy
from lncare.model.plan import Dose
from lncare.model.plan import DoseStep as PlanDoseStep

VOCLOSPORIN = "voclosporin"
ADMINISTRATIONS_PER_DAY = {"daily": 1, "bid": 2, "tid": 3}
# Regimens a guideline states come first, then labels, then trial protocols.
BASIS_ORDER = ("guideline", "labelled", "studied")
# Floating-point slack so that 5 mg/kg x 60 kg = 300.0000001 mg still counts as 300 mg.
ROUNDING_SLACK = 1e-9
# Initial therapy and add-on to it are one phase: a regimen studied as one serves the other when the
# knowledge base has none for the setting asked (tacrolimus multitarget for a CNI add-on to MMF).
INITIAL_SETTINGS = ("induction", "add_on")

# Regimen settings of the therapy knowledge (knowledge/schema/therapy.py Regimen.setting).
SETTINGS: tuple[str, ...] = (
    "induction", "maintenance", "pulse", "add_on", "refractory", "class_ii", "class_v",
    "kidney_protection", "prophylaxis", "supportive", "sle",
)


@dataclass(frozen=True)
class NoDose:
    """Why no dose was computed: the inputs missing or implausible (``missing``), and a reason to show."""

    drug: str
    reason: str
    missing: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"no dose of {self.drug}: {self.reason}"


DoseResult = Dose | NoDose


@dataclass(frozen=True)
class _Step:
    """One dosing step, from a therapy regimen or a statement dose, in one shape."""

    amount: float
    amount_max: float | None
    unit: str  # mg | g | mg/kg | mg/m2 | g/m2
    frequency: str
    route: str
    count: int | None = None
    count_max: int | None = None
    at_weeks: tuple[float, ...] = ()
    duration_weeks: float | None = None
    cap_mg: float | None = None
    ceiling: bool = False  # the amount is a ceiling ("<= 5 mg/kg/day"), so rounding goes down


@dataclass(frozen=True)
class DoseSource:
    """Where a dose comes from: its steps, a label for ``basis`` and what it cites."""

    steps: tuple[_Step, ...]
    label: str
    cites: tuple[str, ...]  # statement ids, or the regimen's reference ids when no statement gives it
    refs: tuple[str, ...]


def dose_for(
    ctx: Context, therapy_id: str, setting: str, *, statement: Statement | None = None,
    regimen: str | None = None,
) -> DoseResult:
    """The dose of ``therapy_id`` for this patient in ``setting`` (one of :data:`SETTINGS`).

    The regimen is the knowledge base's usable regimen for the setting (``regimen`` picks one by id;
    otherwise the one citing the profile's guideline first), or the doses of ``statement`` for the drug
    when it gives them. Weight-based amounts use actual body weight, BSA-based ones Mosteller BSA; both
    are capped by the therapy's usable maximum doses and rounded to a usable formulation strength.
    Voclosporin follows its label: baseline eGFR and BP are needed to start, and on treatment the dose
    is lowered (or no dose given) by the fall of eGFR from the baseline at its start.
    """
    if setting not in SETTINGS:
        raise ValueError(f"setting {setting!r} is not one of {SETTINGS}")
    therapy = ctx.kb.therapies.get(therapy_id)
    if therapy is None:
        return NoDose(therapy_id, "not a therapy of the knowledge base")
    source = _source(ctx, therapy, setting, statement, regimen)
    if source is None:
        return NoDose(therapy.name, f"no verified regimen for {setting.replace('_', ' ')}")
    if therapy_id == VOCLOSPORIN:
        barred = _voclosporin_bar(ctx, therapy)
        if barred is not None:
            return barred
    dose = compute(ctx, therapy, source)
    if isinstance(dose, Dose) and therapy_id == VOCLOSPORIN and ctx.takes(VOCLOSPORIN) is not None:
        return _voclosporin_on_treatment(ctx, therapy, dose)
    return dose


def compute(ctx: Context, therapy: Therapy, source: DoseSource, start: date | None = None) -> DoseResult:
    """Every step in mg for this patient, dated from ``start`` (``as_of`` by default)."""
    start = start or ctx.as_of
    amounts: list[tuple[_Step, float, str]] = []
    for step in source.steps:
        amount = _mg(ctx, therapy, step)
        if isinstance(amount, NoDose):
            return amount
        amounts.append((step, *amount))
    first_step, first_mg, how = amounts[0]
    schedule = _dated(start, amounts) if _needs_schedule(source.steps) else ()
    cites = source.cites
    return Dose(
        amount=first_mg, unit="mg", frequency=first_step.frequency, route=_route(first_step.route),
        basis=f"{source.label}: {how}", schedule=schedule, cites=cites,
    )


def _mg(ctx: Context, therapy: Therapy, step: _Step) -> tuple[float, str] | NoDose:
    """The amount in mg per administration for this patient, and how it was reached."""
    low = step.amount
    words = _range_words(step)
    if step.unit in ("mg/kg",):
        weight = ctx.patient.weight_kg
        if weight is None:
            return NoDose(therapy.name, "weight missing: no weight-based dose", ("weight_kg",))
        raw, how = low * weight, f"{words} x actual weight {weight:g} kg"
    elif step.unit in ("mg/m2", "g/m2"):
        height, weight = ctx.patient.height_cm, ctx.patient.weight_kg
        missing = tuple(name for name, v in (("height_cm", height), ("weight_kg", weight)) if v is None)
        if missing or height is None or weight is None:
            return NoDose(therapy.name, f"{' and '.join(missing)} missing: no BSA-based dose", missing)
        area = round(bsa(height, weight), 2)  # BSA to 2 dp, as chemotherapy protocols round it
        per_m2 = low * (1000 if step.unit == "g/m2" else 1)
        raw, how = per_m2 * area, f"{words} x BSA {area:.2f} m2 (Mosteller)"
    else:
        raw, how = low * (1000 if step.unit == "g" else 1), words
    capped, cap_words, limited = _cap(ctx, therapy, step, raw)
    rounded, round_words = _round(therapy, step, capped, down=limited or step.ceiling)
    if rounded <= 0:
        return NoDose(therapy.name, f"{raw:g} mg rounds to nothing that can be given")
    return rounded, f"{how} = {raw:.1f} mg{cap_words}; {round_words}"


def _range_words(step: _Step) -> str:
    unit = step.unit
    if step.amount_max is not None:
        return f"{step.amount:g}-{step.amount_max:g} {unit} {step.frequency} (lower end used)"
    return f"{'<= ' if step.ceiling else ''}{step.amount:g} {unit} {step.frequency}"


def _cap(ctx: Context, therapy: Therapy, step: _Step, mg: float) -> tuple[float, str, bool]:
    """Apply the step's cap and the therapy's usable per-dose and per-day ceilings; say if one is reached."""
    per_day = ADMINISTRATIONS_PER_DAY.get(step.frequency, 1)
    caps: list[tuple[float, str]] = []
    if step.cap_mg is not None:
        caps.append((step.cap_mg, f"max {step.cap_mg:g} mg"))
    for limit in therapy.max_dose:
        if not usable(limit) or limit.per == "lifetime":
            continue
        scale = per_day if limit.per == "day" else 1
        if limit.unit == "mg/kg":
            weight = ctx.patient.weight_kg
            if weight is None:
                continue
            ceiling = limit.amount * weight / scale
        else:
            ceiling = limit.amount * (1000 if limit.unit == "g" else 1) / scale
        refs = ", ".join(limit.sources)
        caps.append((ceiling, f"ceiling {limit.amount:g} {limit.unit}/{limit.per} [{refs}]"))
    reached = [c for c in caps if c[0] <= mg + ROUNDING_SLACK]
    binding = [c for c in reached if c[0] < mg - ROUNDING_SLACK]
    if not binding:
        return mg, "", bool(reached)
    amount, words = min(binding)
    return amount, f", capped at {amount:g} mg ({words})", True


def _round(therapy: Therapy, step: _Step, mg: float, *, down: bool) -> tuple[float, str]:
    """Round to what can be given: oral doses to a usable strength, IV doses to the whole mg."""
    strengths = sorted(
        f.strength_mg for f in therapy.formulations
        if usable(f) and f.route == step.route and f.strength_mg is not None
    )
    if step.route == "iv" or not strengths:
        # An infusion is drawn up from vials, not given in whole vials: the dose stays to the whole mg.
        if step.route == "iv":
            note = f"; vials of {' and '.join(f'{v:g}' for v in strengths)} mg" if strengths else ""
        else:
            note = f"; no verified {step.route} strength in the knowledge base"
        return float(round(mg)), f"given as {round(mg)} mg (rounded to the whole mg{note})"
    unit = strengths[0]
    # A lone tablet strength may be halved, or whole tablets given on alternating days (AAO 2016 allows
    # HCQ daily amounts to be averaged over a week); where smaller strengths exist they are used instead.
    halves = len(strengths) == 1 and _form(therapy, unit) == "tablet"
    if down:
        # A ceiling must not be passed: round down.
        increment = unit / 2 if halves else unit
        amount = round(math.floor(mg / increment + ROUNDING_SLACK) * increment, 2)
        if halves:
            return amount, f"rounded down to {increment:g} mg steps of {unit:g} mg tablets " \
                           "(half a tablet, or whole tablets on alternating days)"
        return amount, f"rounded down to {_fewest_units(therapy, strengths, amount)}"
    nearest = round(round(mg / unit) * unit, 2)
    return nearest, f"rounded to {_fewest_units(therapy, strengths, nearest)}"


def _fewest_units(therapy: Therapy, strengths: Sequence[float], amount: float) -> str:
    """``amount`` as tablets or capsules, largest strength first (e.g. 2000 mg = 4 x 500 mg tablet)."""
    parts, left = [], amount
    for strength in sorted(strengths, reverse=True):
        count = math.floor(left / strength + ROUNDING_SLACK)
        if count:
            parts.append(f"{count} x {strength:g} mg {_form(therapy, strength)}")
            left = round(left - count * strength, 6)
    return " + ".join(parts) if parts else f"0 x {strengths[0]:g} mg {_form(therapy, strengths[0])}"


def _form(therapy: Therapy, strength: float) -> str:
    return next((f.form.replace("_", " ") for f in therapy.formulations if f.strength_mg == strength), "unit")


def _needs_schedule(steps: Sequence[_Step]) -> bool:
    return len(steps) > 1 or any(s.at_weeks or s.count for s in steps)


def _dated(start: date, amounts: Sequence[tuple[_Step, float, str]]) -> tuple[PlanDoseStep, ...]:
    """Dated steps: infusion weeks, counted doses and timed steps run in order from ``start``."""
    out: list[PlanDoseStep] = []
    day, dosed_on_day = start, False
    for step, mg, _ in amounts:
        if step.at_weeks:
            for week in step.at_weeks:
                on = start + timedelta(days=round(week * 7))
                out.append(PlanDoseStep(start=on, end=on, amount=mg, unit="mg", frequency="once"))
            day, dosed_on_day = out[-1].start, True
            continue
        if dosed_on_day:
            day = after(day, step.frequency, 1)  # the next step follows the last dose by its own interval
        if step.count:
            last = after(day, step.frequency, step.count - 1)
            out.append(PlanDoseStep(start=day, end=last, amount=mg, unit="mg", frequency=step.frequency))
            day, dosed_on_day = last, True
        elif step.duration_weeks:
            end = day + timedelta(days=round(step.duration_weeks * 7) - 1)
            out.append(PlanDoseStep(start=day, end=end, amount=mg, unit="mg", frequency=step.frequency))
            day, dosed_on_day = end + timedelta(days=1), False
        else:
            out.append(PlanDoseStep(start=day, end=None, amount=mg, unit="mg", frequency=step.frequency))
    return tuple(out)


def _route(route: str) -> Literal["oral", "iv", "sc"]:
    assert route in ("oral", "iv", "sc")
    return route  # type: ignore[return-value]


def _source(
    ctx: Context, therapy: Therapy, setting: str, statement: Statement | None, regimen: str | None
) -> DoseSource | None:
    """The statement's doses for the drug when it gives usable ones, else the regimen for the setting.

    It depends on the profile and the knowledge base only, never on the patient: worked out once per
    profile (the profile is built from the same knowledge base as the context).
    """
    key = ("dose-source", therapy.id, setting, statement.id if statement is not None else None, regimen)
    return ctx.profile.derived(key, lambda: _find_source(ctx, therapy, setting, statement, regimen))


def _find_source(
    ctx: Context, therapy: Therapy, setting: str, statement: Statement | None, regimen: str | None
) -> DoseSource | None:
    if statement is not None and statement.usable and regimen is None:
        steps = tuple(from_statement(d) for d in statement.doses if d.drug == therapy.id)
        if steps:
            return source_of(statement, steps)
    chosen = _regimen(ctx, therapy, setting, regimen)
    if chosen is None:
        return None
    steps = tuple(_from_regimen(s) for s in chosen.steps)
    if not steps:
        return None
    cites = tuple(s.id for s in ctx.profile.find(therapies=[therapy.id]) if s.doses and any(
        d.drug == therapy.id for d in s.doses))
    return DoseSource(steps, f"{chosen.label} [{', '.join(chosen.sources)}]", cites, chosen.sources)


def source_of(statement: Statement, steps: tuple[_Step, ...]) -> DoseSource:
    return DoseSource(steps, statement.id, (statement.id,), ())


def _regimen(ctx: Context, therapy: Therapy, setting: str, wanted: str | None) -> Regimen | None:
    candidates = [r for r in therapy.regimens if usable(r) and r.steps]
    if wanted is not None:
        return next((r for r in candidates if r.id == wanted), None)
    in_setting = [r for r in candidates if r.setting == setting] or [
        r for r in candidates if r.setting in INITIAL_SETTINGS and setting in INITIAL_SETTINGS
    ]
    documents = [ctx.profile.name, *dict.fromkeys(s.document for s in ctx.profile.statements)]

    def preference(r: Regimen) -> tuple[int, int]:
        cited = (i for i, d in enumerate(documents) if f"guideline:{d}" in r.sources)
        guideline = next(cited, len(documents))
        return guideline, BASIS_ORDER.index(r.basis)

    return min(in_setting, key=preference, default=None)


def _from_regimen(step: RegimenStep) -> _Step:
    return _Step(
        amount=step.amount, amount_max=step.amount_max, unit=step.unit, frequency=step.frequency,
        route=step.route, count=step.doses, count_max=step.doses_max, at_weeks=step.at_weeks,
        duration_weeks=step.duration_weeks, cap_mg=step.max_mg,
    )


def from_statement(dose: StatementDose) -> _Step:
    low, high = dose.amount if isinstance(dose.amount, tuple) else (dose.amount, None)
    count, count_max = dose.count if isinstance(dose.count, tuple) else (dose.count, None)
    duration = dose.duration.weeks if dose.duration is not None else None
    return _Step(
        amount=low, amount_max=high, unit=dose.unit, frequency=dose.frequency, route=dose.route,
        count=count, count_max=count_max, duration_weeks=duration, cap_mg=dose.cap_mg,
        ceiling=dose.limit in ("max", "target") and high is None,
    )


def _voclosporin_bar(ctx: Context, therapy: Therapy) -> NoDose | None:
    """Before the first dose the label needs a baseline eGFR and BP; its start bars then apply."""
    if ctx.takes(VOCLOSPORIN) is not None:
        return None
    needed = {"egfr": current_egfr(ctx)} | {
        limit.measure: ctx.latest(limit.measure) for limit in therapy.lab_limits if usable(limit)
    }
    missing = tuple(name for name, value in needed.items() if value is None)
    if missing:
        return NoDose(therapy.name, f"{', '.join(missing)} missing: the label needs them before the first "
                      "dose", missing)
    reading = current_egfr(ctx)
    assert reading is not None
    for limit in therapy.egfr_limits:
        barred = COMPARE[limit.comparison](reading.value, limit.threshold)
        if usable(limit) and limit.phase == "start" and barred:
            return NoDose(therapy.name, f"eGFR {reading.value:g}: {limit.text}")
    for lab in therapy.lab_limits:
        value = ctx.latest(lab.measure)
        if usable(lab) and lab.phase == "start" and value is not None \
                and COMPARE[lab.comparison](value, lab.threshold):
            return NoDose(therapy.name, f"{lab.measure} {value:g} {lab.unit}: {lab.text}")
    return None


def _voclosporin_on_treatment(ctx: Context, therapy: Therapy, label: Dose) -> DoseResult:
    """The label's on-treatment table: eGFR < 60 and a fall from baseline lowers or stops the dose."""
    from lncare.engine.safety import egfr_fall_percent  # safety reads the same baseline rule

    taken = ctx.takes(VOCLOSPORIN)
    reading = current_egfr(ctx)
    assert taken is not None
    fall = egfr_fall_percent(ctx, VOCLOSPORIN, reading) if reading is not None else None
    if reading is None or fall is None:
        return NoDose(therapy.name, "no eGFR at its start and since: the label's eGFR rules cannot be "
                      "applied", ("egfr",))
    current = min(taken.dose or label.amount, label.amount)  # never above the starting dose (label)
    why = f"eGFR {reading.value:g}, {fall:.0f}% below the baseline at its start"
    for limit in sorted(therapy.egfr_limits, key=lambda x: -(x.fall_from_baseline_percent or 0)):
        if not (usable(limit) and limit.phase == "ongoing" and limit.fall_from_baseline_percent):
            continue
        below = COMPARE[limit.comparison](reading.value, limit.threshold)
        if below and fall >= limit.fall_from_baseline_percent:
            if limit.action == "stop":
                return NoDose(therapy.name, f"{why}: {limit.text}")
            # The label lowers by one capsule (7.9 mg) twice daily at each step.
            capsule = min(f.strength_mg or 0 for f in therapy.formulations if usable(f))
            lowered = round(current - capsule, 1)
            if lowered <= 0:
                return NoDose(therapy.name, f"{why}: no lower dose")
            return label.model_copy(update={
                "amount": lowered,
                "basis": f"{why}: {limit.text} ({current:g} -> {lowered:g} mg {label.frequency})",
            })
    return label.model_copy(update={"amount": current, "basis": f"{label.basis}; eGFR {reading.value:g}, "
                                    f"{fall:.0f}% from baseline: no change by the label's eGFR table"})


def glucocorticoid_plan(ctx: Context, start: date | None = None) -> DoseResult:
    """Oral prednisone start dose with a dated taper (``Dose.schedule``) to the profile's target.

    kdigo2024: the reduced-dose table of the KDIGO 2024 practice point; acr2024: <= 0.5 mg/kg (max 40
    mg) tapered to <= 5 mg by 6 months; eular2023: 0.3-0.5 mg/kg tapered to <= 7.5 mg by 3-6 months and
    <= 5 mg for maintenance. The schedule starts on ``start`` when given (a new course, e.g. for a flare),
    else with the current prednisone course, else on ``as_of``.
    """
    from lncare.engine import taper  # taper builds on this module's dose arithmetic

    return taper.prednisone_plan(ctx, start)


def methylprednisolone_pulses(ctx: Context) -> DoseResult:
    """IV methylprednisolone pulses as the profile's guideline states them (amount per day, days)."""
    from lncare.engine import taper

    return taper.pulses(ctx)


def usable(fact: Fact) -> bool:
    return fact.certainty in ("V", "S")
