"""Refractory disease and renal flares: check adherence, switch or add (anti-CD20, belimumab, a CNI),
re-induce a flare with the regimen that worked, repeat the biopsy."""

from __future__ import annotations

from collections.abc import Iterator

from lncare.engine import dosing
from lncare.engine.context import Context
from lncare.engine.rules import Line, rule
from lncare.engine.rules.lines import line, propose, usable
from lncare.model.plan import Warning

ANTI_CD20 = ("rituximab", "obinutuzumab")
# The two first-line anchors between which EULAR 2019 and KDIGO 2024 switch a non-responder.
ANCHORS = ("mycophenolate-mofetil", "cyclophosphamide")
ADD_ONS = ("belimumab", "voclosporin", "tacrolimus")
# Euro-Lupus low-dose IV cyclophosphamide, the regimen all three guidelines name (guidelines.md section 2).
EURO_LUPUS = "cyc-euro-lupus"


def _refractory(ctx: Context) -> bool:
    """Refractory by the profile's definition, or an inadequate response on treatment.

    Every guideline acts on an inadequate response the same way it acts on refractory disease (check
    adherence, switch or add): ACR 2024 calls it "not at least a partial response by 6-12 months" [V], KDIGO
    2024 "neither complete nor partial response by 6-12 months" [S], EULAR 2019 switches non-responders.
    The assessment judges "none" only from 6 months of treatment, so "none" here is that inadequate response.
    """
    a = ctx.assessment
    inadequate = a.renal_response.status == "none" and a.phase in ("induction", "maintenance")
    return a.refractory is not None or inadequate


@rule(implements=["acr2024-gps-adherence", "kdigo2024-text-refractory"])
def check_adherence(ctx: Context) -> Iterator[Line]:
    """Before escalating, check the dose taken and adherence (MPA levels where available)."""
    if not _refractory(ctx):
        return
    statements = usable(ctx, ["acr2024-gps-adherence", "kdigo2024-text-refractory"])
    if statements:
        yield Warning(
            code="check_adherence",
            severity="warning",
            message="Inadequate response: check the dose and adherence before escalating",
            because={"refractory": ctx.assessment.refractory.code if ctx.assessment.refractory else None},
            cites=tuple(s.id for s in statements),
        )


@rule(
    implements=[
        "acr2024-rec-refractory",
        "acr2024-rec-inadequate-response",
        "eular2019-text-refractory",
        "eular2023-text-refractory",
        "kdigo2024-text-refractory",
    ]
)
def escalate_refractory(ctx: Context) -> Iterator[Line]:
    """Refractory LN: add an anti-CD20 agent, switch MMF <-> cyclophosphamide, or add belimumab or a CNI, as
    the profile's refractory statements name them."""
    if not _refractory(ctx):
        return
    finding = ctx.assessment.refractory
    because = {
        "refractory": finding.code if finding else None,
        "renal_response": ctx.assessment.renal_response.status,
        **(finding.because if finding else {}),
    }
    for statement in ctx.profile.find(topic="refractory"):
        named = set(statement.therapies)
        for therapy_id in (*ANTI_CD20, *ADD_ONS):
            if therapy_id in named and ctx.takes(therapy_id) is None:
                therapy = ctx.kb.therapies[therapy_id]
                yield line(
                    ctx,
                    [statement],
                    id=f"refractory-{therapy_id}",
                    category="refractory",
                    action="consider",
                    drug=therapy.name,
                    text=f"Refractory LN: add {therapy.name}",
                    because=because,
                )
        if set(ANCHORS) <= named:
            taken = [t for t in ANCHORS if ctx.takes(t)]
            for other in (t for t in ANCHORS if t not in taken and taken):
                therapy = ctx.kb.therapies[other]
                yield line(
                    ctx,
                    [statement],
                    id=f"refractory-switch-{other}",
                    category="refractory",
                    action="consider",
                    drug=therapy.name,
                    text=f"Refractory LN: switch to {therapy.name}",
                    because={**because, "switch_from": [ctx.kb.therapies[t].name for t in taken]},
                )


@rule(implements=["acr2024-rec-refractory", "eular2023-text-refractory", "kdigo2024-text-refractory"])
def hbv_before_anti_cd20(ctx: Context) -> Iterator[Line]:
    """HBV infection with anti-CD20 on the table: antiviral prophylaxis and hepatology first."""
    if not (_refractory(ctx) and ctx.has("hbv_infection")):
        return
    statements = [s for s in ctx.profile.find(topic="refractory", therapies=ANTI_CD20)]
    if statements:
        yield Warning(
            code="hbv_anti_cd20",
            severity="critical",
            message="HBV infection: anti-CD20 therapy reactivates HBV; antiviral prophylaxis and "
            "hepatology review before any rituximab or obinutuzumab",
            because={"conditions": list(ctx.patient.conditions)},
            cites=tuple(s.id for s in statements),
        )


@rule(
    implements=[
        "acr2024-rec-repeat-biopsy",
        "eular2019-text-monitoring",
        "kdigo2024-text-refractory",
        "kdigo2024-pp-belimumab-preferred",
        "eular2023-text-ln-initial",
        "kdigo2024-rec-10.2.3.1.1",
        "acr2024-rec-triple-therapy",
    ]
)
def flare_reinduction(ctx: Context) -> Iterator[Line]:
    """Renal flare: repeat the biopsy, re-induce with the anchor drug that worked (at its induction dose),
    belimumab add-on for repeated flares (KDIGO)."""
    flare = ctx.assessment.flare
    if flare is None:
        return
    because = {"flare": flare.kind, "severity": flare.severity, **flare.because}
    biopsy = usable(
        ctx, ["acr2024-rec-repeat-biopsy", "eular2019-text-monitoring", "kdigo2024-text-refractory"]
    )
    if biopsy and (flare.kind == "nephritic" or biopsy[0].id != "eular2019-text-monitoring"):
        yield line(
            ctx,
            biopsy,
            id="flare-repeat-biopsy",
            category="referral",
            action="consider",
            text="Renal flare: consider a repeat kidney biopsy",
            because=because,
        )
    for anchor in ANCHORS:
        taken = ctx.takes(anchor)
        if taken is None:
            continue
        statements = ctx.profile.find(topic="induction", therapies=[anchor])
        if statements:
            # "At the induction dose" needs the dose itself, from the statement that doses the drug.
            dose_statement = next((s for s in statements if any(d.drug == anchor for d in s.doses)), None)
            regimen = EURO_LUPUS if anchor == "cyclophosphamide" else None
            yield from propose(
                ctx, anchor, category="induction", action="increase", statements=list(statements),
                because=because, line_id=f"flare-reinduce-{anchor}",
                dose=dosing.dose_for(ctx, anchor, "induction", statement=dose_statement, regimen=regimen),
                text=f"Renal flare: re-induce with {taken.drug} at the induction dose",
            )
    for statement in usable(ctx, ["kdigo2024-pp-belimumab-preferred"]):
        if ctx.takes("belimumab") is None:
            yield line(
                ctx,
                [statement],
                id="flare-belimumab",
                category="add_on",
                action="consider",
                drug="belimumab",
                text="Relapsing LN: belimumab add-on",
                because=because,
            )
