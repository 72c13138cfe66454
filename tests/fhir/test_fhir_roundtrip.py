"""Each example patient -> its Bundle in examples/fhir/ -> the same record (canonical values)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lncare.fhir.export import to_bundle
from lncare.model import Patient, load_patient

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FILES = sorted(EXAMPLES.glob("*.json"))
AS_OF = date(2026, 11, 27)


def canonical(patient: Patient) -> dict[str, Any]:
    data = patient.model_dump(mode="json", exclude={"notes"})
    # A lab's given unit may be spelled differently (mmHg vs mm[Hg]); its canonical value may not change.
    data["labs"] = [
        {k: lab[k] for k in ("test", "date", "canonical_value", "canonical_unit")} for lab in data["labs"]
    ]
    return data


def test_every_example_has_a_bundle() -> None:
    assert sorted(p.name for p in (EXAMPLES / "fhir").glob("*.json")) == [p.name for p in FILES]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_bundle_reads_back_as_the_example(path: Path) -> None:
    original = load_patient(path, as_of=AS_OF)
    from_fhir = load_patient(EXAMPLES / "fhir" / path.name, as_of=AS_OF)
    assert canonical(from_fhir) == canonical(original)
    assert from_fhir.notices == original.notices  # nothing in an exported Bundle is ignored


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_committed_bundle_is_in_step_with_the_example(path: Path) -> None:
    committed = json.loads((EXAMPLES / "fhir" / path.name).read_text(encoding="utf-8"))
    assert committed == to_bundle(load_patient(path)), "run: python -m lncare.fhir.export"
