"""Lab tests, their canonical units, the units accepted at the border, and plausibility bars.

Inside lncare every lab value is in its test's canonical unit (DESIGN.md, "Units at the border").
Adapters call :func:`to_canonical`; an unknown unit is an :class:`~lncare.errors.InputError`, never a
guess. Unit spellings follow UCUM; the common plain spellings listed in ``ALIASES`` are accepted too.

Conversion factors and their sources:
- creatinine: 1 mg/dL = 88.4 umol/L (molar mass 113.12 g/mol; KDIGO 2012 CKD guideline units
  table, NIDDK; see shared/domain/calculators.md section 1d on the 88.4 vs 88.42 convention).
- UPCR/UACR: 1 mmol creatinine = 113.12 mg, so 1 mg/mmol = 1/113.12 g/g = 8.840 mg/g.
- albumin, hemoglobin: 1 g/dL = 10 g/L (SI definition). C3, C4: 1 g/L = 100 mg/dL. IgG: 1 g/L =
  100 mg/dL. Blood counts: 10*3/uL = 10*9/L (same number). Potassium: mEq/L = mmol/L for a
  monovalent ion.

The plausibility bars are not clinical thresholds: they only reject values that cannot be real for a
living patient (typing or unit errors). Bars named in the foundation issue (creatinine 0.1-25 mg/dL,
UPCR 0-30 g/g) are used as given; the others are set wide enough to admit any extreme but real value.
"""

from __future__ import annotations

from dataclasses import dataclass

from lncare.errors import InputError, one_of

# Molar mass of creatinine, g/mol (C4H7N3O).
CREATININE_G_PER_MOL = 113.12
CREATININE_UMOL_PER_MG_DL = 88.4


@dataclass(frozen=True)
class LabTest:
    """A lab test: canonical unit, accepted units (factor to canonical) and plausible range."""

    name: str
    canonical: str
    factors: dict[str, float]
    low: float
    high: float
    label: str

    @property
    def units(self) -> tuple[str, ...]:
        return tuple(self.factors)


def _test(
    name: str, canonical: str, others: dict[str, float], low: float, high: float, label: str
) -> LabTest:
    return LabTest(name, canonical, {canonical: 1.0, **others}, low, high, label)


LAB_TESTS: dict[str, LabTest] = {
    t.name: t
    for t in (
        _test(
            "upcr", "g/g",
            {"mg/g": 1e-3, "mg/mg": 1.0, "mg/mmol": 1.0 / CREATININE_G_PER_MOL},
            0.0, 30.0, "urine protein-to-creatinine ratio",
        ),
        _test(
            "uacr", "mg/g", {"mg/mmol": 1000.0 / CREATININE_G_PER_MOL},
            0.0, 30000.0, "urine albumin-to-creatinine ratio",
        ),
        _test("protein_24h", "g/(24.h)", {"mg/(24.h)": 1e-3}, 0.0, 40.0, "24-hour urine protein"),
        _test(
            "creatinine", "mg/dL", {"umol/L": 1.0 / CREATININE_UMOL_PER_MG_DL},
            0.1, 25.0, "serum creatinine",
        ),
        _test("egfr", "mL/min/{1.73_m2}", {}, 1.0, 200.0, "estimated GFR (reported)"),
        _test("cystatin_c", "mg/L", {}, 0.2, 10.0, "serum cystatin C"),
        _test("albumin", "g/dL", {"g/L": 0.1}, 0.5, 6.5, "serum albumin"),
        _test("c3", "mg/dL", {"g/L": 100.0}, 1.0, 400.0, "complement C3"),
        _test("c4", "mg/dL", {"g/L": 100.0}, 0.1, 150.0, "complement C4"),
        _test("anti_dsdna", "[IU]/mL", {}, 0.0, 100000.0, "anti-dsDNA antibodies"),
        _test("hemoglobin", "g/dL", {"g/L": 0.1}, 2.0, 25.0, "hemoglobin"),
        _test("wbc", "10*9/L", {"10*3/uL": 1.0}, 0.0, 500.0, "white blood cells"),
        _test("lymphocytes", "10*9/L", {"10*3/uL": 1.0}, 0.0, 300.0, "lymphocytes"),
        _test("neutrophils", "10*9/L", {"10*3/uL": 1.0}, 0.0, 300.0, "neutrophils"),
        _test("platelets", "10*9/L", {"10*3/uL": 1.0}, 0.0, 3000.0, "platelets"),
        _test("urine_rbc", "/[HPF]", {}, 0.0, 1000.0, "urine red cells per high-power field"),
        _test("systolic_bp", "mm[Hg]", {}, 40.0, 300.0, "systolic blood pressure"),
        _test("diastolic_bp", "mm[Hg]", {}, 20.0, 200.0, "diastolic blood pressure"),
        _test("igg", "g/L", {"mg/dL": 0.01}, 0.0, 100.0, "serum IgG"),
        _test("hcq_blood_level", "ng/mL", {}, 0.0, 10000.0, "whole-blood hydroxychloroquine"),
        _test("tacrolimus_trough", "ng/mL", {}, 0.0, 100.0, "tacrolimus trough level"),
        _test("potassium", "mmol/L", {"meq/L": 1.0}, 1.0, 10.0, "serum potassium"),
    )
}

# Plain spellings people and lab systems write, mapped to the UCUM unit (matching ignores case).
ALIASES: dict[str, str] = {
    "µmol/l": "umol/L",
    "μmol/l": "umol/L",
    "g/24h": "g/(24.h)",
    "g/24 h": "g/(24.h)",
    "g/d": "g/(24.h)",
    "g/day": "g/(24.h)",
    "mg/24h": "mg/(24.h)",
    "mg/24 h": "mg/(24.h)",
    "mg/d": "mg/(24.h)",
    "mg/day": "mg/(24.h)",
    "ml/min/1.73m2": "mL/min/{1.73_m2}",
    "ml/min/1.73 m2": "mL/min/{1.73_m2}",
    "ml/min/1.73m²": "mL/min/{1.73_m2}",
    "ml/min/1.73 m²": "mL/min/{1.73_m2}",
    "iu/ml": "[IU]/mL",
    "10^9/l": "10*9/L",
    "x10^9/l": "10*9/L",
    "10^3/ul": "10*3/uL",
    "x10^3/ul": "10*3/uL",
    "10^3/µl": "10*3/uL",
    "/hpf": "/[HPF]",
    "mmhg": "mm[Hg]",
    "meq/l": "meq/L",
}


def lab_test(name: str, field: str = "test") -> LabTest:
    """The :class:`LabTest` called ``name``, or an InputError listing the known tests."""
    try:
        return LAB_TESTS[name]
    except KeyError:
        raise InputError(
            field, name, f"is not a known lab test (use {one_of(sorted(LAB_TESTS))})"
        ) from None


def canonical_unit_spelling(test: LabTest, unit: str, field: str = "unit") -> str:
    """The UCUM spelling of ``unit`` as accepted for ``test``; InputError when it is not accepted."""
    wanted = unit.strip()
    folded = ALIASES.get(wanted.lower(), wanted).lower()
    for accepted in test.factors:
        if accepted.lower() == folded:
            return accepted
    raise InputError(field, unit, f"is not a unit for {test.name} (use {one_of(test.units)})")


def to_canonical(test_name: str, value: float, unit: str, field: str = "unit") -> float:
    """``value`` in ``unit`` converted to the canonical unit of ``test_name``."""
    test = lab_test(test_name)
    return value * test.factors[canonical_unit_spelling(test, unit, field)]


def from_canonical(test_name: str, value: float, unit: str, field: str = "unit") -> float:
    """Inverse of :func:`to_canonical`: a canonical value expressed in ``unit``."""
    test = lab_test(test_name)
    return value / test.factors[canonical_unit_spelling(test, unit, field)]
