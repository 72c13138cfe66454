"""An lncare patient record written as a FHIR R4 Bundle (type ``collection``), coded the way the adapter
reads it, so the example patients exist in both forms and stay in step.

``python -m lncare.fhir.export [EXAMPLES_DIR] [OUT_DIR]`` writes ``examples/fhir/<name>.json`` for every
``examples/<name>.json``. ``notes`` are free text and have no FHIR home; they are not exported.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from lncare.errors import InputError
from lncare.fhir import codes as c
from lncare.model.labs import Lab
from lncare.model.load import load_patient
from lncare.model.patient import Patient
from lncare.model.units import LAB_TESTS, canonical_unit_spelling

Resource = dict[str, Any]


def to_bundle(patient: Patient) -> Resource:
    """The Bundle for one validated patient record."""
    if patient.birth_date is None:
        raise InputError(
            "birth_date", None, "is needed for a FHIR Patient (a record with only age cannot be exported)"
        )
    pid = patient.id
    resources: list[Resource] = [
        {
            "resourceType": "Patient",
            "id": pid,
            "gender": patient.sex,
            "birthDate": patient.birth_date.isoformat(),
        }
    ]
    subject = {"reference": f"Patient/{pid}"}
    last_day = max([lab.date for lab in patient.labs], default=patient.birth_date).isoformat()
    resources += _body(patient, subject, last_day)
    resources += _pregnancy(patient, subject, last_day)
    if patient.biopsy is not None:
        resources.append(_biopsy(patient, subject))
    resources += _labs(patient, subject)
    for i, med in enumerate(patient.medications):
        dosage: Resource = {
            "timing": {"repeat": _timing(med.frequency)},
            "route": _concept(c.SNOMED, c.EXPORT_ROUTE[med.route]),
            "doseAndRate": [{"doseQuantity": _quantity(med.dose, med.unit)}],
        }
        period = {"start": med.start.isoformat(), **({"end": med.end.isoformat()} if med.end else {})}
        resources.append(
            {
                "resourceType": "MedicationStatement",
                "id": f"{pid}-med-{i}",
                "status": "active" if med.end is None else "completed",
                "medicationCodeableConcept": {
                    **_concept(c.RXNORM, c.EXPORT_RXNORM[med.drug]),
                    "text": med.drug,
                },
                "subject": subject,
                "effectivePeriod": period,
                "dosage": [dosage],
            }
        )
    for i, name in enumerate(patient.conditions):
        snomed = c.EXPORT_CONDITION_SNOMED.get(name)
        code = _concept(c.SNOMED, snomed) if snomed else _concept(c.LNCARE_CONDITION, name)
        resources.append(
            {
                "resourceType": "Condition",
                "id": f"{pid}-condition-{i}",
                "subject": subject,
                "clinicalStatus": _concept(
                    "http://terminology.hl7.org/CodeSystem/condition-clinical", "active"
                ),
                "code": code,
            }
        )
    for i, allergen in enumerate(patient.allergies):
        named: Resource = {"text": allergen}
        if allergen in c.EXPORT_RXNORM:
            named = {**_concept(c.RXNORM, c.EXPORT_RXNORM[allergen]), "text": allergen}
        resources.append(
            {
                "resourceType": "AllergyIntolerance",
                "id": f"{pid}-allergy-{i}",
                "patient": subject,
                "code": named,
            }
        )
    return {
        "resourceType": "Bundle",
        "id": f"{pid}-record",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:lncare:{r['resourceType']}/{r['id']}", "resource": r} for r in resources],
    }


def _concept(system: str, code: str) -> Resource:
    return {"coding": [{"system": system, "code": code}]}


def _quantity(value: float, unit: str, given: str | None = None) -> Resource:
    out: Resource = {"value": value, "system": c.UCUM, "code": unit}
    if given is not None and given != unit:
        out["unit"] = given
    return out


def _timing(frequency: str) -> Resource:
    if frequency == "once":
        return {"count": 1}
    n, period, unit = c.EXPORT_FREQUENCY[frequency]
    return {"frequency": n, "period": period, "periodUnit": unit}


def _observation(pid: str, name: str, code: Resource, subject: Resource, day: str, **value: Any) -> Resource:
    return {
        "resourceType": "Observation",
        "id": f"{pid}-{name}",
        "status": "final",
        "code": code,
        "subject": subject,
        "effectiveDateTime": day,
        **value,
    }


def _body(patient: Patient, subject: Resource, day: str) -> list[Resource]:
    # The record keeps one weight and height without a date; they are dated with its latest result.
    out = []
    if patient.weight_kg is not None:
        out.append(
            _observation(
                patient.id,
                "weight",
                _concept(c.LOINC, c.WEIGHT.code),
                subject,
                day,
                valueQuantity=_quantity(patient.weight_kg, "kg"),
            )
        )
    if patient.height_cm is not None:
        out.append(
            _observation(
                patient.id,
                "height",
                _concept(c.LOINC, c.HEIGHT.code),
                subject,
                day,
                valueQuantity=_quantity(patient.height_cm, "cm"),
            )
        )
    return out


def _pregnancy(patient: Patient, subject: Resource, day: str) -> list[Resource]:
    pid, state = patient.id, patient.pregnancy
    if state == "lactating":
        return [
            _observation(
                pid, "lactation", _concept(c.LNCARE, c.LACTATION.code), subject, day, valueBoolean=True
            )
        ]
    if state == "planning":
        value = next(k for k, v in c.PREGNANCY_VALUES.items() if v.target == "planning")
        return [
            _observation(
                pid,
                "pregnancy-intent",
                _concept(c.LOINC, c.PREGNANCY_INTENT.code),
                subject,
                day,
                valueCodeableConcept=_concept(c.SNOMED, value),
            )
        ]
    value = next(k for k, v in c.PREGNANCY_VALUES.items() if v.target == state)
    return [
        _observation(
            pid,
            "pregnancy-status",
            _concept(c.LOINC, c.PREGNANCY_STATUS.code),
            subject,
            day,
            valueCodeableConcept=_concept(c.SNOMED, value),
        )
    ]


def _biopsy(patient: Patient, subject: Resource) -> Resource:
    biopsy = patient.biopsy
    assert biopsy is not None
    components = []
    for code, item in c.BIOPSY_COMPONENTS.items():
        value = getattr(biopsy, item.target)
        if value is None:
            continue
        if isinstance(value, bool):
            typed: Resource = {"valueBoolean": value}
        elif isinstance(value, int):
            typed = {"valueInteger": value}
        else:
            typed = {"valueQuantity": _quantity(value, "%")}
        components.append({"code": _concept(c.LNCARE, code), **typed})
    classes = {"coding": [{"system": c.ISN_RPS, "code": k} for k in biopsy.classes]}
    return _observation(
        patient.id,
        "biopsy",
        _concept(c.LNCARE, c.BIOPSY.code),
        subject,
        biopsy.date.isoformat(),
        valueCodeableConcept=classes,
        component=components,
    )


def _labs(patient: Patient, subject: Resource) -> list[Resource]:
    # Systolic and diastolic of one day go out as one panel with two components, as US Core writes BP.
    out: list[Resource] = []
    pressures: dict[str, dict[str, list[Lab]]] = {}
    for i, lab in enumerate(patient.labs):
        if lab.test in ("systolic_bp", "diastolic_bp"):
            pressures.setdefault(lab.date.isoformat(), {}).setdefault(lab.test, []).append(lab)
        else:
            out.append(
                _observation(
                    patient.id,
                    f"lab-{i}",
                    _concept(c.LOINC, _loinc(lab)),
                    subject,
                    lab.date.isoformat(),
                    valueQuantity=_lab_quantity(lab),
                )
            )
    for day, tests in pressures.items():
        systolic, diastolic = tests.get("systolic_bp", []), tests.get("diastolic_bp", [])
        for n in range(max(len(systolic), len(diastolic))):
            pair = [lab for lab in (systolic[n : n + 1] + diastolic[n : n + 1])]
            parts = [
                {"code": _concept(c.LOINC, _loinc(lab)), "valueQuantity": _lab_quantity(lab)} for lab in pair
            ]
            out.append(
                _observation(
                    patient.id,
                    f"bp-{day}-{n}",
                    _concept(c.LOINC, c.BP_PANEL.code),
                    subject,
                    day,
                    component=parts,
                )
            )
    return out


def _loinc(lab: Lab) -> str:
    spelled = canonical_unit_spelling(LAB_TESTS[lab.test], lab.unit)
    return c.EXPORT_LOINC.get((lab.test, spelled)) or c.EXPORT_LOINC[(lab.test, None)]


def _lab_quantity(lab: Lab) -> Resource:
    return _quantity(lab.value, canonical_unit_spelling(LAB_TESTS[lab.test], lab.unit), lab.unit)


def main(argv: list[str]) -> None:
    """Write a Bundle for every example patient."""
    source = Path(argv[0]) if argv else Path("examples")
    target = Path(argv[1]) if len(argv) > 1 else source / "fhir"
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob("*.json")):
        bundle = to_bundle(load_patient(path))
        (target / path.name).write_text(
            json.dumps(bundle, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
