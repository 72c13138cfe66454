"""Adjunct, kidney-protective care: RAAS blockade, SGLT2 inhibitors, BP target, lipids, anticoagulation.
"""

from __future__ import annotations

from collections.abc import Iterator

from lncare.engine.context import Context
from lncare.engine.kidney_function import egfr_on, kidney_failure
from lncare.engine.rules import Line, rule
from lncare.engine.rules.facts import (
    PROTEINURIA_G_PER_G,
    REDUCED_EGFR,
    condition_holds,
    pregnancy_related,
    taken_or_start,
)
from lncare.engine.rules.lines import line
from lncare.knowledge.schema.statement import Statement
from lncare.model.plan import Warning

RAAS = ("ace-inhibitor", "arb")
SGLT2 = ("dapagliflozin", "empagliflozin")


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
    """Prophylactic anticoagulation discussed when albumin is low and proteinuria nephrotic.

    ACR 2024 (acr2024-gps-anticoagulation) names "low albumin" without a number, and KDIGO's numeric band
    is unverified; the line fires on the assessment's own findings (nephrotic-range proteinuria and albumin
    below the reference interval, engine/kidney.py), so the thresholds live in one place and the line only
    asks for a discussion, never starts a drug.
    """
    statements = ctx.profile.find(topic="adjunct", therapies=["heparin"])
    findings = {f.code: f for f in ctx.assessment.findings}
    if not statements or not {"nephrotic_range_proteinuria", "hypoalbuminaemia"} <= findings.keys():
        return
    yield line(
        ctx,
        statements,
        id="anticoagulation-nephrotic",
        category="referral",
        action="consider",
        text="Discuss prophylactic anticoagulation with nephrology: low albumin, nephrotic proteinuria",
        because={
            **findings["nephrotic_range_proteinuria"].because,
            **findings["hypoalbuminaemia"].because,
        },
    )
