"""OMOP rows to patient records: a hand-built person gives exactly the record worked out by hand (with its
units converted as lncare.model.units documents them), and every synthetic person loads and is assessed."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import lncare
from lncare.cohort import omop, synth
from lncare.cohort.records import patient_records
from lncare.errors import InputError
from lncare.model.load import load_patient

D = date.fromisoformat


def _table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    columns = {field: [row.get(field) for row in rows] for field in omop.SCHEMAS[name].names}
    return pa.Table.from_pydict(columns, schema=omop.SCHEMAS[name])


def _lab(
    mid: int, concept: int, day: str, value: float | None, unit: int | None, **extra: Any
) -> dict[str, Any]:
    return {"measurement_id": mid, "person_id": 42, "measurement_concept_id": concept,
            "measurement_date": D(day), "measurement_type_concept_id": 32856, "value_as_number": value,
            "unit_concept_id": unit, **extra}


def _drug(did: int, concept: int, start: str, end: str, sig: str | None, **extra: Any) -> dict[str, Any]:
    return {"drug_exposure_id": did, "person_id": 42, "drug_concept_id": concept,
            "drug_exposure_start_date": D(start), "drug_exposure_end_date": D(end),
            "drug_type_concept_id": 32838, "sig": sig, **extra}


def _hand_built(gender: int = 8532, month: int | None = 4) -> dict[str, pa.Table]:
    """One woman born 1990-04-12 with LN class IV+V, written the way an OMOP ETL might."""
    return {
        "person": _table("person", [{"person_id": 42, "gender_concept_id": gender, "year_of_birth": 1990,
                                     "month_of_birth": month, "day_of_birth": 12, "race_concept_id": 0,
                                     "ethnicity_concept_id": 0}]),
        "measurement": _table("measurement", [
            _lab(1, 3001582, "2024-01-10", 339.36, 44777612),  # UPCR mg/mmol
            _lab(2, 3016723, "2024-01-10", 97.24, 8749),  # creatinine umol/L
            _lab(3, 3024561, "2024-01-10", 28.0, 8636),  # albumin g/L
            _lab(4, 3000620, "2024-01-10", 0.65, 8636),  # C3 g/L
            _lab(5, 3045462, "2024-03-10", 1200.0, 8723),  # UPCR under LOINC 34366-5, mg/g
            _lab(6, 3025315, "2023-12-01", 63.0, 9529),  # weight, older
            _lab(7, 3025315, "2024-01-10", 61.5, 9529),  # weight, latest
            _lab(8, 3036277, "2024-01-10", 164.0, 8582),  # height
            _lab(9, 3016723, "2024-03-10", 1.0, None),  # creatinine without a unit: left out
            _lab(10, 3000963, "2024-01-10", 11.2, 8713),  # hemoglobin: not a concept lncare reads here
            _lab(11, 2_000_000_010, "2024-01-12", 4.0, None),  # biopsy class IV
            _lab(12, 2_000_000_010, "2024-01-12", None, None, value_source_value="V"),  # class V as text
            _lab(13, 3001582, "2024-02-10", 45.0, 9565),  # UPCR 45 mg/mg: implausible, left out
        ]),
        "procedure_occurrence": _table("procedure_occurrence", [
            {"procedure_occurrence_id": 1, "person_id": 42, "procedure_concept_id": 4217034,
             "procedure_date": D("2024-01-12"), "procedure_type_concept_id": 32817},
        ]),
        "drug_exposure": _table("drug_exposure", [
            _drug(1, 1506270, "2024-01-17", "2024-01-19", "500 mg daily iv"),
            _drug(2, 1551099, "2024-01-20", "2024-02-02", "30 mg daily oral", quantity=420.0, days_supply=14),
            _drug(3, 19003999, "2024-01-17", "2024-07-16", "1000 mg bid oral"),
            _drug(4, 19003999, "2024-01-17", "2024-07-16", "1000 mg bid oral"),  # the ETL sent it twice
            # No sig: 300 mg over 30 days is 10 mg/day of prednisolone.
            _drug(5, 1550557, "2024-02-03", "2024-03-03", None, quantity=300.0, days_supply=30,
                  route_source_value="oral"),
            _drug(6, 40236987, "2024-01-17", "2024-06-30", "10 mg/kg q4w iv"),
            _drug(7, 1115008, "2024-01-17", "2024-02-17", "500 mg tid oral"),  # not a drug lncare maps
            _drug(8, 1777087, "2023-06-01", "2023-08-29", "garbled", quantity=None, days_supply=90),
        ]),
        "condition_occurrence": _table("condition_occurrence", [
            {"condition_occurrence_id": 1, "person_id": 42, "condition_concept_id": 257628,
             "condition_start_date": D("2020-05-01"), "condition_type_concept_id": 32817},
            {"condition_occurrence_id": 2, "person_id": 42, "condition_concept_id": 193782,
             "condition_start_date": D("2024-02-01"), "condition_type_concept_id": 32817},
        ]),
    }


EXPECTED = {
    "id": "42",
    "sex": "female",
    "birth_date": "1990-04-12",
    "weight_kg": 61.5,
    "height_cm": 164.0,
    "biopsy": {"date": "2024-01-12", "classes": ["IV", "V"]},
    "labs": [
        {"test": "upcr", "value": 339.36, "unit": "mg/mmol", "date": "2024-01-10"},
        {"test": "creatinine", "value": 97.24, "unit": "umol/L", "date": "2024-01-10"},
        {"test": "albumin", "value": 28.0, "unit": "g/L", "date": "2024-01-10"},
        {"test": "c3", "value": 0.65, "unit": "g/L", "date": "2024-01-10"},
        {"test": "upcr", "value": 1200.0, "unit": "mg/g", "date": "2024-03-10"},
    ],
    "medications": [
        {"drug": "belimumab", "dose": 10.0, "unit": "mg/kg", "frequency": "q4w", "route": "iv",
         "start": "2024-01-17", "end": "2024-06-30"},
        {"drug": "methylprednisolone", "dose": 500.0, "unit": "mg", "frequency": "daily", "route": "iv",
         "start": "2024-01-17", "end": "2024-01-19"},
        {"drug": "mycophenolate mofetil", "dose": 1000.0, "unit": "mg", "frequency": "bid", "route": "oral",
         "start": "2024-01-17", "end": "2024-07-16"},
        {"drug": "prednisone", "dose": 30.0, "unit": "mg", "frequency": "daily", "route": "oral",
         "start": "2024-01-20", "end": "2024-02-02"},
        {"drug": "prednisolone", "dose": 10.0, "unit": "mg", "frequency": "daily", "route": "oral",
         "start": "2024-02-03", "end": "2024-03-03"},
    ],
    "conditions": ["esrd"],
    "notes": {"omop_person_id": 42,
              "omop_skipped": {"creatinine": 1, "hydroxychloroquine": 1, "upcr": 1}},
}


def test_hand_built_person_gives_the_expected_record() -> None:
    [(pid, record)] = list(patient_records(_hand_built()))
    assert pid == 42
    assert record == EXPECTED


def test_hand_built_record_loads_with_units_converted() -> None:
    [(_, record)] = list(patient_records(_hand_built()))
    patient = load_patient(record, as_of=D("2024-03-10"))
    canonical = {(lab.test, lab.date.isoformat()): lab.canonical for lab in patient.labs}
    # 1 mmol creatinine = 113.12 mg; creatinine 88.4 umol/L per mg/dL; albumin 10 g/L per g/dL; C3 100 mg/dL
    # per g/L (model/units.py, KDIGO 2012 units table).
    assert canonical[("upcr", "2024-01-10")] == pytest.approx(339.36 / 113.12)
    assert canonical[("upcr", "2024-03-10")] == pytest.approx(1.2)
    assert canonical[("creatinine", "2024-01-10")] == pytest.approx(1.1)
    assert canonical[("albumin", "2024-01-10")] == pytest.approx(2.8)
    assert canonical[("c3", "2024-01-10")] == pytest.approx(65.0)
    prednisone = [m for m in patient.medications if m.drug in ("prednisone", "prednisolone")]
    assert [m.dose_mg for m in prednisone] == [30.0, 10.0]  # mg/day: the dose of a daily row
    lncare.assess(patient, as_of=D("2024-03-10"))


def test_birth_month_missing_is_mid_year_and_noted() -> None:
    [(_, record)] = list(patient_records(_hand_built(month=None)))
    assert record["birth_date"] == "1990-07-01"
    assert "July 1" in record["notes"]["birth_date"]


def test_unknown_gender_names_the_person() -> None:
    with pytest.raises(InputError) as err:
        list(patient_records(_hand_built(gender=8551)))
    assert err.value.field == "person[42].gender_concept_id"
    assert err.value.value == 8551


def test_unknown_person_id_is_an_input_error() -> None:
    with pytest.raises(InputError) as err:
        list(patient_records(_hand_built(), [42, 7]))
    assert (err.value.field, err.value.value) == ("person_ids", 7)


def test_missing_tables_other_than_person_mean_no_rows() -> None:
    tables = _hand_built()
    [(_, record)] = list(patient_records({"person": tables["person"]}))
    assert record["labs"] == [] and record["medications"] == [] and "biopsy" not in record
    with pytest.raises(InputError):
        list(patient_records({"measurement": tables["measurement"]}))


@pytest.fixture(scope="module")
def population() -> dict[str, pa.Table]:
    chunks = list(synth.synthesize(2_000, seed=21, chunk=1_000))
    return {name: pa.concat_tables([chunk[name] for chunk in chunks]) for name in chunks[0]}


def test_every_synthetic_record_loads_and_is_assessed(population: dict[str, pa.Table]) -> None:
    sexes = dict(zip(population["person"].column("person_id").to_pylist(),
                     population["person"].column("gender_concept_id").to_pylist(), strict=True))
    biopsied = set(population["procedure_occurrence"].column("person_id").to_pylist())
    seen = 0
    for pid, record in patient_records(population):
        patient = load_patient(record)
        days = [lab.date for lab in patient.labs] + [m.start for m in patient.medications]
        as_of = max(days) if days else date(2026, 1, 1)
        lncare.assess(patient, as_of=as_of)
        assert patient.sex == {8532: "female", 8507: "male"}[sexes[pid]]
        assert (patient.biopsy is not None) == (pid in biopsied)
        seen += 1
    assert seen == 2_000


def test_ibis_backend_gives_the_same_records(tmp_path: Path) -> None:
    import ibis

    db = synth.write_synthetic(200, tmp_path / "omop.duckdb", seed=5)
    chunks = list(synth.synthesize(200, seed=5))
    tables = {name: pa.concat_tables([chunk[name] for chunk in chunks]) for name in chunks[0]}
    con = ibis.duckdb.connect(str(db), read_only=True)
    try:
        wanted = [3, 17, 150]
        assert list(patient_records(con, wanted)) == list(patient_records(tables, wanted))
    finally:
        con.disconnect()


def test_five_thousand_records_take_seconds() -> None:
    chunks = list(synth.synthesize(5_000, seed=9, chunk=5_000))
    started = time.perf_counter()
    count = sum(1 for _ in patient_records(chunks[0]))
    elapsed = time.perf_counter() - started
    assert count == 5_000
    assert elapsed < 20, f"{elapsed:.1f} s for 5,000 records"
