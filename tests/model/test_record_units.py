"""Every accepted lab unit converts at load to hand-computed canonical values; the given value is kept.

Factors and where they come from (shared/domain/calculators.md section 3 unless noted):
- creatinine: 1 mg/dL = 88.4 umol/L (KDIGO 2012 CKD guideline, NIDDK; molar mass 113.12 g/mol).
- UPCR/UACR: 1 mmol creatinine = 113.12 mg, so 113.12 mg/mmol = 1 g/g; mg/g = mg/mmol x 8.84;
  mg/mg and g/g are the same number; 1000 mg/g = 1 g/g.
- 24-hour protein, albumin, hemoglobin: SI prefixes (1 g = 1000 mg; 1 g/dL = 10 g/L).
- C3, C4, IgG: 1 g/L = 100 mg/dL (SI prefixes).
- Blood counts: 10^3/uL = 10^9/L (1 uL = 10^-6 L). Potassium: 1 mEq/L = 1 mmol/L (monovalent ion).
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from lncare.model import load_patient
from lncare.model.units import LAB_TESTS

# (test, value, unit as typed, canonical value computed by hand, canonical unit)
CASES: list[tuple[str, float, str, float, str]] = [
    ("creatinine", 1.2, "mg/dL", 1.2, "mg/dL"),
    ("creatinine", 88.4, "umol/L", 1.0, "mg/dL"),
    ("creatinine", 176.8, "µmol/L", 2.0, "mg/dL"),
    ("upcr", 2.5, "g/g", 2.5, "g/g"),
    ("upcr", 500.0, "mg/g", 0.5, "g/g"),
    ("upcr", 1.7, "mg/mg", 1.7, "g/g"),
    ("upcr", 113.12, "mg/mmol", 1.0, "g/g"),
    ("upcr", 56.56, "mg/mmol", 0.5, "g/g"),
    ("uacr", 300.0, "mg/g", 300.0, "mg/g"),
    ("uacr", 11.312, "mg/mmol", 100.0, "mg/g"),  # 11.312 mg/mmol x 1000 mg/g / 113.12 mg/mmol
    ("protein_24h", 1.5, "g/(24.h)", 1.5, "g/(24.h)"),
    ("protein_24h", 2600.0, "mg/(24.h)", 2.6, "g/(24.h)"),
    ("protein_24h", 800.0, "mg/day", 0.8, "g/(24.h)"),
    ("protein_24h", 3.1, "g/24h", 3.1, "g/(24.h)"),
    ("egfr", 47.0, "mL/min/{1.73_m2}", 47.0, "mL/min/{1.73_m2}"),
    ("egfr", 47.0, "mL/min/1.73 m2", 47.0, "mL/min/{1.73_m2}"),
    ("cystatin_c", 1.3, "mg/L", 1.3, "mg/L"),
    ("albumin", 3.1, "g/dL", 3.1, "g/dL"),
    ("albumin", 35.0, "g/L", 3.5, "g/dL"),
    ("c3", 62.0, "mg/dL", 62.0, "mg/dL"),
    ("c3", 0.9, "g/L", 90.0, "mg/dL"),
    ("c4", 8.0, "mg/dL", 8.0, "mg/dL"),
    ("c4", 0.12, "g/L", 12.0, "mg/dL"),
    ("anti_dsdna", 210.0, "[IU]/mL", 210.0, "[IU]/mL"),
    ("anti_dsdna", 45.0, "IU/mL", 45.0, "[IU]/mL"),
    ("hemoglobin", 11.2, "g/dL", 11.2, "g/dL"),
    ("hemoglobin", 120.0, "g/L", 12.0, "g/dL"),
    ("wbc", 4.1, "10*9/L", 4.1, "10*9/L"),
    ("wbc", 6.3, "10*3/uL", 6.3, "10*9/L"),
    ("wbc", 5.0, "10^9/L", 5.0, "10*9/L"),
    ("lymphocytes", 0.8, "10*9/L", 0.8, "10*9/L"),
    ("lymphocytes", 1.1, "10*3/uL", 1.1, "10*9/L"),
    ("neutrophils", 1.4, "10*9/L", 1.4, "10*9/L"),
    ("neutrophils", 2.2, "10*3/uL", 2.2, "10*9/L"),
    ("platelets", 182.0, "10*9/L", 182.0, "10*9/L"),
    ("platelets", 240.0, "10*3/uL", 240.0, "10*9/L"),
    ("platelets", 240.0, "x10^3/uL", 240.0, "10*9/L"),
    ("urine_rbc", 25.0, "/[HPF]", 25.0, "/[HPF]"),
    ("urine_rbc", 12.0, "/HPF", 12.0, "/[HPF]"),
    ("systolic_bp", 148.0, "mm[Hg]", 148.0, "mm[Hg]"),
    ("diastolic_bp", 92.0, "mm[Hg]", 92.0, "mm[Hg]"),
    ("systolic_bp", 131.0, "mmHg", 131.0, "mm[Hg]"),
    ("igg", 12.0, "g/L", 12.0, "g/L"),
    ("igg", 1200.0, "mg/dL", 12.0, "g/L"),
    ("hcq_blood_level", 820.0, "ng/mL", 820.0, "ng/mL"),
    ("tacrolimus_trough", 5.8, "ng/mL", 5.8, "ng/mL"),
    ("potassium", 4.6, "mmol/L", 4.6, "mmol/L"),
    ("potassium", 4.6, "meq/L", 4.6, "mmol/L"),
    ("potassium", 5.1, "mEq/L", 5.1, "mmol/L"),
]


def _record(lab: dict[str, Any]) -> dict[str, Any]:
    return {"id": "u", "sex": "female", "birth_date": "1990-01-01", "labs": [lab]}


@pytest.mark.parametrize(("test", "value", "unit", "expected", "canonical"), CASES)
def test_lab_converts_to_canonical_and_keeps_what_was_given(
    test: str, value: float, unit: str, expected: float, canonical: str
) -> None:
    patient = load_patient(_record({"test": test, "value": value, "unit": unit, "date": "2026-09-18"}))
    lab = patient.labs[0]
    assert math.isclose(lab.canonical, expected, rel_tol=1e-12)
    assert lab.canonical_unit == canonical
    assert (lab.value, lab.unit) == (value, unit)


def test_every_accepted_unit_has_a_hand_computed_case() -> None:
    # A unit added to the table must come with a value computed outside the code.
    covered = {(test, unit) for test, _, unit, _, canonical in CASES if unit in LAB_TESTS[test].units}
    assert covered == {(name, unit) for name, test in LAB_TESTS.items() for unit in test.units}


def test_creatinine_in_umol_per_l_matches_the_kdigo_factor_on_a_real_value() -> None:
    # 97 umol/L / 88.4 = 1.0973 mg/dL (KDIGO factor); the record keeps 97 umol/L as typed.
    typed = {"test": "creatinine", "value": 97, "unit": "umol/L", "date": "2026-09-18"}
    patient = load_patient(_record(typed))
    dumped = patient.model_dump(mode="json")["labs"][0]
    assert dumped["value"] == 97 and dumped["unit"] == "umol/L"
    assert round(dumped["canonical_value"], 4) == 1.0973
