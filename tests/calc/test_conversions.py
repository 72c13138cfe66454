"""``lncare.calc.convert``: known factors (shared/domain/calculators.md section 3) and round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lncare.calc import convert
from lncare.errors import InputError
from lncare.model.units import LAB_TESTS


@pytest.mark.parametrize(
    ("test", "value", "from_unit", "to_unit", "expected"),
    [
        ("creatinine", 1.0, "mg/dL", "umol/L", 88.4),  # 10 000 / 113.12 = 88.40
        ("creatinine", 88.4, "umol/L", "mg/dL", 1.0),
        ("upcr", 1.0, "g/g", "mg/mmol", 113.12),  # 1 mmol creatinine = 113.12 mg
        ("upcr", 300.0, "mg/g", "mg/mmol", 300 * 0.11312),
        ("upcr", 0.5, "mg/mg", "g/g", 0.5),  # mg/mg and g/g are the same number
        ("upcr", 1.0, "g/g", "mg/g", 1000.0),
        ("uacr", 30.0, "mg/mmol", "mg/g", 30 * 8.840),
        ("albumin", 3.5, "g/dL", "g/L", 35.0),
        ("c3", 0.9, "g/L", "mg/dL", 90.0),
        ("protein_24h", 500.0, "mg/day", "g/(24.h)", 0.5),
    ],
)
def test_known_conversions(test: str, value: float, from_unit: str, to_unit: str, expected: float) -> None:
    assert convert(test, value, from_unit, to_unit) == pytest.approx(expected, rel=1e-3)


PAIRS = [(name, a, b) for name, lab in LAB_TESTS.items() for a in lab.units for b in lab.units]


@pytest.mark.parametrize(("test", "unit_a", "unit_b"), PAIRS)
@given(value=st.floats(1e-6, 1e6))
def test_round_trip(test: str, unit_a: str, unit_b: str, value: float) -> None:
    back = convert(test, convert(test, value, unit_a, unit_b), unit_b, unit_a)
    assert back == pytest.approx(value, rel=1e-12, abs=0)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("upcr", 300, "mg/g", "mmol/L"), "to_unit"),
        (("upcr", 300, "mmol/L", "mg/g"), "from_unit"),
        (("urea", 5, "mmol/L", "mg/dL"), "test"),
        (("upcr", -1, "mg/g", "g/g"), "value"),
        (("upcr", "lots", "mg/g", "g/g"), "value"),
    ],
)
def test_bad_conversion_names_the_field(args: tuple[object, ...], field: str) -> None:
    with pytest.raises(InputError) as caught:
        convert(*args)  # type: ignore[arg-type]
    assert caught.value.field == field
