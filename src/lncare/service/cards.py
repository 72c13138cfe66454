"""CDS Hooks cards (2.0.1): the card types, and a plan turned into the patient-view cards.

Card rules followed here (domain/interop.md 1.6): ``summary`` one sentence under 140 characters;
``indicator`` info | warning | critical; ``source`` with a label and the URL of the knowledge-base
statement behind the card; a ``uuid`` on every card so feedback can name it. One card per problem: the
problem's key (e.g. the plan warning's code) makes its uuid, and a second card for the same key is
dropped. Everything here is a pure function of its arguments (no clock, no network).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lncare.model.patient import Patient
from lncare.model.plan import Plan, Recommendation, Warning
from lncare.model.units import LAB_TESTS

Indicator = Literal["info", "warning", "critical"]
# CDS Hooks 2.0.1 Card.summary: "one-sentence, <140-character summary message".
SUMMARY_MAX = 139
# Where the REST API shows one knowledge-base item (statement, definition, therapy, reference) by id.
KB_PATH = "/api/kb/"
# Card uuids are UUIDv5 of hookInstance + problem key: the same call gives the same uuids (a retried
# request yields the same cards, so feedback stays idempotent) and no two problems share one.
CARD_NAMESPACE = uuid.UUID("6f1c2a4e-4b8e-5d0e-9a59-2f3c8d7e1b10")
# Plan warnings with their own gap card; the status card speaks of glucocorticoid exposure as well.
GAP_WARNINGS = ("hcq_dose_above_ceiling", "gc_above_target")
# Plan lines that are a gap in themselves: no HCQ, no RAAS blockade with proteinuria or hypertension.
GAP_LINES = {"hcq-start": "No hydroxychloroquine", "raas-blockade": "No RAAS blockade"}


class CdsModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def to_json(self) -> dict[str, Any]:
        """The JSON CDS Hooks expects: optional fields without a value are left out (spec, 1.3)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class Coding(CdsModel):
    system: str
    code: str
    display: str | None = None


class Source(CdsModel):
    label: str
    url: str | None = None


class Action(CdsModel):
    type: Literal["create", "update", "delete"]
    description: str
    resource: dict[str, Any] | None = None
    resource_id: str | None = Field(default=None, alias="resourceId")


class Suggestion(CdsModel):
    label: str
    uuid: str | None = None
    is_recommended: bool | None = Field(default=None, alias="isRecommended")
    actions: tuple[Action, ...] | None = None


class Link(CdsModel):
    label: str
    url: str
    type: Literal["absolute", "smart"]


class Card(CdsModel):
    uuid: str
    summary: str = Field(max_length=SUMMARY_MAX)
    detail: str | None = None
    indicator: Indicator
    source: Source
    suggestions: tuple[Suggestion, ...] | None = None
    selection_behavior: Literal["at-most-one", "any"] | None = Field(default=None, alias="selectionBehavior")
    override_reasons: tuple[Coding, ...] | None = Field(default=None, alias="overrideReasons")
    links: tuple[Link, ...] | None = None


def card_uuid(hook_instance: str, key: str) -> str:
    """The uuid of the card for problem ``key`` in one hook call."""
    return str(uuid.uuid5(CARD_NAMESPACE, f"{hook_instance}/{key}"))


def short(text: str) -> str:
    """``text`` as a summary: whole if it fits, else cut at a word and ended with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= SUMMARY_MAX:
        return text
    cut = text[: SUMMARY_MAX - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def source_for(cites: Sequence[str], base_url: str, fallback: str = "lncare") -> Source:
    """Source naming the first statement cited, with its URL on this service; ``fallback`` when none."""
    if not cites:
        return Source(label=fallback)
    label = f"lncare: {cites[0]}" + (f" (+{len(cites) - 1} more)" if len(cites) > 1 else "")
    return Source(label=label, url=f"{base_url.rstrip('/')}{KB_PATH}{cites[0]}")


def unique(cards: Iterable[Card]) -> list[Card]:
    """Cards with distinct uuids (one per problem), first kept, most urgent first."""
    seen: set[str] = set()
    kept = []
    for card in cards:
        if card.uuid not in seen:
            seen.add(card.uuid)
            kept.append(card)
    order = {"critical": 0, "warning": 1, "info": 2}
    return sorted(kept, key=lambda card: order[card.indicator])


def patient_view_cards(
    plan: Plan, patient: Patient, *, base_url: str, hook_instance: str, plan_url: str
) -> list[Card]:
    """The LN status card (linking to ``plan_url``, the full plan), then one card per gap or warning."""
    cards = [status_card(plan, base_url=base_url, hook_instance=hook_instance, plan_url=plan_url)]
    cards.extend(gap_cards(plan, base_url=base_url, hook_instance=hook_instance))
    overdue = overdue_card(plan, patient, base_url=base_url, hook_instance=hook_instance)
    if overdue is not None:
        cards.append(overdue)
    return unique(cards)


def status_card(plan: Plan, *, base_url: str, hook_instance: str, plan_url: str) -> Card:
    """Where the patient stands: phase, renal response, glucocorticoid exposure against the target."""
    a = plan.assessment
    weeks = f" week {a.weeks_on_treatment:.0f}" if a.weeks_on_treatment is not None else ""
    response = a.renal_response.status.replace("_", " ")
    parts = [f"LN {a.phase.replace('_', ' ')}{weeks}", f"renal response {response}"]
    gc = a.glucocorticoids
    above = any(w.code == "gc_above_target" for w in plan.warnings)
    if gc is not None and gc.current_mg_per_day > 0:
        parts.append(f"prednisone {gc.current_mg_per_day:g} mg/day, {'above' if above else 'within'} target")
    elif gc is not None:
        parts.append("no oral glucocorticoid")
    cites = a.renal_response.cites or tuple(c for r in plan.recommendations for c in r.cites)
    detail = [f"As of {plan.as_of.isoformat()}, guideline profile `{plan.guideline}`."]
    if a.renal_response.reason:
        detail.append(f"Response not assessable: {a.renal_response.reason}.")
    if gc is not None:
        detail.append(f"Glucocorticoid: cumulative {gc.cumulative_mg:g} mg prednisone equivalent, "
                      f"{gc.weeks_above_5:g} weeks above 5 mg/day.")
    if a.missing:
        detail.append("Missing: " + ", ".join(a.missing) + ".")
    detail.extend(f"- {r.text}" for r in plan.recommendations)
    return Card(
        uuid=card_uuid(hook_instance, "ln-status"),
        summary=short("; ".join(parts)),
        detail="\n".join(detail),
        indicator="info",
        source=source_for(cites, base_url),
        links=(Link(label="Full lncare plan", url=plan_url, type="absolute"),),
    )


def gap_cards(plan: Plan, *, base_url: str, hook_instance: str) -> Iterator[Card]:
    """No HCQ, HCQ above 5 mg/kg/day, glucocorticoid above target, no RAAS blockade, and the plan's other
    warnings of severity warning or critical, one card each. A warning and a stop line about the same
    drug are one problem: the warning's card (first, more urgent or equal) stands for both."""
    stopped = {line.drug for line in plan.recommendations if line.action == "stop" and line.drug}
    for warning in plan.warnings:
        if warning.code in GAP_WARNINGS or warning.severity != "info":
            drug = next((d for d in sorted(stopped) if d in warning.message.lower()), None)
            key = f"drug:{drug}" if drug else f"warning:{warning.code}"
            yield _warning_card(warning, plan, base_url, card_uuid(hook_instance, key))
    for line in plan.recommendations:
        if line.id in GAP_LINES and line.action == "start":
            yield _line_card(line, GAP_LINES[line.id], base_url, card_uuid(hook_instance, f"line:{line.id}"))
        elif line.action == "stop" and line.drug:
            yield _line_card(line, "Stop", base_url, card_uuid(hook_instance, f"drug:{line.drug}"))


def _line_card(line: Recommendation, title: str, base_url: str, card_id: str) -> Card:
    dose = f" ({line.dose.amount:g} {line.dose.unit} {line.dose.frequency})" if line.dose else ""
    text = line.text.removeprefix(f"{title} ") if title == "Stop" else line.text
    return Card(
        uuid=card_id,
        summary=short(f"{title}: {text}{dose}"),
        detail=f"{line.text}{dose}\n\nBecause: {_facts(line.because)}",
        indicator="warning",
        source=source_for(line.cites, base_url),
    )


def _warning_card(warning: Warning, plan: Plan, base_url: str, card_id: str) -> Card:
    # The plan line that answers the warning (lower HCQ, taper the glucocorticoid) belongs on its card.
    answer = {"hcq_dose_above_ceiling": "hcq-decrease", "gc_above_target": "gc-taper"}.get(warning.code)
    lines = [r for r in plan.recommendations if r.id == answer]
    detail = [warning.message, f"Because: {_facts(warning.because)}"]
    detail.extend(f"Next: {r.text}" + (f" ({r.dose.basis})" if r.dose else "") for r in lines)
    sources = tuple(warning.because.get("sources", ()))
    cites = warning.cites or tuple(c for r in lines for c in r.cites) or sources
    return Card(
        uuid=card_id,
        summary=short(warning.message),
        detail="\n\n".join(detail),
        indicator=warning.severity,
        source=source_for(cites, base_url),
    )


def overdue_tests(plan: Plan, patient: Patient) -> list[tuple[str, date | None, float]]:
    """(test, last date or None, interval in weeks) of each lab the plan monitors that is past due.

    Only tests the record can hold (lab tests of :mod:`lncare.model.units`) are judged; a test never
    measured is overdue. Examinations the record has no field for (retinal exam, bone density) are not.
    """
    overdue = []
    for item in plan.monitoring:
        if item.test not in LAB_TESTS:
            continue
        last = patient.latest(item.test, plan.as_of)
        when = last.date if last is not None else None
        if when is None or (plan.as_of - when).days > item.every_weeks * 7:
            overdue.append((item.test, when, item.every_weeks))
    return overdue


def overdue_card(plan: Plan, patient: Patient, *, base_url: str, hook_instance: str) -> Card | None:
    """One card for all monitoring past due, or None."""
    overdue = overdue_tests(plan, patient)
    if not overdue:
        return None
    names = ", ".join(test for test, _, _ in overdue)
    rows = [
        f"- {test}: every {weeks:g} weeks; last {when.isoformat() if when else 'never on record'}"
        for test, when, weeks in overdue
    ]
    due = {test for test, _, _ in overdue}
    cites = tuple(dict.fromkeys(c for m in plan.monitoring if m.test in due for c in m.cites))
    sources = tuple(sorted({s for m in plan.monitoring if m.test in due
                           for s in m.because.get("sources", ())}))
    return Card(
        uuid=card_uuid(hook_instance, "monitoring-overdue"),
        summary=short(f"Monitoring overdue: {names}"),
        detail="\n".join(rows),
        indicator="warning",
        source=source_for(cites or sources, base_url, fallback="lncare monitoring"),
    )


def _facts(because: dict[str, Any]) -> str:
    shown = [f"{key} = {value}" for key, value in because.items() if key != "sources" and value is not None]
    return "; ".join(shown) or "see the plan"
