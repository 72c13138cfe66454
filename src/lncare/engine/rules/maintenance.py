"""Maintenance immunosuppression after initial therapy, and how long it lasts.

Agents and durations come from the profile's maintenance statements (shared/domain/guidelines.md
section 5): EULAR MMF or azathioprine (azathioprine when pregnancy is planned), at least 3 years after
kidney response; KDIGO MPAA (rec 10.2.3.2.1), at least 36 months of therapy in total; ACR MPAA rather
than azathioprine after dual therapy with complete response, 3-5 years in total. Add-ons that continue
into maintenance are in ``add_on``; flares and refractory disease in ``refractory_flare``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from lncare.engine import dosing
from lncare.engine.context import Context
from lncare.engine.rules import Line, rule
from lncare.engine.rules.facts import course_troubled, isn_classes
from lncare.engine.rules.lines import drug_name, propose, unique
from lncare.knowledge.schema.statement import Statement
from lncare.model.plan import Action, Because

MMF = "mycophenolate-mofetil"
AZATHIOPRINE = "azathioprine"
AGENTS = (MMF, "mycophenolic-acid", AZATHIOPRINE)


def _statements(ctx: Context, therapy_id: str) -> list[Statement]:
    """Maintenance statements that name the agent or give its dose (EULAR 2019's dose statement)."""
    classes = isn_classes(ctx) & {"III", "IV", "V"}
    return unique((
        *ctx.profile.find(topic="maintenance", therapies=[therapy_id], classes=classes),
        *(s for s in ctx.profile.find(topic="maintenance") if any(d.drug == therapy_id for d in s.doses)),
    ))


def duration_text(ctx: Context) -> tuple[str, Because, list[Statement]]:
    """How long therapy lasts by the profile's duration statements, dated where the start is known."""
    start = ctx.assessment.induction_start
    parts: list[str] = []
    because: Because = {}
    statements = [s for s in ctx.profile.find(topic="maintenance") if s.duration is not None]
    for statement in statements:
        duration = statement.duration
        assert duration is not None
        span = " to ".join(
            f"{t.value:g} {t.unit}" for t in (duration.minimum, duration.maximum) if t is not None
        )
        if duration.counted_from == "treatment_start" and start is not None and duration.minimum:
            until = start + timedelta(weeks=duration.minimum.weeks)
            because["minimum_until"] = until.isoformat()
            parts.append(f"{span} of therapy in total (not before {until.isoformat()})")
        elif duration.counted_from == "treatment_start":
            parts.append(f"{span} of therapy in total")
        else:
            parts.append(f"at least {span} after kidney response")
    return "; ".join(parts), because, statements


def _preferred(ctx: Context) -> str:
    """The agent to start: azathioprine when pregnancy is planned and the profile names it, else MMF."""
    if ctx.patient.pregnancy in ("planning", "pregnant") and _statements(ctx, AZATHIOPRINE):
        return AZATHIOPRINE
    return MMF


@rule(implements=[
    "eular2019-text-maintenance", "eular2019-text-maintenance-doses", "eular2023-text-ln-duration",
    "kdigo2024-rec-10.2.3.2.1", "kdigo2024-pp-maintenance-duration", "acr2024-rec-dual-crr-mpaa",
    "acr2024-text-duration",
])
def maintenance_immunosuppression(ctx: Context) -> Iterator[Line]:
    """Maintenance phase: continue (or start) MPAA or azathioprine for the profile's minimum duration."""
    a = ctx.assessment
    if a.phase != "maintenance" or course_troubled(ctx):
        return
    duration, duration_because, duration_statements = duration_text(ctx)
    taken = [t for t in AGENTS if ctx.takes(t) is not None]
    base: Because = {
        "phase": a.phase, "weeks_on_treatment": a.weeks_on_treatment,
        "renal_response": a.renal_response.status, **duration_because,
    }
    preferred = _preferred(ctx)
    # A planned pregnancy brings azathioprine in beside a current MPAA (which safety then stops).
    if not taken or (preferred == AZATHIOPRINE and preferred not in taken):
        taken.append(preferred)
    for therapy_id in taken:
        statements = _statements(ctx, therapy_id)
        if not statements:
            continue
        medication = ctx.takes(therapy_id)
        action: Action = "continue" if medication is not None else "start"
        because = dict(base)
        if medication is not None:
            because["current"] = f"{medication.dose:g} {medication.unit} {medication.frequency}"
        dose_statement = next((s for s in statements if any(d.drug == therapy_id for d in s.doses)), None)
        yield from propose(
            ctx, therapy_id, category="maintenance", action=action,
            statements=[*statements, *duration_statements], because=because,
            dose=dosing.dose_for(ctx, therapy_id, "maintenance", statement=dose_statement),
            text=f"{action.capitalize()} {drug_name(ctx, therapy_id)} for maintenance"
                 + (f": {duration}." if duration else "."),
        )
