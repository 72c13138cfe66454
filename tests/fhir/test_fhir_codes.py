"""Every code in lncare's FHIR table maps to what the sources say it means (one test per code).

The expected meanings are typed here from shared/domain/interop.md section 2 (LOINC 2.1, SNOMED CT 2.2,
RxNorm 2.3), DICOM CID 11 (routes), DICOM CID 6096 and US Core (pregnancy status and intent), not read
from lncare.fhir.codes; a code added to the table without an entry here fails the coverage test.
"""

from __future__ import annotations

from typing import Any

import pytest
from fhir_samples import (
    ISN_RPS,
    LNCARE,
    LOINC,
    RXNORM,
    SNOMED,
    SUBJECT,
    bundle,
    concept,
    condition,
    observation,
    statement,
)

from lncare.fhir import codes, read_bundle

# A unit each lab test accepts, for building an Observation (DESIGN.md contract 1 units table).
UNIT = {
    "upcr": "mg/g",
    "uacr": "mg/g",
    "protein_24h": "g/(24.h)",
    "creatinine": "mg/dL",
    "egfr": "mL/min/{1.73_m2}",
    "cystatin_c": "mg/L",
    "albumin": "g/dL",
    "c3": "mg/dL",
    "c4": "mg/dL",
    "anti_dsdna": "[IU]/mL",
    "hemoglobin": "g/dL",
    "wbc": "10*9/L",
    "lymphocytes": "10*9/L",
    "neutrophils": "10*9/L",
    "platelets": "10*9/L",
    "urine_rbc": "/[HPF]",
    "systolic_bp": "mm[Hg]",
    "diastolic_bp": "mm[Hg]",
    "igg": "g/L",
    "hcq_blood_level": "ng/mL",
    "tacrolimus_trough": "ng/mL",
    "potassium": "mmol/L",
}

EXPECTED: list[tuple[str, str, str, str]] = [  # (system, code, kind, meaning)
    (LOINC, "2890-2", "lab", "upcr"),
    (LOINC, "34366-5", "lab", "upcr"),
    (LOINC, "2889-4", "lab", "protein_24h"),
    (LOINC, "9318-7", "lab", "uacr"),
    (LOINC, "32294-1", "lab", "uacr"),
    (LOINC, "2160-0", "lab", "creatinine"),
    (LOINC, "14682-9", "lab", "creatinine"),
    (LOINC, "98979-8", "lab", "egfr"),
    (LOINC, "98980-6", "lab", "egfr"),
    (LOINC, "62238-1", "lab", "egfr"),
    (LOINC, "33863-2", "lab", "cystatin_c"),
    (LOINC, "1751-7", "lab", "albumin"),
    (LOINC, "4485-9", "lab", "c3"),
    (LOINC, "4498-2", "lab", "c4"),
    (LOINC, "5130-0", "lab", "anti_dsdna"),
    (LOINC, "718-7", "lab", "hemoglobin"),
    (LOINC, "6690-2", "lab", "wbc"),
    (LOINC, "731-0", "lab", "lymphocytes"),
    (LOINC, "26474-7", "lab", "lymphocytes"),
    (LOINC, "777-3", "lab", "platelets"),
    (LOINC, "13945-1", "lab", "urine_rbc"),
    (LOINC, "8480-6", "lab", "systolic_bp"),
    (LOINC, "8462-4", "lab", "diastolic_bp"),
    (LOINC, "95921-3", "lab", "hcq_blood_level"),
    (LOINC, "11253-2", "lab", "tacrolimus_trough"),
    (LOINC, "2823-3", "lab", "potassium"),
    (LOINC, "2465-3", "lab", "igg"),
    (LOINC, "751-8", "lab", "neutrophils"),
    (LOINC, "29463-7", "weight", "weight_kg"),
    (LOINC, "8302-2", "height", "height_cm"),
    (LOINC, "85354-9", "bp_panel", "systolic_bp"),
    (LOINC, "82810-3", "pregnancy_code", "pregnant"),
    (LOINC, "86645-9", "intent_code", "planning"),
    (LNCARE, "lactating", "lactation", "lactating"),
    (SNOMED, "77386006", "pregnancy_value", "pregnant"),
    (SNOMED, "60001007", "pregnancy_value", "none"),
    (SNOMED, "261665006", "pregnancy_value", "unknown"),
    (SNOMED, "454411000124108", "intent_value", "planning"),
    (LNCARE, "kidney-biopsy", "biopsy", "IV"),
    (LNCARE, "activity-index", "biopsy_part", "activity_index"),
    (LNCARE, "chronicity-index", "biopsy_part", "chronicity_index"),
    (LNCARE, "crescents-percent", "biopsy_part", "crescents_percent"),
    (LNCARE, "tma", "biopsy_part", "tma"),
    (SNOMED, "73286009", "who", "I"),
    (SNOMED, "4676006", "who", "II"),
    (SNOMED, "76521009", "who", "III"),
    (SNOMED, "36402006", "who", "IV"),
    (SNOMED, "52042003", "who", "V"),
    (SNOMED, "11013005", "who", "VI"),
    (SNOMED, "55464009", "lupus", "lupus"),
    (SNOMED, "68815009", "lupus", "lupus"),
    (SNOMED, "308751000119106", "lupus", "lupus"),
    (SNOMED, "197608009", "lupus", "lupus"),
    (SNOMED, "295111000119108", "lupus", "lupus"),
    (SNOMED, "307755009", "lupus", "lupus"),
    (SNOMED, "38341003", "condition", "hypertension"),
    (SNOMED, "73211009", "condition", "diabetes"),
    (SNOMED, "46177005", "condition", "esrd"),
    (SNOMED, "433146000", "condition", "esrd"),
    (SNOMED, "236435004", "condition", "esrd+dialysis"),
    (RXNORM, "5521", "drug", "hydroxychloroquine"),
    (RXNORM, "8640", "drug", "prednisone"),
    (RXNORM, "8638", "drug", "prednisolone"),
    (RXNORM, "6902", "drug", "methylprednisolone"),
    (RXNORM, "68149", "drug", "mycophenolate mofetil"),
    (RXNORM, "72436", "drug", "mycophenolic acid"),
    (RXNORM, "3002", "drug", "cyclophosphamide"),
    (RXNORM, "1256", "drug", "azathioprine"),
    (RXNORM, "42316", "drug", "tacrolimus"),
    (RXNORM, "3008", "drug", "cyclosporine"),
    (RXNORM, "1092437", "drug", "belimumab"),
    (RXNORM, "974779", "drug", "obinutuzumab"),
    (RXNORM, "121191", "drug", "rituximab"),
    (RXNORM, "27169", "drug", "leflunomide"),
    (RXNORM, "1488564", "drug", "dapagliflozin"),
    (RXNORM, "1545653", "drug", "empagliflozin"),
    (RXNORM, "52175", "drug", "losartan"),
    (RXNORM, "29046", "drug", "lisinopril"),
    (RXNORM, "1191", "drug", "aspirin"),
    (RXNORM, "35296", "drug", "ramipril"),
    (RXNORM, "3827", "drug", "enalapril"),
    (RXNORM, "83818", "drug", "irbesartan"),
    (RXNORM, "17767", "drug", "amlodipine"),
    (RXNORM, "6809", "drug", "metformin"),
    (RXNORM, "1664464", "drug", "tacrolimus"),
    (RXNORM, "104384", "drug", "ramipril"),
    (SNOMED, "26643006", "route", "oral"),
    (SNOMED, "47625008", "route", "iv"),
    (SNOMED, "34206005", "route", "sc"),
]


def test_every_code_in_the_table_has_an_independent_expectation() -> None:
    table = {(code.system, code.code) for code in codes.all_codes()}
    assert table == {(system, code) for system, code, _, _ in EXPECTED}


def _resources(system: str, code: str, kind: str, meaning: str) -> list[dict[str, Any]]:
    day = {"effectiveDateTime": "2026-10-01", "subject": SUBJECT, "status": "final"}
    biopsy = {
        "resourceType": "Observation",
        "id": "b1",
        "code": concept(LNCARE, "kidney-biopsy"),
        **day,
        "valueCodeableConcept": concept(ISN_RPS, "IV"),
    }
    if kind == "lab":
        return [observation(code, 1.0, UNIT[meaning], system=system)]
    if kind in ("weight", "height"):
        return [observation(code, 60.0 if kind == "weight" else 160.0, "kg" if kind == "weight" else "cm")]
    if kind == "bp_panel":
        part = {"code": concept(LOINC, "8480-6"), "valueQuantity": {"value": 120, "code": "mm[Hg]"}}
        return [
            {
                "resourceType": "Observation",
                "id": "bp",
                "code": concept(system, code),
                **day,
                "component": [part],
            }
        ]
    if kind in ("pregnancy_code", "intent_code", "pregnancy_value", "intent_value"):
        loinc = code if kind.endswith("_code") else ("86645-9" if kind == "intent_value" else "82810-3")
        value = (
            ("77386006" if kind == "pregnancy_code" else "454411000124108")
            if kind.endswith("_code")
            else code
        )
        return [
            {
                "resourceType": "Observation",
                "id": "p",
                "code": concept(LOINC, loinc),
                **day,
                "valueCodeableConcept": concept(SNOMED, value),
            }
        ]
    if kind == "lactation":
        return [
            {
                "resourceType": "Observation",
                "id": "l",
                "code": concept(system, code),
                **day,
                "valueBoolean": True,
            }
        ]
    if kind == "biopsy":
        return [biopsy]
    if kind == "biopsy_part":
        value: dict[str, Any] = {"valueBoolean": True} if code == "tma" else {"valueInteger": 3}
        return [{**biopsy, "component": [{"code": concept(system, code), **value}]}]
    if kind in ("who", "lupus", "condition"):
        return [condition(system, code, onsetDateTime="2026-09-01")]
    if kind == "drug":
        return [statement(code)]
    return [statement("5521", route=code)]


@pytest.mark.parametrize(
    ("system", "code", "kind", "meaning"),
    EXPECTED,
    ids=[f"{s.split('/')[-1]}|{c}" for s, c, _, _ in EXPECTED],
)
def test_code_maps_to_its_meaning(system: str, code: str, kind: str, meaning: str) -> None:
    found = read_bundle(bundle(*_resources(system, code, kind, meaning)))
    record = found.record
    if kind in ("lab", "bp_panel"):
        assert [lab["test"] for lab in record["labs"]] == [meaning]
    elif kind in ("weight", "height"):
        assert meaning in record
    elif kind.startswith(("pregnancy", "intent")) or kind == "lactation":
        assert record["pregnancy"] == meaning
    elif kind == "biopsy":
        assert record["biopsy"]["classes"] == [meaning]
    elif kind == "biopsy_part":
        assert record["biopsy"][meaning] == (True if code == "tma" else 3)
    elif kind == "who":
        assert record["biopsy"] == {"date": "2026-09-01", "classes": [meaning]}
    elif kind == "lupus":
        assert [item.code for item in found.ignored] == [f"{system}|{code}"]
        assert "lupus diagnosis" in found.ignored[0].reason
    elif kind == "condition":
        assert record["conditions"] == meaning.split("+")
    elif kind == "drug":
        assert [m["drug"] for m in record["medications"]] == [meaning]
    else:
        assert [m["route"] for m in record["medications"]] == [meaning]
    if kind != "lupus":
        assert found.ignored == ()


def test_unverified_codes_are_marked_and_sourced() -> None:
    # interop.md marks mycophenolic acid 72436 unverified; potassium/IgG/neutrophils are not in it at all.
    marked = {code.code for code in codes.all_codes() if not code.verified}
    assert {"72436", "2823-3", "2465-3", "751-8"} <= marked
    assert all(code.source for code in codes.all_codes())
