"""Initial (induction) therapy of active proliferative lupus nephritis (ISN/RPS class III or IV, +/- V).

Which anchor drugs a profile offers comes from its usable statements on the topic ``induction``:
EULAR 2023 anchors on mycophenolate or low-dose IV cyclophosphamide; KDIGO 2024 rec 10.2.3.1.1 lists
MPAA-based options and low-dose IV cyclophosphamide as equal; ACR 2024 prefers MPAA to cyclophosphamide
and, when cyclophosphamide is used, the Euro-Lupus regimen. MPAA is the backbone of most options in all
three (shared/domain/guidelines.md section 1.2), so it is proposed as "start" and cyclophosphamide as
"consider". Add-ons (belimumab, calcineurin inhibitors) are in ``add_on``; glucocorticoids in
``glucocorticoid``; class I/II and pure class V belong to ``special_populations``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from lncare.engine import dosing
from lncare.engine.context import Context
from lncare.engine.rules import Line, rule
from lncare.engine.rules.facts import course_troubled, isn_classes, untreated_proliferative
from lncare.engine.rules.lines import drug_name, propose
from lncare.knowledge.schema.statement import Statement
from lncare.model.plan import Because

# --- rules -------------------------------------------------------------------------------------------

MPAA = ("mycophenolate-mofetil", "mycophenolic-acid")
CYCLOPHOSPHAMIDE = "cyclophosphamide"
# Euro-Lupus low-dose IV cyclophosphamide: the regimen EULAR, KDIGO and ACR name (guidelines.md 2).
EURO_LUPUS = "cyc-euro-lupus"
INDUCTION_DRUGS = (*MPAA, CYCLOPHOSPHAMIDE)


def _naming(ctx: Context, therapy_ids: Iterable[str]) -> list[Statement]:
    classes = isn_classes(ctx) & {"III", "IV", "V"}
    return list(ctx.profile.find(topic="induction", therapies=therapy_ids, classes=classes))


def _dose_statement(statements: list[Statement], therapy_id: str) -> Statement | None:
    return next((s for s in statements if any(d.drug == therapy_id for d in s.doses)), None)


@rule(implements=[
    "eular2019-text-initial-proliferative", "eular2023-text-ln-initial", "kdigo2024-rec-10.2.3.1.1",
    "kdigo2024-pp-mpaa-infertility", "kdigo2024-pp-cyc-adherence", "acr2024-rec-mpaa-over-cyc",
    "acr2024-rec-triple-therapy", "acr2024-rec-elnt-over-high-dose-cyc", "acr2024-rec-elnt-over-oral-cyc",
])
def initial_immunosuppression(ctx: Context) -> Iterator[Line]:
    """Untreated active class III/IV LN: start MPAA; low-dose IV cyclophosphamide is the alternative."""
    if not untreated_proliferative(ctx):
        return
    because: Because = {"phase": ctx.assessment.phase, "biopsy_classes": sorted(isn_classes(ctx))}
    mpaa = _naming(ctx, MPAA)
    if mpaa:
        mmf = MPAA[0]
        yield from propose(
            ctx, mmf, category="induction", action="start", statements=mpaa, because=because,
            dose=dosing.dose_for(ctx, mmf, "induction", statement=_dose_statement(mpaa, mmf)),
            text="Start mycophenolate (MPAA) as the anchor of initial therapy, with glucocorticoids; about "
                 "6 months of initial therapy before maintenance.",
        )
    cyc = _naming(ctx, [CYCLOPHOSPHAMIDE])
    if cyc:
        yield from propose(
            ctx, CYCLOPHOSPHAMIDE, category="induction", action="consider", statements=cyc, because=because,
            dose=dosing.dose_for(ctx, CYCLOPHOSPHAMIDE, "induction", regimen=EURO_LUPUS),
            text="Alternative anchor: low-dose IV cyclophosphamide (Euro-Lupus, 500 mg every 2 weeks x 6), "
                 "e.g. when adherence to oral therapy is doubtful; then switch to MPAA.",
        )


@rule(implements=[
    "eular2019-text-initial-proliferative", "eular2023-text-ln-initial", "kdigo2024-rec-10.2.3.1.1",
    "acr2024-rec-triple-therapy",
])
def continue_initial_immunosuppression(ctx: Context) -> Iterator[Line]:
    """Initial therapy going as planned (no flare, refractoriness, missed milestone): continue the anchor."""
    if ctx.assessment.phase != "induction" or course_troubled(ctx):
        return
    for therapy_id in INDUCTION_DRUGS:
        taken = ctx.takes(therapy_id)
        statements = _naming(ctx, [therapy_id])
        if taken is None or not statements:
            continue
        regimen = EURO_LUPUS if therapy_id == CYCLOPHOSPHAMIDE else None
        yield from propose(
            ctx, therapy_id, category="induction", action="continue", statements=statements,
            because={
                "phase": "induction", "weeks_on_treatment": ctx.assessment.weeks_on_treatment,
                "renal_response": ctx.assessment.renal_response.status,
                "current": f"{taken.dose:g} {taken.unit} {taken.frequency}",
            },
            dose=dosing.dose_for(
                ctx, therapy_id, "induction", statement=_dose_statement(statements, therapy_id),
                regimen=regimen,
            ),
            text=f"Continue {drug_name(ctx, therapy_id)}: initial therapy is under way and no milestone "
                 "has been missed.",
        )
