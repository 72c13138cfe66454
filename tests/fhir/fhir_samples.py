"""Small FHIR resources for the adapter tests, written by hand (not by lncare's exporter)."""

from __future__ import annotations

from typing import Any

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
ISN_RPS = "https://lncare.org/fhir/CodeSystem/isn-rps-class"
LNCARE = "https://lncare.org/fhir/CodeSystem/lncare"

PATIENT = {"resourceType": "Patient", "id": "t1", "gender": "female", "birthDate": "1990-04-01"}
SUBJECT = {"reference": "Patient/t1"}


def concept(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in (PATIENT, *resources)],
    }


def observation(
    code: str, value: float, unit: str, day: str = "2026-10-01", rid: str = "o1", system: str = LOINC
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": concept(system, code),
        "subject": SUBJECT,
        "effectiveDateTime": day,
        "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
    }


def statement(
    rxcui: str,
    dose: float = 200,
    unit: str = "mg",
    route: str = "26643006",
    repeat: dict[str, Any] | None = None,
    rid: str = "m1",
) -> dict[str, Any]:
    return {
        "resourceType": "MedicationStatement",
        "id": rid,
        "status": "active",
        "subject": SUBJECT,
        "medicationCodeableConcept": concept(RXNORM, rxcui),
        "effectivePeriod": {"start": "2026-01-05"},
        "dosage": [
            {
                "timing": {"repeat": repeat or {"frequency": 1, "period": 1, "periodUnit": "d"}},
                "route": concept(SNOMED, route),
                "doseAndRate": [{"doseQuantity": {"value": dose, "system": UCUM, "code": unit}}],
            }
        ],
    }


def condition(system: str, code: str, rid: str = "c1", **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": rid,
        "subject": SUBJECT,
        "code": concept(system, code),
        **extra,
    }
