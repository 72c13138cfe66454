"""Lab ordering, exact duplicates, conflicting values on one date, and the series/latest lookups."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from lncare.errors import InputError
from lncare.model import load_patient


def record(labs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": "l-1", "sex": "female", "birth_date": "1990-01-01", "labs": labs}


def lab(test: str, value: float, unit: str, day: str) -> dict[str, Any]:
    return {"test": test, "value": value, "unit": unit, "date": day}


def test_labs_are_ordered_by_date_then_test_then_input_position() -> None:
    patient = load_patient(record([
        lab("upcr", 1.0, "g/g", "2026-10-01"),
        lab("creatinine", 1.1, "mg/dL", "2026-10-01"),
        lab("upcr", 3.0, "g/g", "2026-08-01"),
        lab("albumin", 30, "g/L", "2026-10-01"),
        lab("creatinine", 1.4, "mg/dL", "2026-08-01"),
    ]))
    assert [(lab.date.isoformat(), lab.test, lab.value) for lab in patient.labs] == [
        ("2026-08-01", "creatinine", 1.4),
        ("2026-08-01", "upcr", 3.0),
        ("2026-10-01", "albumin", 30),
        ("2026-10-01", "creatinine", 1.1),
        ("2026-10-01", "upcr", 1.0),
    ]


def test_order_does_not_depend_on_input_order_across_dates_and_tests() -> None:
    rows = [lab("c3", 60, "mg/dL", "2026-09-01"), lab("c3", 0.7, "g/L", "2026-10-01"),
            lab("c4", 9, "mg/dL", "2026-09-01")]
    forward = load_patient(record(rows))
    backward = load_patient(record(rows[::-1]))
    assert forward.labs == backward.labs


def test_exact_duplicates_collapse_with_a_notice() -> None:
    row = lab("creatinine", 97, "umol/L", "2026-09-18")
    patient = load_patient(record([row, lab("upcr", 2.0, "g/g", "2026-09-18"), dict(row)]))
    assert [lab.test for lab in patient.labs] == ["creatinine", "upcr"]
    assert patient.notices == (
        "labs[2] repeats labs[0] exactly (creatinine 97 umol/L on 2026-09-18) and was dropped",
    )


def test_the_same_value_in_two_units_is_not_a_duplicate_nor_a_conflict() -> None:
    patient = load_patient(record([lab("creatinine", 1.0, "mg/dL", "2026-09-18"),
                                   lab("creatinine", 88.4, "umol/L", "2026-09-18")]))
    assert len(patient.labs) == 2
    assert patient.notices == ()


def test_conflicting_values_are_kept_and_the_last_listed_is_used() -> None:
    patient = load_patient(record([
        lab("upcr", 3.4, "g/g", "2026-09-18"),
        lab("upcr", 2.0, "g/g", "2026-09-01"),
        lab("upcr", 339.3, "mg/mmol", "2026-09-18"),
    ]))
    assert [lab.value for lab in patient.labs] == [2.0, 3.4, 339.3]
    assert patient.series("upcr") == [
        (date(2026, 9, 1), 2.0), (date(2026, 9, 18), pytest.approx(339.3 / 113.12))
    ]
    assert patient.notices == (
        "upcr on 2026-09-18 has different values (3.4 g/g, 339.3 mg/mmol); lookups use the one listed last "
        "(339.3 mg/mmol)",
    )


def test_series_is_canonical_and_stops_at_as_of() -> None:
    patient = load_patient(record([
        lab("creatinine", 1.3, "mg/dL", "2026-08-05"),
        lab("creatinine", 97.24, "umol/L", "2026-09-16"),
        lab("creatinine", 0.9, "mg/dL", "2026-11-18"),
        lab("upcr", 1.0, "g/g", "2026-09-16"),
    ]))
    assert patient.series("creatinine") == [
        (date(2026, 8, 5), 1.3), (date(2026, 9, 16), pytest.approx(1.1)), (date(2026, 11, 18), 0.9)
    ]
    assert patient.series("creatinine", as_of=date(2026, 11, 17)) == [
        (date(2026, 8, 5), 1.3), (date(2026, 9, 16), pytest.approx(1.1))
    ]
    assert patient.series("c3") == []


def test_latest_is_the_last_result_on_or_before_as_of() -> None:
    patient = load_patient(record([
        lab("c3", 62, "mg/dL", "2026-09-01"),
        lab("c3", 0.8, "g/L", "2026-10-01"),
    ]))
    found = patient.latest("c3", date(2026, 10, 1))
    assert found is not None and (found.value, found.unit, found.canonical) == (0.8, "g/L", 80.0)
    earlier = patient.latest("c3", date(2026, 9, 30))
    assert earlier is not None and earlier.canonical == 62
    assert patient.latest("c3", date(2026, 8, 31)) is None


def test_lookups_refuse_unknown_tests() -> None:
    patient = load_patient(record([]))
    with pytest.raises(InputError):
        patient.series("crp")
