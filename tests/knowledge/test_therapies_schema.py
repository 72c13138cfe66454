"""The Therapy schema refuses malformed facts and reports what it cites and links to."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from lncare.knowledge.schema.therapy import (
    DoseLimit,
    EgfrLimit,
    Fact,
    Interaction,
    LabLimit,
    Monitoring,
    Therapy,
)


def minimal(**extra: Any) -> dict[str, Any]:
    return {
        "id": "example-drug",
        "last_reviewed": "2026-11-27",
        "name": "example drug",
        "drug_class": "example class",
        "mechanism": "example mechanism",
        "availability": "marketed",
        **extra,
    }


def test_minimal_therapy_validates() -> None:
    t = Therapy.model_validate(minimal())
    assert list(t.cited_references()) == []
    assert list(t.links()) == []


@pytest.mark.parametrize("certainty", ["V", "S"])
def test_v_or_s_fact_needs_a_source(certainty: str) -> None:
    with pytest.raises(ValidationError, match="needs at least one source"):
        Fact.model_validate({"certainty": certainty})


def test_r_fact_may_lack_a_source() -> None:
    assert Fact.model_validate({"certainty": "R"}).sources == ()


def test_unknown_certainty_refused() -> None:
    with pytest.raises(ValidationError):
        Fact.model_validate({"certainty": "X", "sources": ["pmid:12345"]})


def test_bad_reference_id_refused() -> None:
    with pytest.raises(ValidationError):
        Fact.model_validate({"certainty": "V", "sources": ["PubMed 12345"]})


def test_interaction_needs_exactly_one_partner() -> None:
    base = {"severity": "major", "action": "avoid", "reason": "r", "certainty": "R"}
    with pytest.raises(ValidationError, match="exactly one"):
        Interaction.model_validate(base)
    with pytest.raises(ValidationError, match="exactly one"):
        Interaction.model_validate({**base, "partner": "tacrolimus", "partner_group": "CNIs"})
    assert Interaction.model_validate({**base, "partner": "tacrolimus"}).partner == "tacrolimus"


def test_lab_limit_uses_known_test_in_canonical_unit() -> None:
    base = {"comparison": ">", "threshold": 165, "phase": "start", "action": "do_not_start",
            "text": "t", "certainty": "R"}
    assert LabLimit.model_validate({**base, "measure": "systolic_bp", "unit": "mm[Hg]"}).threshold == 165
    with pytest.raises(ValidationError, match="not a lab test"):
        LabLimit.model_validate({**base, "measure": "neutrophil_count", "unit": "10*9/L"})
    with pytest.raises(ValidationError, match="canonical unit"):
        LabLimit.model_validate({**base, "measure": "creatinine", "unit": "umol/L"})


def test_monitoring_test_must_be_known() -> None:
    assert Monitoring.model_validate({"test": "egfr", "certainty": "R"}).test == "egfr"
    assert Monitoring.model_validate({"test": "retinal_exam", "certainty": "R"}).test == "retinal_exam"
    with pytest.raises(ValidationError, match="not a lab test"):
        Monitoring.model_validate({"test": "crystal_ball", "certainty": "R"})


def test_per_kg_limit_names_its_weight() -> None:
    base = {"amount": 5, "basis": "guideline", "certainty": "R"}
    with pytest.raises(ValidationError, match="weight_basis"):
        DoseLimit.model_validate({**base, "unit": "mg/kg"})
    with pytest.raises(ValidationError, match="weight_basis"):
        DoseLimit.model_validate({**base, "unit": "mg", "weight_basis": "actual"})
    assert DoseLimit.model_validate({**base, "unit": "mg/kg", "weight_basis": "actual"}).amount == 5


def test_egfr_fall_percent_bounded() -> None:
    base = {"comparison": "<", "threshold": 60, "phase": "ongoing", "action": "stop", "text": "t",
            "certainty": "R"}
    with pytest.raises(ValidationError):
        EgfrLimit.model_validate({**base, "fall_from_baseline_percent": 120})


def test_name_must_be_lowercase() -> None:
    with pytest.raises(ValidationError, match="lowercase"):
        Therapy.model_validate(minimal(name="Example Drug"))


def test_class_needs_members_and_drug_must_not_have_them() -> None:
    with pytest.raises(ValidationError, match="lists its members"):
        Therapy.model_validate(minimal(kind="drug_class"))
    with pytest.raises(ValidationError, match="only a drug_class"):
        Therapy.model_validate(minimal(members=[{"name": "lisinopril"}]))


def test_unknown_field_refused() -> None:
    with pytest.raises(ValidationError):
        Therapy.model_validate(minimal(dose="lots"))


def test_dose_range_must_be_ordered() -> None:
    step = {"amount": 1500, "amount_max": 1000, "unit": "mg", "frequency": "bid", "route": "oral"}
    regimen = {"id": "r", "label": "l", "setting": "induction", "basis": "studied", "certainty": "R",
               "steps": [step]}
    with pytest.raises(ValidationError, match="amount_max"):
        Therapy.model_validate(minimal(regimens=[regimen]))


def test_cited_references_and_links_collect_nested_items() -> None:
    t = Therapy.model_validate(
        minimal(
            references=["guideline:acr2024"],
            pregnancy={"status": "avoid", "certainty": "V", "sources": ["guideline:acr2020"]},
            regimens=[{"id": "r", "label": "l", "setting": "add_on", "basis": "studied", "certainty": "S",
                       "sources": ["pmid:33971155"], "combined_with": ["mycophenolate-mofetil"]}],
            interactions=[{"partner": "cyclophosphamide", "severity": "major", "action": "avoid",
                           "reason": "r", "certainty": "V", "sources": ["label:lupkynis-us"]}],
            members=[],
        )
    )
    assert set(t.cited_references()) == {
        "guideline:acr2024", "guideline:acr2020", "pmid:33971155", "label:lupkynis-us",
    }
    assert sorted(link.id for link in t.links()) == ["cyclophosphamide", "mycophenolate-mofetil"]
    assert {link.kind for link in t.links()} == {"therapy"}


def test_interaction_with_itself_refused() -> None:
    with pytest.raises(ValidationError, match="itself"):
        Therapy.model_validate(minimal(interactions=[
            {"partner": "example-drug", "severity": "major", "action": "avoid", "reason": "r",
             "certainty": "R"}]))
