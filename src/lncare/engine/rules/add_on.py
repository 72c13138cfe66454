"""Add-on belimumab or a calcineurin inhibitor (CNI) to the anchor of initial therapy, class III/IV LN.

The profiles differ here (shared/domain/guidelines.md section 1.2), and the difference is data:
- EULAR 2023: adding belimumab or a CNI (voclosporin, tacrolimus) "should be considered";
- KDIGO 2024 rec 10.2.3.1.1: belimumab-based triple therapy when eGFR >= 30, MPAA + CNI when eGFR > 45
  (the statement's conditions ``egfr_min_belimumab_triple`` and ``egfr_min_mpaa_cni``);
- ACR 2024: triple therapy preferred; with UPCR >= 3 g/g it includes MPAA + a CNI (``heavy_proteinuria``).
Every add-on is a "consider" line: the guidelines leave the choice between them to the clinician.
Cyclosporine is not proposed: KDIGO keeps it for where voclosporin and tacrolimus are unavailable, which
lncare cannot know. Start bars of the drugs themselves (voclosporin's BP and eGFR label limits) are the
safety filter's.
"""

from __future__ import annotations

from collections.abc import Iterator

from lncare.engine import dosing
from lncare.engine.context import Context
from lncare.engine.rules import Line, rule
from lncare.engine.rules.facts import (
    course_troubled,
    egfr_now,
    isn_classes,
    meets,
    untreated_proliferative,
)
from lncare.engine.rules.lines import drug_name, propose, unique
from lncare.knowledge.schema.definition import ValueCriterion
from lncare.knowledge.schema.statement import Statement
from lncare.model.plan import Because, Exclusion, Warning

BELIMUMAB = "belimumab"
CNIS = ("voclosporin", "tacrolimus")
ADD_ONS = (BELIMUMAB, *CNIS)

# Statement conditions (knowledge base names) that gate add-ons by eGFR, and the drugs each gates.
EGFR_GATES: dict[str, tuple[str, ...]] = {
    "egfr_min_belimumab_triple": (BELIMUMAB,),
    "egfr_min_mpaa_cni": CNIS,
}
# Statement conditions that, when met, make the guideline pick these add-ons over the others.
PICKS: dict[str, tuple[str, ...]] = {"heavy_proteinuria": CNIS}
# Measures a pick condition may test, read from the patient now.
PICK_MEASURES = ("upcr",)


def _statements(ctx: Context, therapy_id: str) -> list[Statement]:
    classes = isn_classes(ctx) & {"III", "IV", "V"}
    return unique((
        *ctx.profile.find(topic="induction", therapies=[therapy_id], classes=classes),
        *ctx.profile.find(topic="add_on", therapies=[therapy_id], classes=classes),
    ))


def _picked(ctx: Context) -> tuple[set[str], list[Statement], Because]:
    """Add-ons a met pick condition selects (empty when none applies), its statements and the facts."""
    chosen: set[str] = set()
    statements: list[Statement] = []
    because: Because = {}
    for statement in ctx.profile.find(topic="add_on"):
        for condition in statement.conditions:
            criterion = condition.criterion
            if condition.name not in PICKS or not isinstance(criterion, ValueCriterion):
                continue
            if criterion.measure not in PICK_MEASURES:
                continue
            value = ctx.latest(criterion.measure)
            if value is not None and meets(value, criterion):
                chosen.update(PICKS[condition.name])
                statements.append(statement)
                because[criterion.measure] = value
    return chosen, statements, because


@rule(implements=[
    "eular2023-text-ln-initial", "kdigo2024-rec-10.2.3.1.1", "kdigo2024-pp-belimumab-preferred",
    "kdigo2024-pp-cni-preferred", "acr2024-rec-triple-therapy", "acr2024-rec-proteinuria-3-cni",
    "acr2024-rec-extrarenal-belimumab",
])
def add_on_to_initial_therapy(ctx: Context) -> Iterator[Line]:
    """Untreated active class III/IV LN: consider belimumab or a CNI, within the profile's eGFR gates."""
    if not untreated_proliferative(ctx):
        return
    egfr = egfr_now(ctx)
    picked, pick_statements, pick_because = _picked(ctx)
    for therapy_id in ADD_ONS:
        statements = _statements(ctx, therapy_id)
        if not statements or (picked and therapy_id not in picked):
            continue
        because: Because = {"biopsy_classes": sorted(isn_classes(ctx)), "egfr": egfr, **pick_because}
        unknown = False
        for statement in statements:
            for condition in statement.conditions:
                criterion = condition.criterion
                if therapy_id not in EGFR_GATES.get(condition.name, ()):
                    continue
                assert isinstance(criterion, ValueCriterion)
                bar = f"eGFR {criterion.comparator} {criterion.value:g}"
                if egfr is None:
                    yield Warning(
                        code="add_on_egfr_unknown", severity="warning",
                        message=f"eGFR unknown: {drug_name(ctx, therapy_id)} needs {bar} ({statement.id}); "
                                "it is not proposed until eGFR is measured.",
                        because={"egfr": None}, cites=(statement.id,),
                    )
                    unknown = True
                elif meets(egfr, criterion) is False:
                    # Proposed all the same: the one safety filter drops it and the plan lists why.
                    yield Exclusion(
                        drug=drug_name(ctx, therapy_id),
                        reason=f"the guideline gives this add-on only when {bar}; eGFR is {egfr:g}",
                        because={"egfr": egfr}, cites=(statement.id,),
                    )
        if unknown:
            continue
        yield from propose(
            ctx, therapy_id, category="add_on", action="consider",
            statements=unique((*statements, *pick_statements)), because=because,
            dose=dosing.dose_for(ctx, therapy_id, "add_on"),
            text=f"Consider adding {drug_name(ctx, therapy_id)} to the anchor drug (triple therapy).",
        )


@rule(implements=[
    "eular2023-text-ln-initial", "kdigo2024-rec-10.2.3.1.1", "kdigo2024-pp-maintenance-duration",
    "acr2024-rec-triple-therapy", "acr2024-rec-triple-crr-continue",
])
def continue_add_on(ctx: Context) -> Iterator[Line]:
    """An add-on taken continues through initial therapy and, after triple therapy, into maintenance."""
    a = ctx.assessment
    if a.phase not in ("induction", "maintenance") or course_troubled(ctx):
        return
    for therapy_id in ADD_ONS:
        taken = ctx.takes(therapy_id)
        if taken is None:
            continue
        if a.phase == "induction":
            statements = _statements(ctx, therapy_id)
        else:
            statements = list(ctx.profile.find(topic="maintenance", therapies=[therapy_id]))
            triple_continue = ctx.profile.statement("acr2024-rec-triple-crr-continue")
            if triple_continue is not None and a.renal_response.status == "complete":
                statements.append(triple_continue)
        if not statements:
            continue
        yield from propose(
            ctx, therapy_id, category="add_on", action="continue", statements=statements,
            because={
                "phase": a.phase, "weeks_on_treatment": a.weeks_on_treatment,
                "renal_response": a.renal_response.status,
                "current": f"{taken.dose:g} {taken.unit} {taken.frequency}",
            },
            dose=dosing.dose_for(ctx, therapy_id, "add_on"),
            text=f"Continue {drug_name(ctx, therapy_id)} as part of the regimen"
                 + (" (KDIGO: belimumab up to 2.5 years, voclosporin up to 3 years, as in their trials)."
                    if ctx.profile.statement("kdigo2024-pp-maintenance-duration") and a.phase == "maintenance"
                    else "."),
        )
