"""patient-view cards from a plan: the CDS Hooks card rules (interop.md 1.6) and the LN gaps they show.

Expected findings come from the guidelines, not from the code: every patient with LN takes HCQ (EULAR 2023
rec 1, KDIGO 2024 rec 10.2.1.1); HCQ at most 5 mg/kg/day of actual body weight (AAO 2016); prednisone at
most 5 mg/day by 6 months (EULAR 2023); RAAS blockade for hypertension in LN (KDIGO 2024 PP 10.2.1.1).
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from lncare.engine import recommend
from lncare.model.load import load_patient
from lncare.model.patient import Patient
from lncare.model.plan import MonitoringItem, Plan
from lncare.service.cards import Card, overdue_tests, patient_view_cards, short

EXAMPLES = Path(__file__).parents[2] / "examples"
BASE = "https://cds.example.org"
AS_OF = date(2026, 11, 27)
PLAN_URL = f"{BASE}/?plan=token"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _record(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    return data


def _cards(record: dict[str, Any], as_of: date = AS_OF, guideline: str = "eular2023",
           hook: str = "hook-1") -> tuple[list[Card], Plan, Patient]:
    patient = load_patient(record, as_of=as_of)
    plan = recommend(patient, as_of, guideline)
    cards = patient_view_cards(plan, patient, base_url=BASE, hook_instance=hook, plan_url=PLAN_URL)
    return cards, plan, patient


def _spec_valid(cards: list[Card]) -> None:
    assert cards, "the status card is always there"
    for card in cards:
        body = card.to_json()
        assert len(body["summary"]) < 140
        assert body["indicator"] in ("info", "warning", "critical")
        assert body["source"]["label"]
        assert UUID.match(body["uuid"])
        assert not any(value in (None, "", [], {}) for value in body.values())
    assert len({card.uuid for card in cards}) == len(cards)


def test_every_example_gives_spec_valid_cards_with_one_status_card() -> None:
    for path in sorted(EXAMPLES.glob("p*.json")):
        cards, _, _ = _cards(_record(path.stem))
        _spec_valid(cards)
        status = [c for c in cards if c.summary.startswith("LN ")]
        assert len(status) == 1, path.stem
        assert status[0].links and status[0].links[0].url == PLAN_URL


def test_no_hcq_is_a_warning_citing_the_statement_on_the_service() -> None:
    cards, _, _ = _cards(_record("p01-class-iv-new"))  # untreated, no hydroxychloroquine on record
    (card,) = [c for c in cards if c.summary.startswith("No hydroxychloroquine")]
    assert card.indicator == "warning"
    assert card.source.url is not None
    assert re.fullmatch(rf"{BASE}/api/kb/[a-z0-9.\-]+", card.source.url)


def test_hcq_above_5_mg_per_kg_is_a_card() -> None:
    record = _record("p12-obese-on-hcq")
    record["weight_kg"] = 50.0
    for med in record["medications"]:
        if med["drug"] == "hydroxychloroquine":
            med["dose"] = 400  # 8 mg/kg/day at 50 kg, above AAO 2016's 5 mg/kg/day
    cards, _, _ = _cards(record)
    (card,) = [c for c in cards if "Hydroxychloroquine" in c.summary and "mg/kg/day" in c.summary]
    assert "8.0 mg/kg/day" in card.summary
    assert card.detail is not None and "Next: Lower hydroxychloroquine" in card.detail


def test_prednisone_above_5_mg_after_6_months_is_a_card_and_the_status_says_so() -> None:
    # p03 takes prednisone 7.5 mg/day since 2026-11-13, induction from August 2026: in March 2027 it is
    # past 6 months, when EULAR 2023 asks for at most 5 mg/day.
    cards, _, _ = _cards(_record("p03-class-iii-induction"), as_of=date(2027, 3, 15))
    assert any(c.summary.startswith("Glucocorticoid 7.5 mg/day") and c.indicator == "warning" for c in cards)
    (status,) = [c for c in cards if c.summary.startswith("LN ")]
    assert "prednisone 7.5 mg/day, above target" in status.summary
    at_week_14, _, _ = _cards(_record("p03-class-iii-induction"))
    assert not any(c.summary.startswith("Glucocorticoid") for c in at_week_14)


def test_no_raas_blockade_with_hypertension_is_a_card() -> None:
    record = _record("p12-obese-on-hcq")  # hypertension, on enalapril
    record["medications"] = [m for m in record["medications"] if m["drug"] != "enalapril"]
    cards, _, _ = _cards(record, guideline="kdigo2024")
    assert [c.indicator for c in cards if c.summary.startswith("No RAAS blockade")] == ["warning"]
    with_acei, _, _ = _cards(_record("p12-obese-on-hcq"), guideline="kdigo2024")
    assert not any(c.summary.startswith("No RAAS blockade") for c in with_acei)


def test_a_drug_to_stop_is_one_card_not_two() -> None:
    # Planning pregnancy on MMF: a warning and a stop line say the same; MMF needs 6 weeks off before
    # conception (ACR 2020 reproductive health).
    cards, _, _ = _cards(_record("p08-planning-pregnancy-on-mmf"))
    about_mmf = [c for c in cards if "mycophenolate" in c.summary.lower()]
    assert len(about_mmf) == 1
    assert about_mmf[0].indicator == "critical"


def test_card_ids_repeat_for_the_same_call_and_differ_between_calls() -> None:
    first, _, _ = _cards(_record("p01-class-iv-new"), hook="a")
    again, _, _ = _cards(_record("p01-class-iv-new"), hook="a")
    other, _, _ = _cards(_record("p01-class-iv-new"), hook="b")
    assert [c.uuid for c in first] == [c.uuid for c in again]
    assert not {c.uuid for c in first} & {c.uuid for c in other}


def test_monitoring_is_overdue_when_never_done_or_older_than_its_interval() -> None:
    patient = load_patient(_record("p03-class-iii-induction"), as_of=AS_OF)
    _, plan, _ = _cards(_record("p03-class-iii-induction"))
    last_upcr = patient.series("upcr", AS_OF)[-1][0]
    items = (
        MonitoringItem(test="upcr", every_weeks=1.0, cites=("acr2024-rec-monitor-not-crr",)),
        MonitoringItem(test="tacrolimus_trough", every_weeks=4.0),  # never measured
        MonitoringItem(test="retinal_exam", every_weeks=52.0),  # not a record field: not judged
    )
    judged = plan.model_copy(update={"monitoring": items, "as_of": last_upcr + timedelta(days=8)})
    found = [(test, weeks) for test, _, weeks in overdue_tests(judged, patient)]
    assert found == [("upcr", 1.0), ("tacrolimus_trough", 4.0)]
    on_time = judged.model_copy(update={"as_of": last_upcr + timedelta(days=7), "monitoring": items[:1]})
    assert overdue_tests(on_time, patient) == []
    cards = patient_view_cards(judged, patient, base_url=BASE, hook_instance="h", plan_url=PLAN_URL)
    (card,) = [c for c in cards if c.summary.startswith("Monitoring overdue")]
    assert card.summary == "Monitoring overdue: upcr, tacrolimus_trough"
    assert card.source.url == f"{BASE}/api/kb/acr2024-rec-monitor-not-crr"


def test_short_keeps_a_summary_under_140_characters() -> None:
    assert short("a  b") == "a b"
    long = " ".join(["word"] * 60)
    assert len(short(long)) < 140 and short(long).endswith("…")
