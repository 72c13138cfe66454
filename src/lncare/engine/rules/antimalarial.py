"""Hydroxychloroquine for every patient with lupus nephritis unless contraindicated.

EULAR 2023 rec 1, KDIGO 2024 rec 10.2.1.1 (1C) and ACR 2024 (strong) all ask for HCQ in everyone with
LN (shared/domain/guidelines.md section 4). The dose is at most 5 mg/kg/day of actual body weight (AAO
2016, KDIGO; EULAR 2023 words it as a target) with a 400 mg/day ceiling (EULAR 2023 text); the ceiling
and the per-kg limit are read from the therapy's usable ``max_dose`` facts, the dose itself from
:mod:`lncare.engine.dosing`. Contraindications and allergy are the safety filter's to apply.
"""

from __future__ import annotations

from collections.abc import Iterator

from lncare.engine import dosing
from lncare.engine.context import Context
from lncare.engine.rules import Line, rule
from lncare.engine.rules.lines import propose
from lncare.knowledge.schema.therapy import DoseLimit
from lncare.model.plan import Because, Warning

HCQ = "hydroxychloroquine"
# HCQ's regimen setting in the therapy knowledge: "for every patient with SLE/LN".
SETTING = "sle"


def per_kg_ceiling(ctx: Context) -> DoseLimit | None:
    """The usable mg/kg/day ceiling of HCQ (AAO 2016: <= 5.0 mg/kg real body weight)."""
    return next(
        (
            limit for limit in ctx.kb.therapies[HCQ].max_dose
            if limit.unit == "mg/kg" and limit.per == "day" and limit.certainty in ("V", "S")
        ),
        None,
    )


@rule(implements=[
    "eular2023-rec-1", "eular2019-text-hcq", "kdigo2024-rec-10.2.1.1", "kdigo2024-text-hcq-dose",
    "acr2024-rec-hcq",
])
def hydroxychloroquine_for_all(ctx: Context) -> Iterator[Line]:
    """Everyone takes HCQ unless contraindicated, <= 5 mg/kg/day of actual weight; more is lowered."""
    statements = list(ctx.profile.find(topic="antimalarial", therapies=[HCQ]))
    if not statements:
        return
    dose = dosing.dose_for(ctx, HCQ, SETTING)
    taken = ctx.takes(HCQ)
    if taken is None:
        yield from propose(
            ctx, HCQ, category="antimalarial", action="start", statements=statements, dose=dose,
            because={"taking_hcq": False}, line_id="hcq-start",
            text="Start hydroxychloroquine (every patient with lupus nephritis unless contraindicated).",
        )
        return
    current = ctx.assessment.hcq_mg_per_kg_day
    ceiling = per_kg_ceiling(ctx)
    because: Because = {"current": f"{taken.dose:g} {taken.unit} {taken.frequency}", "mg_per_kg_day": current}
    if current is not None and ceiling is not None and current > ceiling.amount:
        yield Warning(
            code="hcq_dose_above_ceiling", severity="warning",
            message=f"Hydroxychloroquine {current:.1f} mg/kg/day is above {ceiling.amount:g} mg/kg/day of "
                    "actual body weight, a risk for retinal toxicity.",
            because=because, cites=tuple(s.id for s in statements),
        )
        yield from propose(
            ctx, HCQ, category="antimalarial", action="decrease", statements=statements, dose=dose,
            because={**because, "ceiling_mg_per_kg_day": ceiling.amount}, line_id="hcq-decrease",
            text=f"Lower hydroxychloroquine to at most {ceiling.amount:g} mg/kg/day of actual body weight.",
        )
        return
    if current is None and ctx.patient.weight_kg is None:
        because["mg_per_kg_day"] = "not known: weight missing"
    yield from propose(
        ctx, HCQ, category="antimalarial", action="continue", statements=statements, dose=dose,
        because=because, line_id="hcq-continue",
        text="Continue hydroxychloroquine.",
    )
