"""Initial (induction) therapy of active proliferative lupus nephritis (ISN/RPS class III or IV, +/- V).

Which anchor drugs a profile offers comes from its usable statements on the topic ``induction``:
EULAR 2023 anchors on mycophenolate or low-dose IV cyclophosphamide; KDIGO 2024 rec 10.2.3.1.1 lists
MPAA-based options and low-dose IV cyclophosphamide as equal; ACR 2024 prefers MPAA to cyclophosphamide
and, when cyclophosphamide is used, the Euro-Lupus regimen. MPAA is the backbone of most options in all
three (shared/domain/guidelines.md section 1.2), so it is proposed as "start" and cyclophosphamide as
"consider". Add-ons (belimumab, calcineurin inhibitors) are in ``add_on``; glucocorticoids in
``glucocorticoid``; class I/II and pure class V belong to ``special_populations``.

The small helpers at the top are shared by the other rule modules of this area group (antimalarial,
glucocorticoid, add_on, maintenance).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from lncare.engine import dosing
from lncare.engine.context import Context
from lncare.engine.rules import Line, rule
from lncare.knowledge.schema.definition import ValueCriterion
from lncare.knowledge.schema.statement import Statement
from lncare.model.plan import Action, Because, Category, Certainty, Dose, Recommendation, Strength, Warning

PROLIFERATIVE = frozenset({"III", "IV"})
# Kidney-directed immunosuppression is not given for class VI or in kidney failure (guidelines.md 1.4);
# special_populations speaks for those patients.
KIDNEY_FAILURE = ("dialysis", "esrd")

_STRENGTH_ORDER: tuple[Strength, ...] = ("recommended", "suggested", "consider", "practice_point")


def strength_of(statements: Iterable[Statement], action: Action) -> Strength:
    """The strength of a line, read from the grade and kind of the statements behind it.

    KDIGO 1 and ACR strong read "recommended", KDIGO 2 and ACR conditional "suggested"; EULAR grades
    rate evidence, not strength, and EULAR recommendations are worded "should", so they read
    "recommended". Practice points, good-practice statements and overarching principles are ungraded.
    A guideline-text statement behind a "consider" line (EULAR 2023: add-ons "should be considered")
    reads "consider". A "consider" line (an alternative) is as strong as the weakest graded statement
    behind it (ACR: Euro-Lupus over oral cyclophosphamide is strong, but MPAA over cyclophosphamide is
    conditional); any other line takes the firmest.
    """
    statements = list(statements)
    graded = [s for s in statements if s.grade is not None]
    if action == "consider" and graded:
        return max((strength_of([s], "start") for s in graded), key=_STRENGTH_ORDER.index)
    found: list[Strength] = []
    for statement in statements:
        grade = statement.grade
        if grade is None:
            if statement.kind == "text":
                found.append("consider" if action == "consider" else "recommended")
            else:
                found.append("practice_point")
        elif grade.system == "kdigo":
            found.append("recommended" if grade.strength == 1 else "suggested")
        elif grade.system == "acr":
            found.append("recommended" if grade.strength == "strong" else "suggested")
        else:
            found.append("recommended")
    return min(found, key=_STRENGTH_ORDER.index) if found else "practice_point"


def certainty_of(statements: Iterable[Statement]) -> Certainty:
    """'S' when any statement behind a line rests on secondary sources, else 'V'."""
    return "S" if any(s.certainty == "S" for s in statements) else "V"


def ids(statements: Iterable[Statement]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s.id for s in statements))


def unique(statements: Iterable[Statement]) -> list[Statement]:
    return list({s.id: s for s in statements}.values())


def egfr_now(ctx: Context) -> float | None:
    """The assessment's eGFR, else the latest reported eGFR."""
    if ctx.assessment.egfr is not None:
        return ctx.assessment.egfr.value
    return ctx.latest("egfr")


def isn_classes(ctx: Context) -> frozenset[str]:
    return frozenset(ctx.patient.biopsy.classes) if ctx.patient.biopsy else frozenset()


def untreated_proliferative(ctx: Context) -> bool:
    """Active class III/IV LN not yet treated: the patients who start initial therapy here."""
    return (
        ctx.assessment.phase == "untreated"
        and bool(isn_classes(ctx) & PROLIFERATIVE)
        and "VI" not in isn_classes(ctx)
        and not any(ctx.has(c) for c in KIDNEY_FAILURE)
    )


def course_troubled(ctx: Context) -> bool:
    """A flare, refractory disease or a missed milestone: refractory_flare decides what changes."""
    a = ctx.assessment
    return a.flare is not None or a.refractory is not None or any(m.status == "missed" for m in a.milestones)


def meets(value: float, criterion: ValueCriterion) -> bool | None:
    """Whether ``value`` meets a threshold; None when the guideline gives the bound as a range."""
    bound = criterion.value
    if isinstance(bound, tuple):
        return None
    comparisons = {
        "<": value < bound, "<=": value <= bound, ">": value > bound, ">=": value >= bound,
        "==": value == bound,
    }
    return comparisons[criterion.comparator]


def drug_name(ctx: Context, therapy_id: str) -> str:
    """The INN a plan line uses for a knowledge-base therapy."""
    return ctx.kb.therapies[therapy_id].name


def dose_parts(result: dosing.DoseResult, therapy_id: str) -> tuple[Dose | None, Because, list[Warning]]:
    """A computed dose, or no dose with the reason in ``because`` and a warning saying what is missing."""
    if isinstance(result, Dose):
        return result, {}, []
    because: Because = {"no_dose": result.reason, "missing": list(result.missing)}
    warning = Warning(
        code=f"no_dose:{therapy_id}", severity="warning", message=str(result), because=because,
    )
    return None, because, [warning]


def propose(
    ctx: Context,
    therapy_id: str,
    *,
    category: Category,
    action: Action,
    statements: list[Statement],
    text: str,
    because: Because,
    dose: dosing.DoseResult | None = None,
    line_id: str | None = None,
) -> Iterator[Line]:
    """One recommendation line for ``therapy_id`` (with its dose, or why there is none)."""
    planned, no_dose, warnings = dose_parts(dose, therapy_id) if dose is not None else (None, {}, [])
    yield from warnings
    yield Recommendation(
        id=line_id or f"{category}-{therapy_id}-{action}",
        category=category,
        action=action,
        drug=drug_name(ctx, therapy_id),
        dose=planned,
        strength=strength_of(statements, action),
        text=text,
        because={**because, **no_dose},
        cites=ids(statements),
        certainty=certainty_of(statements),
    )


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
