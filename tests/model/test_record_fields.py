"""Patient, Biopsy and Medication fields: vocabularies, plausibility bars, dates, doses, accessors."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from lncare.errors import InputError
from lncare.model import CONDITIONS, load_patient


def record(**fields: Any) -> dict[str, Any]:
    return {"id": "t-1", "sex": "female", "birth_date": "1994-03-02", **fields}


def lab(**fields: Any) -> dict[str, Any]:
    return {"test": "creatinine", "value": 1.0, "unit": "mg/dL", "date": "2026-09-18", **fields}


def med(**fields: Any) -> dict[str, Any]:
    return {"drug": "prednisone", "dose": 10, "unit": "mg", "frequency": "daily", "route": "oral",
            "start": "2026-09-25", **fields}


def refused(data: dict[str, Any], **kwargs: Any) -> InputError:
    with pytest.raises(InputError) as caught:
        load_patient(data, **kwargs)
    return caught.value


def test_contract_example_loads() -> None:
    # The record printed in DESIGN.md contract 1.
    patient = load_patient({
        "id": "p-001", "sex": "female", "birth_date": "1994-03-02", "weight_kg": 62.0, "height_cm": 164.0,
        "pregnancy": "none",
        "biopsy": {"date": "2026-09-20", "classes": ["IV", "V"], "activity_index": 9, "chronicity_index": 2,
                   "crescents_percent": 10, "tma": False},
        "labs": [{"test": "upcr", "value": 3.4, "unit": "g/g", "date": "2026-09-18"}],
        "medications": [{"drug": "mycophenolate mofetil", "dose": 1000, "unit": "mg", "frequency": "bid",
                         "route": "oral", "start": "2026-09-25", "end": None}],
        "conditions": ["hypertension"], "allergies": [], "notes": {},
    })
    assert patient.biopsy is not None and patient.biopsy.classes == ("IV", "V")
    assert patient.age_at(date(2026, 11, 27)) == 32
    assert patient.medications[0].dose_mg == 1000


@pytest.mark.parametrize(
    ("field", "value", "named", "allowed"),
    [
        ("sex", "f", "sex", "'female' or 'male'"),
        ("pregnancy", "yes", "pregnancy", "'lactating'"),
        ("conditions", ["lupus"], "conditions[0]", "'hypertension'"),
        ("medications", [med(frequency="qd")], "medications[0].frequency", "'q6months'"),
        ("medications", [med(route="im")], "medications[0].route", "'oral', 'iv' or 'sc'"),
        ("medications", [med(unit="mg/day")], "medications[0].unit", "'mg', 'g', 'mg/kg' or 'mg/m2'"),
    ],
)
def test_closed_vocabularies_list_what_is_allowed(field: str, value: Any, named: str, allowed: str) -> None:
    err = refused(record(**{field: value}))
    assert err.field == named
    assert allowed in str(err)


def test_condition_vocabulary_is_documented() -> None:
    assert {"hypertension", "hbv_infection", "latent_tb", "dialysis", "antiphospholipid_syndrome"} <= set(
        CONDITIONS
    )
    assert all(meaning.strip() for meaning in CONDITIONS.values())


@pytest.mark.parametrize(
    ("where", "data", "named"),
    [
        ("top level", record(sexx="female"), "sexx"),
        ("lab", record(labs=[lab(flag="H")]), "labs[0].flag"),
        ("medication", record(medications=[med(dosis=5)]), "medications[0].dosis"),
        ("biopsy", record(biopsy={"date": "2026-09-20", "classes": ["IV"], "class": "IV"}), "biopsy.class"),
    ],
)
def test_unknown_keys_are_refused(where: str, data: dict[str, Any], named: str) -> None:
    err = refused(data)
    assert err.field == named
    assert "unknown key" in err.reason


def test_notes_take_anything() -> None:
    notes = {"free": "text", "nested": {"a": [1, 2.5, None, True]}}
    assert load_patient(record(notes=notes)).notes == notes


@pytest.mark.parametrize(
    ("data", "named", "words"),
    [
        (record(weight_kg=500), "weight_kg", "at most 300"),
        (record(weight_kg=1.5), "weight_kg", "at least 2"),
        (record(height_cm=250), "height_cm", "at most 230"),
        (record(height_cm=30), "height_cm", "at least 40"),
        ({"id": "a", "sex": "male", "age": 121}, "age", "at most 120"),
        ({"id": "a", "sex": "male", "age": -1}, "age", "at least 0"),
        (record(labs=[lab(value=40)]), "labs[0].value", "0.1 to 25 mg/dL"),
        (record(labs=[lab(value=0.05)]), "labs[0].value", "0.1 to 25 mg/dL"),
        (record(labs=[lab(value=3000, unit="umol/L")]), "labs[0].value", "8.84 to 2210 umol/L"),
        (record(labs=[lab(test="upcr", value=45, unit="g/g")]), "labs[0].value", "0 to 30 g/g"),
        (record(labs=[lab(test="upcr", value=-1, unit="g/g")]), "labs[0].value", "0 to 30 g/g"),
        (record(biopsy={"date": "2026-09-20", "classes": ["IV"], "activity_index": 25}),
         "biopsy.activity_index", "at most 24"),
        (record(biopsy={"date": "2026-09-20", "classes": ["IV"], "chronicity_index": 13}),
         "biopsy.chronicity_index", "at most 12"),
        (record(medications=[med(dose=0)]), "medications[0].dose", "above 0"),
    ],
)
def test_impossible_values_name_the_field_and_the_range(data: dict[str, Any], named: str, words: str) -> None:
    err = refused(data)
    assert err.field == named
    assert words in str(err)


def test_unknown_lab_unit_lists_the_accepted_ones() -> None:
    err = refused(record(labs=[lab(), lab(test="upcr", value=3.4, unit="mmol/L")]))
    assert str(err) == "labs[1].unit: 'mmol/L' is not a unit for upcr (use g/g, mg/g, mg/mg or mg/mmol)"


def test_unknown_lab_test_is_refused() -> None:
    err = refused(record(labs=[lab(test="crp")]))
    assert err.field == "labs[0].test" and "upcr" in err.reason


@pytest.mark.parametrize("bad", ["2026-13-01", "18/09/2026", "yesterday", 20260918])
def test_dates_must_be_iso_8601(bad: Any) -> None:
    err = refused(record(labs=[lab(date=bad)]))
    assert err.field == "labs[0].date" and "ISO 8601" in err.reason


def test_wrong_json_types_are_refused_not_coerced() -> None:
    assert refused(record(weight_kg="62")).reason == "must be a number"
    biopsy = {"date": "2026-09-20", "classes": ["IV"]}
    assert refused(record(biopsy=dict(biopsy, tma="no"))).field == "biopsy.tma"
    assert refused(record(biopsy=dict(biopsy, activity_index=9.5))).reason == "must be a whole number"
    assert refused(record(labs=[lab(value=float("nan"))])).field == "labs[0].value"


def test_birth_date_or_age_exactly_one() -> None:
    assert refused({"id": "a", "sex": "female"}).field == "age"
    assert refused(record(age=30)).field == "age"
    assert load_patient({"id": "a", "sex": "female", "age": 45}).age_at(date(2030, 1, 1)) == 45


@pytest.mark.parametrize(
    ("birth", "on", "years"),
    [
        ("1994-03-02", "2026-03-01", 31),
        ("1994-03-02", "2026-03-02", 32),
        ("2014-05-19", "2026-11-27", 12),
        ("2000-02-29", "2025-02-28", 24),  # no 29 February in 2025: the birthday comes on 1 March
        ("2000-02-29", "2025-03-01", 25),
        ("2000-02-29", "2024-02-29", 24),
    ],
)
def test_age_in_completed_years(birth: str, on: str, years: int) -> None:
    patient = load_patient(record(birth_date=birth))
    assert patient.age_at(date.fromisoformat(on)) == years


def test_age_before_birth_is_an_error() -> None:
    with pytest.raises(InputError) as caught:
        load_patient(record()).age_at(date(1990, 1, 1))
    assert caught.value.field == "as_of"


def test_as_of_refuses_dates_from_the_future() -> None:
    as_of = date(2026, 11, 27)
    assert refused(record(labs=[lab(date="2026-11-28")]), as_of=as_of).field == "labs[0].date"
    late_biopsy = {"date": "2027-01-01", "classes": ["IV"]}
    assert refused(record(biopsy=late_biopsy), as_of=as_of).field == "biopsy.date"
    assert refused(record(medications=[med(start="2026-12-01")]), as_of=as_of).field == "medications[0].start"
    assert refused(record(birth_date="1900-01-01"), as_of=as_of).field == "birth_date"  # 126 years old
    # A planned stop date may lie ahead; without as_of nothing is compared to the clock.
    load_patient(record(medications=[med(end="2027-03-01")]), as_of=as_of)
    load_patient(record(labs=[lab(date="2030-01-01")]))


def test_events_before_birth_are_refused() -> None:
    err = refused(record(labs=[lab(), lab(date="1990-05-01")]))
    assert err.field == "labs[1].date" and "before birth_date" in err.reason


def test_pregnancy_must_fit_sex() -> None:
    assert refused(record(sex="male", pregnancy="pregnant")).field == "pregnancy"
    assert load_patient(record(sex="male", pregnancy="planning")).pregnancy == "planning"
    assert load_patient(record()).pregnancy == "unknown"


def test_biopsy_classes_are_checked_and_made_canonical() -> None:
    biopsy = load_patient(record(biopsy={"date": "2026-09-20", "classes": ["5", "IV-G (A)"]})).biopsy
    assert biopsy is not None and biopsy.classes == ("IV", "V")
    err = refused(record(biopsy={"date": "2026-09-20", "classes": ["III", "IV"]}))
    assert err.field == "biopsy.classes" and "III+V or IV+V" in err.reason
    err = refused(record(biopsy={"date": "2026-09-20", "classes": ["IV", "VII"]}))
    assert err.field == "biopsy.classes[1]"
    assert refused(record(biopsy={"date": "2026-09-20", "classes": []})).field == "biopsy.classes"


def test_doses_keep_the_prescription_and_add_mg_for_masses() -> None:
    patient = load_patient(record(medications=[
        med(drug="mycophenolate mofetil", dose=1, unit="g", frequency="bid"),
        med(drug="hydroxychloroquine", dose=200, unit="mg"),
        med(drug="methylprednisolone", dose=20, unit="mg/kg", route="iv"),
        med(drug="cyclophosphamide", dose=500, unit="mg/m2", frequency="monthly", route="iv"),
    ]))
    assert [(m.dose, m.unit, m.dose_mg) for m in patient.medications] == [
        (1, "g", 1000), (200, "mg", 200), (20, "mg/kg", None), (500, "mg/m2", None)
    ]


def test_drug_names_are_lowercase_generic_names() -> None:
    patient = load_patient(record(medications=[med(drug="  Mycophenolate   Mofetil ")]))
    assert patient.medications[0].drug == "mycophenolate mofetil"
    assert refused(record(medications=[med(drug="MMF 500")])).field == "medications[0].drug"


def test_knowledge_base_hook_checks_drug_names() -> None:
    known = {"prednisone", "hydroxychloroquine"}
    load_patient(record(medications=[med()]), drug_names=known)
    err = refused(record(medications=[med(drug="prednisolone")]), drug_names=known)
    assert err.field == "medications[0].drug" and "knowledge base" in err.reason


def test_end_before_start_is_refused() -> None:
    assert refused(record(medications=[med(end="2026-09-01")])).field == "medications[0].end"


def test_active_medications_count_start_and_end_days() -> None:
    patient = load_patient(record(medications=[
        med(drug="prednisone", start="2026-08-21", end="2026-09-17"),
        med(drug="mycophenolate mofetil", dose=1000, start="2026-08-20"),
    ]))
    names = lambda day: [m.drug for m in patient.active_medications(date.fromisoformat(day))]  # noqa: E731
    assert names("2026-08-20") == ["mycophenolate mofetil"]
    assert names("2026-08-21") == ["prednisone", "mycophenolate mofetil"]
    assert names("2026-09-17") == ["prednisone", "mycophenolate mofetil"]
    assert names("2026-09-18") == ["mycophenolate mofetil"]
    assert names("2026-08-19") == []


def test_derived_fields_are_checked_when_given() -> None:
    given = lab(value=88.4, unit="umol/L", canonical_value=1.0)
    assert load_patient(record(labs=[given])).labs[0].canonical == 1
    assert refused(record(labs=[lab(canonical_value=2.0)])).field == "labs[0].canonical_value"
    assert refused(record(labs=[lab(canonical_unit="umol/L")])).field == "labs[0].canonical_unit"
    assert refused(record(medications=[med(dose_mg=20)])).field == "medications[0].dose_mg"


def test_conditions_and_allergies_are_kept_once() -> None:
    patient = load_patient(record(conditions=["hypertension", "diabetes", "hypertension"],
                                  allergies=["Penicillin", "penicillin", "sulfonamides"]))
    assert patient.conditions == ("hypertension", "diabetes")
    assert patient.allergies == ("penicillin", "sulfonamides")
