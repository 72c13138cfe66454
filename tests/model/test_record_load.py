"""load_patient: the sources it reads and the errors it gives for files that are not patient records."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from lncare.errors import InputError
from lncare.model import Patient, load_patient

RECORD = {"id": "f-1", "sex": "male", "age": 40, "labs": [
    {"test": "creatinine", "value": 106.08, "unit": "umol/L", "date": "2026-10-01"}]}


def test_reads_a_dict_a_path_a_string_path_json_text_and_a_model(tmp_path: Path) -> None:
    path = tmp_path / "patient.json"
    path.write_text(json.dumps(RECORD), encoding="utf-8")
    sources = [RECORD, path, str(path), json.dumps(RECORD)]
    loaded = [load_patient(source) for source in sources]
    assert all(p == loaded[0] for p in loaded)
    assert load_patient(loaded[0]) is loaded[0]
    assert loaded[0].labs[0].canonical == pytest.approx(1.2)  # 106.08 / 88.4


def test_a_model_is_checked_again_when_an_as_of_is_given() -> None:
    patient = load_patient(RECORD)
    with pytest.raises(InputError) as caught:
        load_patient(patient, as_of=date(2026, 9, 1))
    assert caught.value.field == "labs[0].date"


def test_malformed_json_names_the_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "id": "x",\n  "sex": "female"\n  "age": 30\n}\n', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_patient(path)
    assert caught.value.field == f"{path}:4:3"
    assert "not valid JSON" in str(caught.value) and '"age": 30' in str(caught.value)


def test_truncated_json_text_is_reported_too() -> None:
    with pytest.raises(InputError) as caught:
        load_patient('{"id": "x", "sex": ')
    assert caught.value.field.startswith("record:1:") and "not valid JSON" in caught.value.reason


def test_missing_file() -> None:
    with pytest.raises(InputError) as caught:
        load_patient(Path("no/such/patient.json"))
    assert caught.value.field == "file" and "does not exist" in caught.value.reason


def test_top_level_must_be_an_object() -> None:
    with pytest.raises(InputError) as caught:
        load_patient("[1, 2]")
    assert caught.value.field == "record" and "JSON object" in caught.value.reason


def test_an_empty_fhir_bundle_is_refused_naming_what_is_missing() -> None:
    # A Bundle goes to the FHIR adapter (lncare.fhir); without a Patient resource there is no record.
    with pytest.raises(InputError) as caught:
        load_patient({"resourceType": "Bundle", "type": "collection", "entry": []})
    assert caught.value.field.startswith("Bundle.entry")
    assert "Patient" in caught.value.reason


def test_loaded_patients_are_immutable() -> None:
    patient = load_patient(RECORD)
    assert isinstance(patient, Patient)
    with pytest.raises(ValueError):
        patient.sex = "female"  # type: ignore[misc]
