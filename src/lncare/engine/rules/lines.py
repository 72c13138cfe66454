"""Building plan lines in rules: one recommendation per drug, with its strength, certainty and citations.

Every rule module builds its lines here, so a line's strength and certainty are read the same way for
every guideline statement behind it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from lncare.engine import dosing
from lncare.engine.context import Context
from lncare.engine.rules import Line
from lncare.knowledge.schema.statement import Statement
from lncare.model.plan import Action, Because, Category, Certainty, Dose, Recommendation, Strength, Warning

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


def usable(ctx: Context, statement_ids: Iterable[str]) -> list[Statement]:
    """The statements among ``statement_ids`` that this profile applies and a rule may rest on."""
    found = (ctx.profile.statement(i) for i in statement_ids)
    return [s for s in found if s is not None]


def grading(
    ctx: Context, statements: Sequence[Statement], action: Action
) -> tuple[Strength, tuple[str, ...], Certainty]:
    """(strength, cites, certainty) of a line resting on ``statements``: knowledge-base facts alone, so
    each profile works them out once per set of statements and action instead of once per patient."""
    key = ("grading", action, *(s.id for s in statements))
    return ctx.profile.derived(
        key, lambda: (strength_of(statements, action), ids(statements), certainty_of(statements))
    )


def drug_name(ctx: Context, therapy_id: str) -> str:
    """The INN a plan line uses for a knowledge-base therapy."""
    return ctx.kb.therapies[therapy_id].name


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
    """A recommendation citing ``statements`` (a drug-free line, or a drug line without a dose)."""
    graded, cites, certainty = grading(ctx, statements, action)
    return Recommendation.trusted(
        id=id,
        category=category,
        action=action,
        drug=drug,
        dose=None,
        text=text,
        because=dict(because),
        strength=strength or graded,
        cites=cites,
        certainty=certainty,
    )


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
    """One recommendation line for ``therapy_id`` (with its dose, or why there is none).

    A "continue" line carries the dose the patient takes: when the guideline's dose differs, the line says
    so in ``because`` rather than showing a new dose under the word "continue".
    """
    planned, no_dose, warnings = dose_parts(dose, therapy_id) if dose is not None else (None, {}, [])
    taken = ctx.takes(therapy_id) if action == "continue" and planned is not None else None
    if planned is not None and taken is not None and (
        (planned.amount, planned.frequency) != (taken.dose_mg, taken.frequency)
    ):
        because = {**because, "guideline_dose": f"{planned.amount:g} {planned.unit} {planned.frequency}: "
                   f"{planned.basis}"}
        # A prescription per kg or per m2 (a child's) stays as written: no adult mg dose under "continue".
        planned = None if taken.dose_mg is None else Dose(
            amount=taken.dose_mg, unit="mg", frequency=taken.frequency, route=taken.route,
            basis="the patient's current prescription (the guideline's dose is under 'because')",
        )
    yield from warnings
    strength, cites, certainty = grading(ctx, statements, action)
    yield Recommendation.trusted(
        id=line_id or f"{category}-{therapy_id}-{action}",
        category=category,
        action=action,
        drug=drug_name(ctx, therapy_id),
        dose=planned,
        strength=strength,
        text=text,
        because={**because, **no_dose},
        cites=cites,
        certainty=certainty,
    )
