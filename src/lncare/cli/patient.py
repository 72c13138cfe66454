"""``lncare patient ...``: load, check and describe patient records."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from lncare.cli.plan import parse_as_of
from lncare.model import Lab, Medication, Patient, load_patient, patient_json_schema

app = typer.Typer(help="Patient records: validate, convert units, export the JSON Schema.",
                  no_args_is_help=True)


@app.command()
def check(
    file: Annotated[Path, typer.Argument(help="Patient record (JSON, DESIGN.md contract 1).")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date of the assessment, YYYY-MM-DD (default: today).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Load and validate a record; show age, biopsy, latest labs, active medications and notices."""
    day = parse_as_of(as_of)
    patient = load_patient(file, as_of=day)
    facts = summary(patient, day)
    if as_json:
        typer.echo(json.dumps(facts, indent=2, ensure_ascii=False))
    else:
        typer.echo("\n".join(_text(patient, facts)))


@app.command()
def schema(
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of stdout.")] = None,
) -> None:
    """Print (or write) the JSON Schema of the patient record."""
    text = schema_text()
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")


def schema_text() -> str:
    """The JSON Schema as committed in docs/patient.schema.json."""
    return json.dumps(patient_json_schema(), indent=2, ensure_ascii=False) + "\n"


def summary(patient: Patient, as_of: date) -> dict[str, Any]:
    """What ``check --json`` prints: the loaded record plus what it says on ``as_of``."""
    latest = {
        test: _lab_facts(lab)
        for test in sorted({lab.test for lab in patient.labs})
        if (lab := patient.latest(test, as_of)) is not None
    }
    return {
        "as_of": as_of.isoformat(),
        "age": patient.age_at(as_of),
        "latest_labs": latest,
        "active_medications": [m.model_dump(mode="json") for m in patient.active_medications(as_of)],
        "notices": list(patient.notices),
        "patient": patient.model_dump(mode="json"),
    }


def _lab_facts(lab: Lab) -> dict[str, Any]:
    return {
        "date": lab.date.isoformat(),
        "canonical_value": lab.canonical,
        "canonical_unit": lab.canonical_unit,
        "value": lab.value,
        "unit": lab.unit,
    }


def _text(patient: Patient, facts: dict[str, Any]) -> list[str]:
    lines = [f"Patient {patient.id}: {patient.sex}, {facts['age']} years on {facts['as_of']}"]
    body = [
        f"weight {patient.weight_kg:g} kg" if patient.weight_kg is not None else "weight missing",
        f"height {patient.height_cm:g} cm" if patient.height_cm is not None else "height missing",
        f"pregnancy {patient.pregnancy}",
    ]
    lines.append("  " + ", ".join(body))
    lines.append(f"Biopsy: {_biopsy_text(patient)}")
    lines.append("Latest labs (canonical unit; as given):")
    for test, lab in facts["latest_labs"].items():
        lines.append(
            f"  {test:<18} {lab['canonical_value']:>9.4g} {lab['canonical_unit']:<17} "
            f"({lab['value']:g} {lab['unit']}, {lab['date']})"
        )
    if not facts["latest_labs"]:
        lines.append("  none")
    active = patient.active_medications(date.fromisoformat(facts["as_of"]))
    lines.append(f"Active medications on {facts['as_of']}:")
    lines.extend(f"  {_medication_text(m)}" for m in active)
    if not active:
        lines.append("  none")
    lines.append(f"Conditions: {', '.join(patient.conditions) or 'none'}")
    lines.append(f"Allergies: {', '.join(patient.allergies) or 'none'}")
    if patient.notices:
        lines.append("Notices:")
        lines.extend(f"  - {notice}" for notice in patient.notices)
    return lines


def _biopsy_text(patient: Patient) -> str:
    biopsy = patient.biopsy
    if biopsy is None:
        return "none recorded"
    parts = [f"{biopsy.date.isoformat()} class {'+'.join(biopsy.classes)}"]
    if biopsy.activity_index is not None:
        parts.append(f"activity index {biopsy.activity_index}/24")
    if biopsy.chronicity_index is not None:
        parts.append(f"chronicity index {biopsy.chronicity_index}/12")
    if biopsy.crescents_percent is not None:
        parts.append(f"crescents {biopsy.crescents_percent:g}%")
    if biopsy.tma is not None:
        parts.append("TMA" if biopsy.tma else "no TMA")
    return ", ".join(parts)


def _medication_text(m: Medication) -> str:
    return f"{m.drug} {m.dose:g} {m.unit} {m.frequency} {m.route} since {m.start.isoformat()}"
