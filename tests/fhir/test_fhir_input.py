"""Bundles and CDS Hooks prefetch objects: what is read, what is reported as ignored, and bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fhir_samples import (
    LOINC,
    PATIENT,
    RXNORM,
    SNOMED,
    SUBJECT,
    bundle,
    concept,
    condition,
    observation,
    statement,
)

from lncare.cli import main
from lncare.errors import InputError
from lncare.fhir import load_fhir, read_bundle
from lncare.model import load_patient


def test_load_patient_accepts_a_bundle() -> None:
    patient = load_patient(bundle(observation("14682-9", 97.24, "umol/L"), statement("5521")))
    assert patient.id == "t1" and patient.sex == "female"
    assert patient.labs[0].canonical == pytest.approx(1.1)  # 97.24 umol/L / 88.4 (KDIGO factor)
    assert patient.medications[0].drug == "hydroxychloroquine"


def test_unknown_codes_are_reported_not_dropped() -> None:
    sodium = observation("2951-2", 140, "mmol/L", rid="na")
    found = read_bundle(
        bundle(sodium, statement("999999", rid="m9"), {"resourceType": "Encounter", "id": "e1"})
    )
    assert {(i.resource, i.code) for i in found.ignored} == {
        ("Observation/na", f"{LOINC}|2951-2"),
        ("MedicationStatement/m9", f"{RXNORM}|999999"),
        ("Encounter/e1", "(no coding)"),
    }
    patient, ignored = load_fhir(bundle(sodium))
    assert patient.labs == () and len(ignored) == 1
    assert any("Observation/na" in notice for notice in patient.notices)


def test_prefetch_with_null_searchset_and_operation_outcome() -> None:
    prefetch = {
        "patient": PATIENT,
        "labs": {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [{"resource": observation("2890-2", 3.4, "g/g")}],
        },
        "meds": None,
        "conditions": {"resourceType": "OperationOutcome", "id": "oo"},
    }
    found = read_bundle(prefetch)
    assert [lab["test"] for lab in found.record["labs"]] == ["upcr"]
    assert [i.resource for i in found.ignored] == ["OperationOutcome/oo"]


def test_product_code_rolls_up_and_taper_dosages_become_rows() -> None:
    request: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": "mr",
        "status": "active",
        "intent": "order",
        "subject": SUBJECT,
        "medicationReference": {"reference": "Medication/tac"},
        "dosageInstruction": [
            {
                "timing": {
                    "repeat": {
                        "frequency": 1,
                        "period": 1,
                        "periodUnit": "d",
                        "boundsPeriod": {"start": "2026-01-01", "end": "2026-01-31"},
                    }
                },
                "route": concept(SNOMED, "26643006"),
                "doseAndRate": [{"doseQuantity": {"value": 4, "code": "mg"}}],
            },
            {
                "timing": {
                    "repeat": {
                        "frequency": 2,
                        "period": 1,
                        "periodUnit": "d",
                        "boundsPeriod": {"start": "2026-02-01"},
                    }
                },
                "route": concept(SNOMED, "26643006"),
                "doseAndRate": [{"doseQuantity": {"value": 2, "code": "mg"}}],
            },
        ],
    }
    medication = {"resourceType": "Medication", "id": "tac", "code": concept(RXNORM, "1664464")}
    rows = read_bundle(bundle(request, medication)).record["medications"]
    assert [(r["drug"], r["dose"], r["frequency"], r["start"], r["end"]) for r in rows] == [
        ("tacrolimus", 4.0, "daily", "2026-01-01", "2026-01-31"),
        ("tacrolimus", 2.0, "bid", "2026-02-01", None),
    ]


def test_inactive_condition_is_ignored_and_latest_weight_wins() -> None:
    inactive = condition(
        SNOMED,
        "38341003",
        clinicalStatus=concept("http://terminology.hl7.org/CodeSystem/condition-clinical", "resolved"),
    )
    older = observation("29463-7", 150, "[lb_av]", day="2025-01-01", rid="w0")
    newer = observation("29463-7", 61, "kg", day="2026-01-01", rid="w1")
    found = read_bundle(bundle(inactive, older, newer))
    assert found.record["conditions"] == [] and found.record["weight_kg"] == 61
    assert "not a current condition" in found.ignored[0].reason


BAD: list[tuple[str, dict[str, Any], str]] = [
    (
        "unknown lab unit",
        bundle(observation("2160-0", 1.1, "mmol/L", rid="cr")),
        "Observation/cr.valueQuantity.code",
    ),
    (
        "no unit",
        bundle({**observation("2160-0", 1.1, "mg/dL", rid="cr"), "valueQuantity": {"value": 1.1}}),
        "Observation/cr.valueQuantity.code",
    ),
    (
        "weight in stone",
        bundle(observation("29463-7", 9, "[stone_av]", rid="w")),
        "Observation/w.valueQuantity.code",
    ),
    (
        "dose in tablets",
        bundle(statement("5521", unit="{tbl}", rid="hcq")),
        "MedicationStatement/hcq.dosage[0].doseAndRate[0].doseQuantity.code",
    ),
    (
        "unknown route",
        bundle(statement("5521", route="78421000", rid="hcq")),
        "MedicationStatement/hcq.dosage[0].route",
    ),
    (
        "unknown schedule",
        bundle(statement("5521", repeat={"frequency": 1, "period": 3, "periodUnit": "d"}, rid="hcq")),
        "MedicationStatement/hcq.dosage[0].timing.repeat",
    ),
    (
        "other patient",
        bundle({**observation("2160-0", 1.1, "mg/dL", rid="cr"), "subject": {"reference": "Patient/x"}}),
        "Observation/cr.subject.reference",
    ),
    ("no patient", {"resourceType": "Bundle", "type": "collection", "entry": []}, "Bundle.entry"),
    (
        "gender other",
        {"resourceType": "Bundle", "entry": [{"resource": {**PATIENT, "gender": "other"}}]},
        "Patient/t1.gender",
    ),
    (
        "partial birth date",
        {"resourceType": "Bundle", "entry": [{"resource": {**PATIENT, "birthDate": "1990"}}]},
        "Patient/t1.birthDate",
    ),
    (
        "bad ISN/RPS class",
        bundle(
            {
                "resourceType": "Observation",
                "id": "b",
                "subject": SUBJECT,
                "code": concept("https://lncare.org/fhir/CodeSystem/lncare", "kidney-biopsy"),
                "effectiveDateTime": "2026-01-01",
                "valueCodeableConcept": concept("https://lncare.org/fhir/CodeSystem/isn-rps-class", "VII"),
            }
        ),
        "Observation/b.valueCodeableConcept",
    ),
]


@pytest.mark.parametrize(("case", "data", "field"), BAD, ids=[case for case, _, _ in BAD])
def test_bad_bundle_is_an_input_error_naming_the_resource(
    case: str, data: dict[str, Any], field: str
) -> None:
    with pytest.raises(InputError) as caught:
        load_patient(data)
    assert caught.value.field == field


def test_cli_reads_a_bundle_and_rejects_a_bad_one(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import json

    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(bundle(observation("2160-0", 1.1, "mg/dL"))), encoding="utf-8")
    bad.write_text(json.dumps(BAD[0][1]), encoding="utf-8")
    for path, expected in ((good, 0), (bad, 2)):
        with pytest.raises(SystemExit) as exited:
            main(["patient", "check", str(path), "--as-of", "2026-11-27"])
        assert (exited.value.code or 0) == expected
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Observation/cr.valueQuantity.code" in err
