"""order-select and order-sign: check each draft MedicationRequest against the patient, and suggest a fix.

A draft order is read with the FHIR adapter's medication reader (RxNorm product codes rolled up to the
ingredient). The drug is then put to the engine's safety review as if the plan proposed it, so the same
facts bar it here as in a plan: pregnancy and lactation, eGFR limits, lab limits, allergy, contraindicated
conditions, interactions and one drug per class (:mod:`lncare.engine.safety`). On top of that, for the
order itself: a dose above the therapy's usable maximum (knowledge base ``max_dose`` with its sources),
baseline tests missing before a first dose (``screening``) and interactions that call for care only.

Suggestions replace the draft: a dose above the maximum gets an ``update`` with the same MedicationRequest
at the highest dose the limit allows; a drug the patient must not receive gets a ``delete`` of the draft.
Each card names the MedicationRequest it is about (CDS Hooks cards cannot point at one; interop.md 1.10).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from lncare.engine import safety
from lncare.engine.context import Context
from lncare.engine.dosing import ADMINISTRATIONS_PER_DAY
from lncare.engine.kidney_function import current_egfr
from lncare.errors import InputError
from lncare.fhir import codes as c
from lncare.fhir.elements import Where, codings
from lncare.fhir.medications import ingredient, read_medication
from lncare.knowledge.schema.therapy import DoseLimit, Therapy
from lncare.model.plan import Recommendation
from lncare.model.units import LAB_TESTS
from lncare.service.cards import Action, Card, Coding, Suggestion, card_uuid, short, source_for

# lncare's own code system for why a clinician overrode a card (CDS Hooks overrideReasons, 1.6).
OVERRIDE_SYSTEM = "https://lncare.org/fhir/CodeSystem/override-reason"
OVERRIDE_REASONS = (
    Coding(system=OVERRIDE_SYSTEM, code="benefit-outweighs-risk", display="Benefit outweighs the risk"),
    Coding(system=OVERRIDE_SYSTEM, code="record-incomplete", display="The record lncare read is incomplete"),
    Coding(system=OVERRIDE_SYSTEM, code="specialist-advice", display="Done on specialist advice"),
    Coding(system=OVERRIDE_SYSTEM, code="not-applicable", display="Does not apply to this patient"),
)
# Screening tests the record holds under another name: blood pressure as systolic BP, a blood count as WBC.
RECORD_TEST = {"blood_pressure": "systolic_bp", "cbc": "wbc"}
# Milligrams per unit of an ordered dose.
MG_PER_UNIT = {"mg": 1.0, "g": 1000.0}


@dataclass(frozen=True)
class DraftOrder:
    """A draft MedicationRequest: its reference, the resource, the ingredient and the dose row, if read."""

    reference: str
    resource: dict[str, Any]
    drug: str | None
    row: dict[str, Any] | None  # dose, unit, frequency, route; None while order-select has no dose yet


def draft_orders(bundle: Any, as_of: date, selections: Sequence[str] | None = None) -> list[DraftOrder]:
    """The MedicationRequests of ``context.draftOrders`` (only ``selections`` when given)."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise InputError("context.draftOrders", type(bundle).__name__, "must be a FHIR Bundle")
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise InputError("context.draftOrders.entry", entries, "must be a list")
    wanted = set(selections) if selections is not None else None
    orders = []
    for i, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            raise InputError(f"context.draftOrders.entry[{i}].resource", resource, "must be a FHIR resource")
        if resource.get("resourceType") != "MedicationRequest":
            continue
        reference = f"MedicationRequest/{resource.get('id')}"
        if wanted is None or reference in wanted:
            orders.append(_read(resource, reference, as_of))
    return orders


def _read(resource: dict[str, Any], reference: str, as_of: date) -> DraftOrder:
    where = Where(resource)
    concept = resource.get("medicationCodeableConcept")
    pairs = codings(concept, where, "medicationCodeableConcept") if concept is not None else []
    drug = next((name for system, code in pairs if system == c.RXNORM and (name := ingredient(code))), None)
    if drug is None:
        return DraftOrder(reference, resource, None, None)
    # A draft is not yet taken, so the reader (which reads taken medications) sees it as active from today.
    taken = {**resource, "status": "active", "authoredOn": resource.get("authoredOn", as_of.isoformat())}
    try:
        rows, _ = read_medication(taken, where, {})
    except InputError:
        return DraftOrder(reference, resource, drug, None)  # dose details not filled in yet
    return DraftOrder(reference, resource, drug, rows[0] if rows else None)


def order_cards(
    ctx: Context, orders: Sequence[DraftOrder], *, base_url: str, hook_instance: str
) -> list[Card]:
    """Every problem of every draft order, one card each, most urgent first."""
    cards = [
        card
        for order in orders
        if order.drug is not None and (therapy := ctx.therapy(order.drug)) is not None
        for card in _check(ctx, order, therapy, base_url, hook_instance)
    ]
    urgency = {"critical": 0, "warning": 1, "info": 2}
    return sorted(cards, key=lambda card: urgency[card.indicator])


def _check(ctx: Context, order: DraftOrder, therapy: Therapy, base_url: str, hook: str) -> Iterator[Card]:
    new = ctx.takes(therapy.id) is None
    proposed = Recommendation.trusted(
        id=f"draft-{order.reference}", category="supportive", action="start" if new else "continue",
        drug=therapy.name, dose=None, strength="recommended", text="draft order", because={},
        cites=(order.reference,), certainty="V",
    )
    review = safety.review(ctx, [proposed])
    ref = order.reference
    exclusion = review.excluded.get(therapy.id)
    if exclusion is not None:
        remove = Suggestion(
            label=f"Remove the draft order of {therapy.name}", uuid=card_uuid(hook, f"{ref}/remove"),
            actions=(Action(type="delete", description=f"Remove {ref}", resource_id=ref),),
        )
        yield _card(hook, f"{ref}/excluded", "critical", f"{therapy.name} ({ref}): {exclusion.reason}",
                    exclusion.reason, exclusion.cites or tuple(exclusion.because.get("sources", ())),
                    base_url, (remove,))
    for warning in review.warned.values():
        # Unconfirmed (certainty R) facts are for reviewers of the knowledge base, not for the prescriber.
        if _about(warning.code, warning.because, therapy) and not warning.code.startswith("unconfirmed-"):
            yield _card(hook, f"{ref}/warning:{warning.code}", warning.severity, f"{ref}: {warning.message}",
                        warning.message, warning.cites or tuple(warning.because.get("sources", ())), base_url)
    yield from _interactions(ctx, order, therapy, base_url, hook)
    if order.row is not None:
        yield from _dose(ctx, order, therapy, base_url, hook)
    if new:
        yield from _baseline(ctx, order, therapy, base_url, hook)


def _about(code: str, because: dict[str, Any], therapy: Therapy) -> bool:
    """Whether a safety warning concerns ``therapy`` (its code or its facts name it)."""
    named = [*because.get("combination", ()), *because.get("starting", ())]
    return code.endswith(f"-{therapy.id}") or f"-{therapy.id}-" in code or therapy.name in named


def _interactions(
    ctx: Context, order: DraftOrder, therapy: Therapy, base_url: str, hook: str
) -> Iterator[Card]:
    """Interactions with a drug taken now that call for care (adjusting, monitoring, separating doses)."""
    for other_id in ctx.current:
        other = ctx.kb.therapies.get(other_id)
        if other is None or other.id == therapy.id:
            continue
        facts = [i for i in therapy.interactions if i.partner == other.id] + [
            i for i in other.interactions if i.partner == therapy.id
        ]
        for fact in facts:
            if safety.usable(fact) and fact.action not in safety.BARRING_INTERACTIONS:
                text = f"{therapy.name} with {other.name} ({fact.action.replace('_', ' ')}): {fact.reason}"
                yield _card(hook, f"{order.reference}/interaction:{other.id}", "warning",
                            f"{order.reference}: {text}", text, tuple(fact.sources), base_url)
                break


def _dose(ctx: Context, order: DraftOrder, therapy: Therapy, base_url: str, hook: str) -> Iterator[Card]:
    """A dose above the therapy's usable maximum, with the same order at the highest dose allowed."""
    assert order.row is not None
    amount, unit, frequency = float(order.row["dose"]), str(order.row["unit"]), str(order.row["frequency"])
    weight = ctx.patient.weight_kg
    if unit == "mg/kg":
        if weight is None:
            return
        per_dose_mg = amount * weight
    elif unit in MG_PER_UNIT:
        per_dose_mg = amount * MG_PER_UNIT[unit]
    else:
        return  # per m2 doses: no usable limit in the knowledge base is per m2
    per_day = ADMINISTRATIONS_PER_DAY.get(frequency)
    exceeded: list[tuple[float, DoseLimit, float]] = []  # (allowed mg per dose, limit, its ceiling in mg)
    for limit in therapy.max_dose:
        if not safety.usable(limit) or limit.per == "lifetime" or (limit.per == "day" and per_day is None):
            continue
        ceiling = _ceiling_mg(limit, weight)
        if ceiling is None:
            text = f"{therapy.name}: no weight on record, so the maximum of {_limit(limit)} cannot be checked"
            yield _card(hook, f"{order.reference}/dose-unchecked", "warning", f"{order.reference}: {text}",
                        text, tuple(limit.sources), base_url)
            continue
        times = (per_day or 1) if limit.per == "day" else 1
        if per_dose_mg * times > ceiling + 1e-9:
            exceeded.append((ceiling / times, limit, ceiling))
    if not exceeded:
        return
    per_dose_cap, limit, ceiling = min(exceeded, key=lambda item: item[0])
    given = per_dose_mg * ((per_day or 1) if limit.per == "day" else 1)
    at = f" ({ceiling:g} mg/{limit.per} at {weight:g} kg)" if limit.unit == "mg/kg" and weight else ""
    maximum = f"{limit.amount:g} {limit.unit}/{limit.per}{at}"
    summary = f"{therapy.name} {given:g} mg/{limit.per} is above the maximum of {maximum}"
    allowed = _allowed_per_dose(therapy, str(order.row["route"]), per_dose_cap)
    suggestions: tuple[Suggestion, ...] = ()
    if allowed > 0:
        suggestions = (Suggestion(
            label=f"Change to {allowed:g} mg {frequency}",
            uuid=card_uuid(hook, f"{order.reference}/dose"),
            is_recommended=True,
            actions=(Action(type="update", description=f"{order.reference} at {allowed:g} mg {frequency}",
                            resource=_with_dose(order.resource, allowed)),),
        ),)
    detail = f"{summary}. Limit: {_limit(limit)}."
    yield _card(hook, f"{order.reference}/dose-above-maximum", "warning", f"{order.reference}: {summary}",
                detail, tuple(limit.sources), base_url, suggestions)


def _ceiling_mg(limit: DoseLimit, weight: float | None) -> float | None:
    if limit.unit == "mg/kg":
        return None if weight is None else limit.amount * weight
    return limit.amount * MG_PER_UNIT[limit.unit]


def _limit(limit: DoseLimit) -> str:
    return f"{limit.amount:g} {limit.unit}/{limit.per} ({', '.join(limit.sources)})"


def _allowed_per_dose(therapy: Therapy, route: str, ceiling_mg: float) -> float:
    """The largest dose at or under ``ceiling_mg`` in steps of the smallest usable strength, or half of
    it for a tablet, as the engine rounds a ceiling dose (lncare.engine.dosing; AAO 2016 lets HCQ tablets be
    halved or alternated); the whole mg when the knowledge base has no strength for the route."""
    forms = [f for f in therapy.formulations
             if safety.usable(f) and f.route == route and f.strength_mg is not None]
    smallest = min(forms, key=lambda f: f.strength_mg or 0.0) if forms else None
    if smallest is None or smallest.strength_mg is None:
        step = 1.0
    else:
        step = smallest.strength_mg / 2 if smallest.form == "tablet" else smallest.strength_mg
    return round(math.floor(ceiling_mg / step + 1e-9) * step, 2)


def _with_dose(resource: dict[str, Any], mg: float) -> dict[str, Any]:
    """The draft with every dosage's doseQuantity set to ``mg`` mg (UCUM), everything else kept."""
    fixed = copy.deepcopy(resource)
    for dosage in fixed.get("dosageInstruction", []):
        for amount in dosage.get("doseAndRate", []):
            if isinstance(amount, dict) and "doseQuantity" in amount:
                amount["doseQuantity"] = {"value": mg, "unit": "mg", "system": c.UCUM, "code": "mg"}
    return fixed


def _baseline(ctx: Context, order: DraftOrder, therapy: Therapy, base_url: str, hook: str) -> Iterator[Card]:
    """Tests the therapy asks for before the first dose: missing from the record, or not kept in it."""
    missing: list[str] = []
    unrecorded: list[str] = []
    sources: list[str] = []
    for item in therapy.screening:
        if not safety.usable(item):
            continue
        test = RECORD_TEST.get(item.test, item.test)
        if test == "egfr":
            known = current_egfr(ctx) is not None
        elif test in LAB_TESTS:
            known = ctx.latest(test) is not None
        else:
            unrecorded.append(item.test)
            sources.extend(item.sources)
            continue
        if not known:
            missing.append(item.test)
            sources.extend(item.sources)
    if not missing and not unrecorded:
        return
    parts = []
    if missing:
        parts.append("missing: " + ", ".join(missing))
    if unrecorded:
        parts.append("confirm done: " + ", ".join(unrecorded))
    text = f"Before the first dose of {therapy.name}: " + "; ".join(parts)
    yield _card(hook, f"{order.reference}/baseline", "warning" if missing else "info",
                f"{order.reference}: {text}", text, tuple(dict.fromkeys(sources)), base_url)


def _card(hook: str, key: str, indicator: str, summary: str, detail: str, cites: Sequence[str],
          base_url: str, suggestions: tuple[Suggestion, ...] = ()) -> Card:
    return Card.model_validate({
        "uuid": card_uuid(hook, key),
        "summary": short(summary),
        "detail": detail,
        "indicator": indicator,
        "source": source_for(cites, base_url),
        "suggestions": suggestions or None,
        "selectionBehavior": "at-most-one" if suggestions else None,
        "overrideReasons": OVERRIDE_REASONS,
    })
