"""Adjunct, kidney-protective care: RAAS blockade, SGLT2 inhibitors, BP target, lipids, anticoagulation.

This module also holds the few helpers the rules of refractory_flare, supportive, special_populations and
monitoring share (building a cited line, testing a statement's named condition, the current prednisone
dose); they read only the Context and the knowledge base.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from lncare.engine.context import Context
from lncare.engine.kidney_function import egfr_on, kidney_failure
from lncare.engine.rules import Line, rule
from lncare.knowledge.schema.definition import AllOf, AnyOf, Criterion, ValueCriterion
from lncare.knowledge.schema.statement import Statement
from lncare.model.plan import Action, Category, Recommendation, Strength, Warning

RAAS = ("ace-inhibitor", "arb")
SGLT2 = ("dapagliflozin", "empagliflozin")
# Frequencies of contract 1 that are taken several times a day, and how many times.
_PER_DAY = {"daily": 1.0, "bid": 2.0, "tid": 3.0}
# UPCR at or above which proteinuria persists: the complete-response bound of KDIGO 2024 and ACR 2024
# (UPCR < 0.5 g/g; definitions kdigo2024-response-complete, acr2024-response-complete).
PROTEINURIA_G_PER_G = 0.5
# Nephrotic-range proteinuria, >= 3.5 g/day (KDIGO 2021 glomerular diseases guideline; KDIGO 2024 LN).
NEPHROTIC_G_PER_G = 3.5
# ACR 2024 (acr2024-gps-anticoagulation) names "low albumin" without a number; lncare uses the upper end
# of KDIGO's 2.0-2.5 g/dL band (kdigo2024-text-anticoagulation, certainty R: UNVERIFIED number).
LOW_ALBUMIN_G_DL = 2.5
# Reduced GFR: below 60 mL/min/1.73 m2 (CKD G3a or worse, KDIGO 2012/2024 CKD classification).
REDUCED_EGFR = 60.0


# --- helpers shared by the rule modules of this package ------------------------------------------


def line(
    ctx: Context,
    statements: Sequence[Statement],
    *,
    id: str,
    category: Category,
    action: Action,
    text: str,
    because: Mapping[str, Any],
    drug: str | None = None,
    strength: Strength | None = None,
) -> Recommendation:
    """A recommendation citing ``statements``; its strength follows the first statement's grade."""
    return Recommendation(
        id=id,
        category=category,
        action=action,
        drug=drug,
        text=text,
        because=dict(because),
        strength=strength or strength_of(statements[0]),
        cites=tuple(dict.fromkeys(s.id for s in statements)),
        certainty="S" if any(s.certainty == "S" for s in statements) else "V",
    )


def strength_of(statement: Statement) -> Strength:
    """Graded recommendations: strong/1 -> recommended, conditional/2 -> suggested; others practice points."""
    grade = statement.grade
    if grade is None:
        return "practice_point" if statement.kind in ("pp", "gps", "op") else "consider"
    if grade.system == "acr":
        return "recommended" if grade.strength == "strong" else "suggested"
    if grade.system == "kdigo":
        return "recommended" if grade.strength == 1 else "suggested"
    return "recommended"


def usable(ctx: Context, ids: Iterable[str]) -> list[Statement]:
    """The statements among ``ids`` that this profile applies and a rule may rest on."""
    found = (ctx.profile.statement(i) for i in ids)
    return [s for s in found if s is not None]


def prednisone_mg_per_day(ctx: Context) -> float:
    """Current oral prednisone-equivalent dose: the assessment's figure, else the current medications."""
    if ctx.assessment.glucocorticoids is not None:
        return ctx.assessment.glucocorticoids.current_mg_per_day
    total = 0.0
    for medication in ctx.current.values():
        therapy = ctx.therapy(medication.drug)
        equivalence = therapy.glucocorticoid_equivalence if therapy else None
        if (
            equivalence is None
            or equivalence.certainty not in ("V", "S")
            or medication.route != "oral"
            or medication.dose is None
            or medication.unit != "mg"
            or medication.frequency not in _PER_DAY
        ):
            continue
        total += medication.dose * _PER_DAY[medication.frequency] * equivalence.prednisone_mg_per_mg
    return total


def measure(ctx: Context, name: str) -> float | None:
    """A measure a statement's condition names, in its canonical unit."""
    if name == "age":
        return float(ctx.age)
    if name == "prednisone_dose":
        return prednisone_mg_per_day(ctx)
    if name == "egfr":
        reading = egfr_on(ctx, ctx.as_of)
        return reading.value if reading else None
    return ctx.latest(name)


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
    return {
        "<": value < bound,
        "<=": value <= bound,
        ">": value > bound,
        ">=": value >= bound,
        "==": value == bound,
    }[criterion.comparator]


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


# --- rules ---------------------------------------------------------------------------------------


@rule(implements=["acr2024-rec-raas", "kdigo2024-pp-10.2.1.1", "eular2019-text-raas"])
def raas_blockade(ctx: Context) -> Iterator[Line]:
    """RAAS blockade for proteinuria (ACR: any rise, even below 0.5 g/g) or hypertension (KDIGO, EULAR)."""
    if ctx.patient.pregnancy in ("pregnant", "planning") or kidney_failure(ctx):
        # On dialysis RAAS blockade no longer protects the kidney; in pregnancy ACE inhibitors and ARBs are
        # fetotoxic (special_populations says what to do instead).
        return
    upcr = [v for _, v in ctx.patient.series("upcr", ctx.as_of)]
    rising = len(upcr) >= 2 and upcr[-1] > upcr[-2]
    proteinuria = bool(upcr) and upcr[-1] >= PROTEINURIA_G_PER_G
    hypertension = ctx.has("hypertension")
    reasons: list[Statement] = []
    for statement in ctx.profile.find(topic="adjunct", therapies=RAAS):
        if statement.id == "acr2024-rec-raas":
            fires = rising or proteinuria
        elif statement.conditions:
            fires = bool(condition_holds(ctx, statement, "proteinuria_threshold")) or hypertension
        else:
            fires = proteinuria or hypertension
        if fires:
            reasons.append(statement)
    if reasons:
        action, drug = taken_or_start(ctx, RAAS)
        yield line(
            ctx,
            reasons,
            id="raas-blockade",
            category="adjunct",
            action=action,
            drug=drug,
            text=f"{action.capitalize()} RAAS blockade (ACE inhibitor or ARB) to lower proteinuria and BP",
            because={
                "upcr_g_per_g": upcr[-1] if upcr else None,
                "upcr_rising": rising,
                "hypertension": hypertension,
            },
        )


@rule(implements=["eular2023-text-sglt2", "kdigo2024-pp-10.2.1.1"])
def sglt2_inhibitor(ctx: Context) -> Iterator[Line]:
    """SGLT2 inhibitor considered with reduced GFR, above the drug's usable eGFR start bar."""
    statements = ctx.profile.find(topic="adjunct", therapies=SGLT2)
    reading = egfr_on(ctx, ctx.as_of)
    if (
        not statements
        or reading is None
        or reading.value >= REDUCED_EGFR
        or pregnancy_related(ctx)
        or kidney_failure(ctx)
    ):
        return
    if any(ctx.takes(t) for t in SGLT2):
        action, drug = taken_or_start(ctx, SGLT2)
        yield line(
            ctx,
            statements,
            id="sglt2-inhibitor",
            category="adjunct",
            action=action,
            drug=drug,
            text="Continue the SGLT2 inhibitor",
            because={"egfr": reading.value},
        )
        return
    for therapy_id in SGLT2:
        therapy = ctx.kb.therapies[therapy_id]
        bars = [
            b
            for b in therapy.egfr_limits
            if b.phase in ("start", "any")
            and b.certainty in ("V", "S")
            and b.action in ("do_not_start", "not_recommended", "contraindicated")
        ]
        if not bars:
            continue  # no verified start bar: lncare cannot say this eGFR is high enough
        if all(reading.value >= b.threshold for b in bars):
            yield line(
                ctx,
                statements,
                id=f"sglt2-{therapy_id}",
                category="adjunct",
                action="consider",
                drug=therapy.name,
                strength="consider",
                text=f"Consider {therapy.name} for CKD with reduced GFR",
                because={"egfr": reading.value, "egfr_start_bars": [b.threshold for b in bars]},
            )


@rule(implements=["eular2022cv-text-bp-target"])
def blood_pressure_target(ctx: Context) -> Iterator[Line]:
    """Blood pressure below the profile's target (EULAR CV 2022: < 130/80 mmHg)."""
    for statement in ctx.profile.find(topic="adjunct"):
        if not any(c.name == "bp_target" for c in statement.conditions):
            continue
        met = condition_holds(ctx, statement, "bp_target")
        systolic, diastolic = ctx.latest("systolic_bp"), ctx.latest("diastolic_bp")
        if met is False:
            yield Warning(
                code="bp_above_target",
                severity="warning",
                message=f"BP {_mmhg(systolic)}/{_mmhg(diastolic)} mmHg is above the target of < 130/80",
                because={"systolic_bp": systolic, "diastolic_bp": diastolic},
                cites=(statement.id,),
            )


def _mmhg(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f}"


@rule(implements=["eular2022cv-text-lipids"])
def lipids(ctx: Context) -> Iterator[Line]:
    """Lipids and cardiovascular risk managed as in the general population."""
    statements = ctx.profile.find(topic="adjunct", therapies=["statin"])
    if statements:
        yield line(
            ctx,
            statements,
            id="lipids-cv-risk",
            category="adjunct",
            action="monitor",
            text="Assess lipids and cardiovascular risk and treat as in the general population",
            because={"lupus_nephritis": True},
        )


@rule(implements=["acr2024-gps-anticoagulation", "kdigo2024-text-anticoagulation"])
def anticoagulation_in_nephrotic_syndrome(ctx: Context) -> Iterator[Line]:
    """Prophylactic anticoagulation discussed when albumin is low and proteinuria nephrotic."""
    statements = ctx.profile.find(topic="adjunct", therapies=["heparin"])
    albumin, upcr = ctx.latest("albumin"), ctx.latest("upcr")
    if not statements or albumin is None or upcr is None:
        return
    if albumin < LOW_ALBUMIN_G_DL and upcr >= NEPHROTIC_G_PER_G:
        yield line(
            ctx,
            statements,
            id="anticoagulation-nephrotic",
            category="referral",
            action="consider",
            text="Discuss prophylactic anticoagulation with nephrology: low albumin, nephrotic proteinuria",
            because={"albumin_g_dl": albumin, "upcr_g_per_g": upcr},
        )
