"""Any valid generated record loads, and a loaded record saved as JSON loads back to the same record."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lncare.model import CONDITIONS, load_patient
from lncare.model.units import LAB_TESTS, to_canonical

END = date(2026, 11, 27)
FREQUENCIES = ["once", "daily", "bid", "tid", "weekly", "q2w", "q4w", "monthly", "q6months"]
DRUGS = ["hydroxychloroquine", "mycophenolate mofetil", "prednisone", "tacrolimus", "belimumab",
         "cyclophosphamide", "voclosporin", "azathioprine"]
PREGNANCY = {"female": ["none", "pregnant", "planning", "lactating", "unknown"],
             "male": ["none", "planning", "unknown"]}
CLASSES = [["I"], ["II"], ["III"], ["IV"], ["V"], ["VI"], ["III", "V"], ["IV", "V"], ["4"], ["IV-G (A)", "5"]]


def day_after(start: date) -> st.SearchStrategy[date]:
    return st.dates(min_value=start, max_value=END)


@st.composite
def labs(draw: st.DrawFn, born: date) -> dict[str, Any]:
    test = LAB_TESTS[draw(st.sampled_from(sorted(LAB_TESTS)))]
    unit = draw(st.sampled_from(test.units))
    factor = to_canonical(test.name, 1.0, unit)
    value = draw(st.floats(test.low / factor, test.high / factor, allow_nan=False))
    assume(test.low <= value * factor <= test.high)  # float rounding at the very edge of the range
    return {"test": test.name, "value": value, "unit": unit, "date": draw(day_after(born)).isoformat()}


def with_repeat_and_conflict(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` plus an exact repeat of the first row and a different value for it on the same date."""
    if not rows:
        return rows
    first = rows[0]
    test = LAB_TESTS[first["test"]]
    middle = (test.low + test.high) / 2 / to_canonical(test.name, 1.0, first["unit"])  # far from both bars
    other = dict(first, value=middle)
    return [*rows, dict(first), other]


@st.composite
def medications(draw: st.DrawFn, born: date) -> dict[str, Any]:
    start = draw(day_after(born))
    end = draw(st.none() | st.dates(min_value=start, max_value=start + timedelta(days=800)))
    return {
        "drug": draw(st.sampled_from(DRUGS)),
        "dose": draw(st.floats(0.01, 5000, allow_nan=False)),
        "unit": draw(st.sampled_from(["mg", "g", "mg/kg", "mg/m2"])),
        "frequency": draw(st.sampled_from(FREQUENCIES)),
        "route": draw(st.sampled_from(["oral", "iv", "sc"])),
        "start": start.isoformat(),
        "end": end.isoformat() if end else None,
    }


json_leaf = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=20) | st.floats(
    allow_nan=False, allow_infinity=False
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
notes = st.dictionaries(st.text(max_size=10), json_value, max_size=3)


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    sex = draw(st.sampled_from(["female", "male"]))
    born = draw(st.dates(min_value=date(1907, 1, 1), max_value=END))
    record: dict[str, Any] = {"id": draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,20}", fullmatch=True)),
                              "sex": sex}
    if draw(st.booleans()):
        record["birth_date"] = born.isoformat()
    else:
        record["age"] = draw(st.integers(0, 120))
        born = date(1907, 1, 1)
    optional = {
        "weight_kg": st.floats(2, 300),
        "height_cm": st.floats(40, 230),
        "pregnancy": st.sampled_from(PREGNANCY[sex]),
        "biopsy": st.fixed_dictionaries({
            "date": day_after(born).map(date.isoformat),
            "classes": st.sampled_from(CLASSES),
        }, optional={
            "activity_index": st.integers(0, 24),
            "chronicity_index": st.integers(0, 12),
            "crescents_percent": st.floats(0, 100),
            "tma": st.booleans(),
        }),
        "labs": st.lists(labs(born), max_size=8).map(with_repeat_and_conflict),
        "medications": st.lists(medications(born), max_size=4),
        "conditions": st.lists(st.sampled_from(sorted(CONDITIONS)), max_size=4),
        "allergies": st.lists(st.from_regex(r"[a-z]{3,12}", fullmatch=True), max_size=3),
        "notes": notes,
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            record[key] = draw(strategy)
    return record


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_valid_records_load_and_round_trip_through_json(record: dict[str, Any]) -> None:
    first = load_patient(record)
    saved = first.model_dump_json()
    second = load_patient(json.loads(saved))
    assert second == first
    assert second.model_dump_json() == saved
    assert len(first.labs) <= len(record.get("labs", []))
