"""order-select / order-sign checks of draft MedicationRequests.

Expected answers come from the sources, not the code: mycophenolate is contraindicated in pregnancy
(ACR 2020 reproductive health); HCQ at most 5 mg/kg/day of actual weight (AAO 2016) and 400 mg/day
(EULAR 2023); calcineurin inhibitors not started at eGFR <= 45 (KDIGO 2024); tacrolimus not with
cyclosporine (Prograf label); HCQ needs a baseline retinal examination (AAO 2016).
"""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lncare.engine import context
from lncare.errors import InputError
from lncare.service.cards import Card
from lncare.service.orders import draft_orders, order_cards

EXAMPLES = Path(__file__).parents[2] / "examples"
AS_OF = date(2026, 11, 27)
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
# RxNorm ingredients (interop.md 2.3): HCQ 5521, MMF 68149, tacrolimus 42316, cyclosporine 3008.
HCQ, MMF, TACROLIMUS, CYCLOSPORINE = "5521", "68149", "42316", "3008"
ORAL = {"coding": [{"system": "http://snomed.info/sct", "code": "26643006"}]}  # SNOMED oral route


def order(rid: str, rxcui: str, mg: float | None, per_day: int = 1) -> dict[str, Any]:
    dosage: dict[str, Any] = {"timing": {"repeat": {"frequency": per_day, "period": 1, "periodUnit": "d"}},
                              "route": ORAL}
    if mg is not None:
        dosage["doseAndRate"] = [{"doseQuantity": {"value": mg, "unit": "mg",
                                                   "system": "http://unitsofmeasure.org", "code": "mg"}}]
    return {"resourceType": "MedicationRequest", "id": rid, "status": "draft", "intent": "order",
            "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": rxcui}]},
            "dosageInstruction": [dosage]}


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


def cards_for(example: str, drafts: dict[str, Any], selections: list[str] | None = None) -> list[Card]:
    ctx = context(EXAMPLES / f"{example}.json", AS_OF)
    orders = draft_orders(drafts, AS_OF, selections)
    return order_cards(ctx, orders, base_url="https://cds.test", hook_instance="h")


def test_mmf_in_pregnancy_is_critical_with_removal_of_the_draft() -> None:
    cards = cards_for("p07-pregnant-active-ln", bundle(order("m1", MMF, 1000, per_day=2)))
    (card,) = [c for c in cards if c.indicator == "critical"]
    assert "MedicationRequest/m1" in card.summary and "pregnancy" in card.summary
    assert card.selection_behavior == "at-most-one" and card.override_reasons
    (suggestion,) = card.suggestions or ()
    (action,) = suggestion.actions or ()
    assert (action.type, action.resource_id) == ("delete", "MedicationRequest/m1")


def test_hcq_above_the_maximum_is_replaced_by_the_highest_allowed_dose() -> None:
    # p01 weighs 62 kg: 5 mg/kg/day = 310 mg, under the 400 mg cap; 200 mg tablets halved -> 300 mg.
    draft = order("h1", HCQ, 600)
    cards = cards_for("p01-class-iv-new", bundle(draft))
    (card,) = [c for c in cards if "above the maximum" in c.summary]
    assert card.indicator == "warning"
    assert "600 mg/day" in card.summary and "5 mg/kg/day (310 mg/day at 62 kg)" in card.summary
    (suggestion,) = card.suggestions or ()
    (action,) = suggestion.actions or ()
    assert action.type == "update" and action.resource is not None
    fixed = action.resource
    assert fixed["id"] == "h1"
    assert fixed["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 300
    unchanged = copy.deepcopy(fixed)
    unchanged["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] = \
        draft["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]
    assert unchanged == draft  # nothing else of the order changed
    assert draft["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 600


def test_a_dose_within_the_maximum_gives_no_dose_card_and_a_baseline_retinal_exam_reminder() -> None:
    cards = cards_for("p01-class-iv-new", bundle(order("h1", HCQ, 300)))
    assert not any("above the maximum" in c.summary for c in cards)
    assert any("retinal_exam" in c.summary for c in cards)


def test_tacrolimus_at_egfr_35_is_barred() -> None:
    cards = cards_for("p09-reduced-egfr-35", bundle(order("t1", TACROLIMUS, 2, per_day=2)))
    (card,) = [c for c in cards if c.indicator == "critical"]
    assert "eGFR" in card.summary and "MedicationRequest/t1" in card.summary


def test_cyclosporine_on_top_of_tacrolimus_is_barred() -> None:
    cards = cards_for("p04-class-iii-v-multitarget", bundle(order("c1", CYCLOSPORINE, 100, per_day=2)))
    (card,) = [c for c in cards if c.indicator == "critical"]
    assert "tacrolimus" in card.summary


def test_order_select_checks_only_the_selected_order_and_tolerates_a_missing_dose() -> None:
    drafts = bundle(order("h1", HCQ, 600), order("m1", MMF, None))
    cards = cards_for("p07-pregnant-active-ln", drafts, selections=["MedicationRequest/m1"])
    assert cards and all("MedicationRequest/m1" in c.summary for c in cards)
    assert any(c.indicator == "critical" for c in cards)


def test_a_drug_lncare_does_not_know_gives_no_card() -> None:
    assert cards_for("p01-class-iv-new", bundle(order("x1", "999999999", 10))) == []


def test_draft_orders_must_be_a_bundle() -> None:
    with pytest.raises(InputError) as err:
        draft_orders([order("h1", HCQ, 300)], AS_OF)
    assert err.value.field == "context.draftOrders"
