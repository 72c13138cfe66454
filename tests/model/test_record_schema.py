"""docs/patient.schema.json is the schema generated from the model, byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

from lncare.cli.patient import schema_text
from lncare.model import patient_json_schema

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "patient.schema.json"


def test_committed_schema_equals_the_generated_one() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        "regenerate with: lncare patient schema --out docs/patient.schema.json"
    )
    assert json.loads(COMMITTED.read_text(encoding="utf-8")) == patient_json_schema()


def test_schema_closes_the_record_and_lists_vocabularies() -> None:
    schema = patient_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert schema["properties"]["sex"]["enum"] == ["female", "male"]
    lab = schema["$defs"]["Lab"]
    assert lab["additionalProperties"] is False
    assert "upcr" in lab["properties"]["test"]["enum"]
    assert schema["required"] == ["id", "sex"]
