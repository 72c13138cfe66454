"""Hand-made OMOP patients whose answers are worked out from the guideline definitions (eular2023 profile:
EULAR 2019 response definitions, Moroni flares; ACR 2024 quality measures), run through population_tables.

Everyone starts induction on 2020-01-10 (methylprednisolone pulses + MMF); the 6-month landmark is 183 days
later, 2020-07-11 (6 x 365.25/12 days, rounded). Baseline UPCR on 2020-01-05, creatinine 0.8 mg/dL
(CKD-EPI 2021, woman of 40: about 93 mL/min/1.73 m2, so GFR is near normal, >= 81).
"""

from __future__ import annotations

import datetime
from typing import Any

import ibis
import pyarrow as pa
import pytest

from lncare.cohort import concepts as c
from lncare.cohort.omop import conform
from lncare.cohort.population import population_tables

D = datetime.date
START = D(2020, 1, 10)
SIX = D(2020, 7, 11)
TWELVE = START + datetime.timedelta(days=365)
UPCR, SCR, RBC = c.MEASUREMENTS["upcr"], c.MEASUREMENTS["creatinine"], c.MEASUREMENTS["urine_rbc"]
G_G, MG_G, MG_MMOL = c.UNIT_IDS["mg/mg"], c.UNIT_IDS["mg/g"], c.UNIT_IDS["mg/mmol"]
MG_DL, UMOL_L, HPF = c.UNIT_IDS["mg/dL"], c.UNIT_IDS["umol/L"], c.UNIT_IDS["/[HPF]"]


class _Omop:
    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {k: [] for k in (
            "person", "observation_period", "condition_occurrence", "procedure_occurrence", "measurement",
            "drug_exposure")}
        self.next_id = 1000

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def person(self, pid: int, *, sle: bool = True, klass: int = 4) -> None:
        self.rows["person"].append({"person_id": pid, "gender_concept_id": c.FEMALE.id, "year_of_birth": 1980,
                                    "month_of_birth": 1, "day_of_birth": 1})
        self.rows["observation_period"].append({
            "observation_period_id": pid, "person_id": pid, "observation_period_start_date": D(2018, 1, 1),
            "observation_period_end_date": D(2023, 1, 1)})
        if sle:
            self.rows["condition_occurrence"].append({"condition_occurrence_id": self._id(), "person_id": pid,
                                                      "condition_concept_id": c.CONDITIONS["sle"],
                                                      "condition_start_date": D(2018, 6, 1)})
        self.rows["procedure_occurrence"].append({"procedure_occurrence_id": self._id(), "person_id": pid,
                                                  "procedure_concept_id": c.KIDNEY_BIOPSY.id,
                                                  "procedure_date": D(2020, 1, 3)})
        self.lab(pid, c.BIOPSY_CLASS.id, D(2020, 1, 3), float(klass), None)
        self.drug(pid, "methylprednisolone", START, D(2020, 1, 12), "500 mg daily iv")
        self.drug(pid, "mycophenolate-mofetil", START, D(2022, 12, 31), "1000 mg bid oral")
        self.lab(pid, SCR, D(2020, 1, 5), 0.8, MG_DL)

    def lab(self, pid: int, concept: int, day: datetime.date, value: float, unit: int | None,
            mid: int | None = None) -> None:
        self.rows["measurement"].append({"measurement_id": mid or self._id(), "person_id": pid,
                                         "measurement_concept_id": concept, "measurement_date": day,
                                         "value_as_number": value, "unit_concept_id": unit})

    def drug(self, pid: int, therapy: str, start: datetime.date, end: datetime.date, sig: str) -> None:
        self.rows["drug_exposure"].append({
            "drug_exposure_id": self._id(), "person_id": pid, "drug_concept_id": c.DRUGS[therapy],
            "drug_exposure_start_date": start, "drug_exposure_end_date": end, "sig": sig})

    def tables(self) -> dict[str, pa.Table]:
        return {name: conform(name, pa.Table.from_pylist(rows)) for name, rows in self.rows.items()}


@pytest.fixture(scope="module")
def result() -> dict[str, list[dict[str, Any]]]:
    o = _Omop()
    # 1 complete: UPCR 3.0 -> 300 mg/g (0.3 g/g), creatinine unchanged given in umol/L; the 6-month UPCR
    # row comes twice (a duplicate, and ids out of date order); HCQ and prednisone 5 mg/day at 6 months.
    o.person(1)
    o.lab(1, UPCR, D(2020, 1, 5), 3.0, G_G, mid=9)
    o.lab(1, UPCR, D(2020, 7, 1), 300.0, MG_G, mid=5)
    o.lab(1, UPCR, D(2020, 7, 1), 300.0, MG_G, mid=6)
    o.lab(1, SCR, D(2020, 7, 1), 70.72, UMOL_L)
    o.drug(1, "hydroxychloroquine", D(2019, 1, 1), D(2022, 12, 31), "200 mg daily oral")
    o.drug(1, "prednisone", D(2020, 6, 1), D(2020, 12, 31), "5 mg daily oral")
    # ... and a nephritic flare at 12 months: creatinine 0.8 -> 1.2 mg/dL (+50 %), 20 red cells/HPF.
    o.lab(1, SCR, D(2021, 1, 1), 1.2, MG_DL)
    o.lab(1, RBC, D(2021, 1, 1), 20.0, HPF)
    o.lab(1, UPCR, D(2021, 1, 1), 0.3, G_G)
    # 2 partial: 4.0 -> 1.5 g/g given in mg/mmol (62.5 % fall, below 3.5); prednisone 10 mg/day; lisinopril.
    o.person(2)
    o.lab(2, UPCR, D(2020, 1, 5), 4.0, G_G)
    o.lab(2, UPCR, D(2020, 7, 1), 1.5 * 113.12, MG_MMOL)
    o.lab(2, SCR, D(2020, 7, 1), 0.8, MG_DL)
    o.drug(2, "prednisone", D(2020, 6, 1), D(2020, 12, 31), "10 mg daily oral")
    o.drug(2, "lisinopril", D(2020, 2, 1), D(2022, 12, 31), "10 mg daily oral")
    # 3 none: 4.0 -> 3.0 g/g (25 % fall) at 26.1 weeks; proteinuric without RAAS blockade.
    o.person(3)
    o.lab(3, UPCR, D(2020, 1, 5), 4.0, G_G)
    o.lab(3, UPCR, D(2020, 7, 1), 3.0, G_G)
    o.lab(3, SCR, D(2020, 7, 1), 0.8, MG_DL)
    # 4 indeterminate: 0.6 g/g lies inside EULAR's own 0.5-0.7 range -> not assessable.
    o.person(4)
    o.lab(4, UPCR, D(2020, 1, 5), 4.0, G_G)
    o.lab(4, UPCR, D(2020, 7, 1), 0.6, G_G)
    o.lab(4, SCR, D(2020, 7, 1), 0.8, MG_DL)
    # 5 no baseline: the last UPCR before the start is 2019-06-01 (> 92 days); the last one at all on
    # 2020-02-01 is 161 days before the 6-month landmark: monitoring overdue (ACR 2024: every 3 months).
    o.person(5)
    o.lab(5, UPCR, D(2019, 6, 1), 4.0, G_G)
    o.lab(5, UPCR, D(2020, 2, 1), 2.0, G_G)
    # 6 no SLE diagnosis, 7 class II only: not in the LN cohort.
    o.person(6, sle=False)
    o.person(7, klass=2)
    con = ibis.duckdb.connect()
    for name, table in o.tables().items():
        con.con.register("_t", table)
        con.con.execute(f"CREATE TABLE {name} AS SELECT * FROM _t")
        con.con.unregister("_t")
    return {k: con.to_pyarrow(e).to_pylist() for k, e in population_tables(con, profile="eular2023").items()}


def test_cohort_entry(result: dict[str, list[dict[str, Any]]]) -> None:
    entry = {r["subject_id"]: r for r in result["cohort"] if r["cohort_definition_id"] == 1}
    assert sorted(entry) == [1, 2, 3, 4, 5]
    assert entry[1]["cohort_start_date"] == D(2020, 1, 3)  # the class IV biopsy
    assert {r["subject_id"] for r in result["cohort"] if r["cohort_definition_id"] == 2} == {1, 2, 3, 4, 5}
    assert {r["induction_start"] for r in result["induction"]} == {START}
    assert {r["regimen"] for r in result["induction"]} == {"mmf"}


def test_response_at_six_months(result: dict[str, list[dict[str, Any]]]) -> None:
    six = {r["person_id"]: r for r in result["response"] if r["landmark_months"] == 6}
    assert {pid: r["landmark_date"] for pid, r in six.items()} == dict.fromkeys(range(1, 6), SIX)
    assert {pid: r["status"] for pid, r in six.items()} == {
        1: "complete", 2: "partial", 3: "none", 4: "not_assessable", 5: "not_assessable"}


def test_flare(result: dict[str, list[dict[str, Any]]]) -> None:
    assert result["flare"] == [{"person_id": 1, "flare_date": TWELVE, "kind": "nephritic"}]


def test_quality_measures(result: dict[str, list[dict[str, Any]]]) -> None:
    got = {(r["person_id"], r["measure"]): (r["denominator"], r["numerator"]) for r in result["measures"]}
    assert got[(1, "hcq_not_in_use")] == (True, False)
    assert got[(2, "hcq_not_in_use")] == (True, True)
    assert got[(1, "gc_above_target_6_months")] == (True, False)  # 5 mg/day meets "<= 5"
    assert got[(2, "gc_above_target_6_months")] == (True, True)
    assert got[(1, "proteinuric_without_raas")] == (False, False)  # 0.3 g/g: not proteinuric
    assert got[(2, "proteinuric_without_raas")] == (True, False)  # 1.5 g/g on lisinopril
    assert got[(3, "proteinuric_without_raas")] == (True, True)  # 3.0 g/g, no ACE inhibitor or ARB
    assert got[(1, "upcr_monitoring_overdue")] == (True, False)
    assert got[(5, "upcr_monitoring_overdue")] == (True, True)


def test_time_to_complete_response(result: dict[str, list[dict[str, Any]]]) -> None:
    ttr = {r["person_id"]: r for r in result["time_to_response"]}
    assert ttr[1]["event"] is True and ttr[1]["days"] == (D(2020, 7, 1) - START).days
    assert ttr[3]["event"] is False


def test_time_to_response_from_the_anchor_windows_equals_the_whole_history(
    synthetic_duckdb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Time to response joins each proteinuria date with the points of its recent and baseline windows
    # only; the answer must be the one the whole-history facts (used for the landmarks) give.
    from lncare.cohort import population
    from lncare.cohort.source import open_source

    def rows() -> list[tuple[Any, ...]]:
        with open_source(synthetic_duckdb) as con:
            table = population_tables(con)["time_to_response"].to_pyarrow()
        return sorted(zip(*(table[name].to_pylist() for name in table.column_names), strict=True))

    windowed = rows()
    whole = population._Population.facts
    monkeypatch.setattr(population._Population, "facts",
                        lambda self, anchors, history=True: whole(self, anchors, history=True))
    assert windowed == rows() and len(windowed) > 100
