"""Missing data and what each absence prevents; every example assesses under every profile."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from assess_cases import lab, patient, run

from lncare.engine.profile import PROFILES

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.json")
                  if "resourceType" not in json.loads(p.read_text(encoding="utf-8")))
FULL = [lab(t, v, "2026-01-01") for t, v in (
    ("upcr", 1.0), ("creatinine", 0.9), ("albumin", 4.0), ("c3", 90), ("c4", 20), ("anti_dsdna", 10),
    ("systolic_bp", 120), ("wbc", 6), ("platelets", 250))]
BIOPSY = {"date": "2025-12-20", "classes": ["IV"]}


def test_complete_record_misses_nothing() -> None:
    assert run(patient(FULL, [], biopsy=BIOPSY), "2026-01-02").missing == ()


def test_no_weight_prevents_weight_based_doses_and_hcq_per_kg() -> None:
    detail = {m.item: m.prevents for m in run(patient(FULL, [], biopsy=BIOPSY, weight_kg=None), "2026-01-02")
              .missing_detail}
    assert "HCQ mg/kg/day" in detail["weight_kg"]
    assert any("weight-based" in p for p in detail["weight_kg"])


def test_no_height_prevents_bsa_cyclophosphamide() -> None:
    detail = {m.item: m.prevents for m in run(patient(FULL, [], biopsy=BIOPSY, height_cm=None), "2026-01-02")
              .missing_detail}
    assert detail["height_cm"] == ("BSA-based cyclophosphamide dose",)  # an adult: CKD-EPI needs no height


def test_unknown_pregnancy_in_a_woman_of_reproductive_age() -> None:
    # WHO: women of reproductive age are 15-49
    def missing(birth: str, sex: str = "female") -> tuple[str, ...]:
        record = patient(FULL, [], biopsy=BIOPSY, pregnancy="unknown", birth_date=birth, sex=sex)
        return run(record, "2026-01-02").missing

    assert "pregnancy" in missing("1990-01-01")
    assert "pregnancy" in missing("1976-01-03")  # 49 on 2026-01-02
    assert "pregnancy" not in missing("1976-01-02")  # 50 that day
    assert "pregnancy" not in missing("1990-01-01", sex="male")


def test_stale_labs_count_as_missing_after_six_months() -> None:
    labs = [*FULL, lab("c3", 90, "2025-06-01")]
    a = run(patient([x for x in labs if x["test"] != "c3" or x["date"] == "2025-06-01"], [], biopsy=BIOPSY),
            "2026-01-02")
    assert "c3" in a.missing and "c4" not in a.missing


@pytest.mark.parametrize("guideline", PROFILES)
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_assesses(path: Path, guideline: str) -> None:
    a = run(str(path), date(2026, 11, 27), guideline)
    assert a.phase in ("untreated", "induction", "maintenance", "off_treatment")
    if a.renal_response.status == "not_assessable":
        assert a.renal_response.reason
    else:
        assert a.renal_response.cites
