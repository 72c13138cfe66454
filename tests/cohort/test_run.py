"""Cohort summaries and outputs: Wilson intervals against Newcombe's published values, response rates and
quality measures counted by hand on small tables of the population contract's shapes, the report files,
and a full DuckDB run over the synthetic cohort checked against counts made directly in SQL."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from lncare.cohort import summary
from lncare.cohort.report import write_figures, write_html
from lncare.cohort.source import open_source, redact
from lncare.errors import InputError


# Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of seven methods.
# Stat Med 1998;17:857-872, Table I, method 3 (score interval without continuity correction).
@pytest.mark.parametrize(("successes", "trials", "low", "high"), [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_matches_newcombe_1998(successes: int, trials: int, low: float, high: float) -> None:
    got = summary.wilson_interval(successes, trials)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_wilson_edges_and_refusals() -> None:
    assert summary.wilson_interval(20, 20)[1] == 1.0
    assert summary.proportion(0, 0) == (None, None, None)
    with pytest.raises(InputError, match="successes"):
        summary.wilson_interval(5, 4)


def _response() -> pa.Table:
    # 6 MMF patients at 6 months: 2 complete, 1 partial, 1 none, 2 not assessable; 2 CYC patients.
    rows = [(1, "mmf", "complete"), (2, "mmf", "complete"), (3, "mmf", "partial"), (4, "mmf", "none"),
            (5, "mmf", "not_assessable"), (6, "mmf", "not_assessable"), (7, "euro-lupus-cyc", "complete"),
            (8, "euro-lupus-cyc", "none")]
    return pa.Table.from_pylist([
        {"person_id": p, "regimen": r, "landmark_months": 6, "landmark_date": date(2025, 7, 1), "status": s}
        for p, r, s in rows
    ])


def test_response_rates_count_assessable_patients_only() -> None:
    rows = {(r["regimen"], r["landmark_months"]): r for r in summary.response_rates(_response()).to_pylist()}
    mmf = rows[("mmf", 6)]
    assert (mmf["patients"], mmf["assessable"], mmf["complete"], mmf["partial"], mmf["none"],
            mmf["not_assessable"]) == (6, 4, 2, 1, 1, 2)
    assert mmf["complete_rate"] == 0.5
    assert mmf["response_rate"] == 0.75
    # Wilson 2/4 = 0.1500 to 0.8500 (score interval, z = 1.96: centre 0.5, half-width 0.35)
    assert (mmf["complete_ci_low"], mmf["complete_ci_high"]) == pytest.approx((0.1500, 0.8500), abs=5e-5)
    pooled = rows[("all", 6)]
    assert (pooled["patients"], pooled["assessable"], pooled["complete"]) == (8, 6, 3)


def test_quality_measures_ignore_numerators_outside_the_denominator() -> None:
    measures = pa.Table.from_pylist([
        {"person_id": 1, "measure": "hcq", "denominator": True, "numerator": True},
        {"person_id": 2, "measure": "hcq", "denominator": True, "numerator": False},
        {"person_id": 3, "measure": "hcq", "denominator": False, "numerator": True},
        {"person_id": 1, "measure": "raas", "denominator": False, "numerator": False},
    ])
    rows = {r["measure"]: r for r in summary.quality_measures(measures).to_pylist()}
    assert (rows["hcq"]["denominator"], rows["hcq"]["numerator"], rows["hcq"]["rate"]) == (2, 1, 0.5)
    assert (rows["raas"]["denominator"], rows["raas"]["rate"]) == (0, None)


def test_km_read_outs_per_regimen() -> None:
    # 4 patients on mmf: complete response on days 100 and 200, censored on days 150 and 400.
    ttr = pa.Table.from_pylist([
        {"person_id": i, "regimen": "mmf", "days": d, "event": e}
        for i, (d, e) in enumerate([(100, True), (150, False), (200, True), (400, False)])
    ])
    read_out = {r["regimen"]: r for r in summary.km_read_outs(ttr, (6, 12))}["mmf"]
    # S = 3/4 after day 100, then 3/4 * (1 - 1/2) = 3/8 after day 200 (2 at risk on day 200)
    # 6 months = day 183 (only the day-100 response): 1 - 3/4; 12 months = day 365: 1 - 3/8
    assert read_out["complete_response_by_landmark"] == {"6": pytest.approx(0.25), "12": pytest.approx(0.625)}
    assert read_out["median_days"] == 200
    assert (read_out["patients"], read_out["events"]) == (4, 2)


def test_figures_and_html_are_self_contained(tmp_path: Path) -> None:
    ttr = pa.Table.from_pylist([{"person_id": 1, "regimen": "mmf", "days": 90, "event": True}])
    derived = {
        "response_rates": summary.response_rates(_response()),
        "quality_measures": summary.quality_measures(pa.Table.from_pylist(
            [{"person_id": 1, "measure": "hcq", "denominator": True, "numerator": True}])),
        "km_complete_response": summary.km_curves(ttr),
    }
    written = write_figures(derived, tmp_path / "figures")
    assert sorted(p.name for p in written) == [
        "quality_measures.png", "quality_measures.svg", "response_rates.png", "response_rates.svg",
        "time_to_complete_response.png", "time_to_complete_response.svg"]
    assert all(p.stat().st_size > 1000 for p in written)
    facts = {"source": "x.duckdb", "profile": "eular2023", "as_of": None, "landmarks_months": [6],
             "counts": {"cohort": 1}, "time_to_complete_response": summary.km_read_outs(ttr, (6,))}
    page = write_html(facts, derived, tmp_path / "figures", tmp_path / "report.html").read_text()
    assert page.count("<svg") == 3
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # nothing fetched from a network
    assert "<script" not in page


def test_bad_sources_name_source(tmp_path: Path) -> None:
    not_db = tmp_path / "notes.duckdb"
    not_db.write_text("not a database")
    empty = tmp_path / "empty"
    empty.mkdir()
    cases = {
        str(tmp_path / "missing.duckdb"): "does not exist",
        str(not_db): "is not a DuckDB database",
        str(empty): "lacks the OMOP table",
        "mysql://me:pw@host/omop": "is not a supported URL",
        "postgresql://me:pw@host": "names no host or database",
        "postgresql://me:pw@host/omop": "PostgreSQL driver",  # psycopg is not installed here
    }
    for source, reason in cases.items():
        with pytest.raises(InputError, match=reason) as caught, open_source(source):
            pass
        assert str(caught.value).startswith("SOURCE: ")
        assert "pw" not in str(caught.value)  # a password never reaches a message


def test_spark_urls_are_refused_on_duckdb_and_engines_are_checked() -> None:
    with pytest.raises(InputError, match="--engine spark"), open_source("spark://host:7077"):
        pass
    with pytest.raises(InputError, match="names no host"), open_source("sc://", engine="spark"):
        pass
    with pytest.raises(InputError, match=r"^--engine: 'polars'"), open_source("x.duckdb", engine="polars"):
        pass
    with pytest.raises(InputError, match=r"^--engine"), open_source("postgresql://h/omop", engine="spark"):
        pass


def test_redact_hides_only_the_password() -> None:
    assert redact("postgresql://ann:s3cret@db.example:5432/omop") == "postgresql://ann:***@db.example:5432/omop"
    assert redact("cohort.duckdb") == "cohort.duckdb"


def test_full_run_on_duckdb(synthetic_duckdb: Path, tmp_path: Path) -> None:
    from lncare.cohort.run import run

    out = tmp_path / "out"
    result = run(synthetic_duckdb, out=out)
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    for name in ("cohort", "induction", "response", "flare", "measures", "time_to_response", "response_rates",
                 "quality_measures", "km_complete_response"):
        assert {f"tables/{name}.csv", f"tables/{name}.parquet"} <= files
    assert {"summary.json", "report.html"} <= files
    assert json.loads((out / "summary.json").read_text()) == result

    # Independent counts: the written per-patient response table tallied in DuckDB SQL.
    con = duckdb.connect()
    expected = con.execute(
        f"""SELECT regimen, landmark_months, count(*) FILTER (status = 'complete'),
                   count(*) FILTER (status IN ('complete', 'partial', 'none'))
            FROM '{out}/tables/response.parquet' GROUP BY ALL"""
    ).fetchall()
    got = {(r["regimen"], r["landmark_months"]): (r["complete"], r["assessable"])
           for r in result["response_rates"]}
    assert expected, "the synthetic cohort has patients with a response status"
    for regimen, months, complete, assessable in expected:
        assert got[(regimen, months)] == (complete, assessable)
    cohort_rows = con.execute(f"SELECT count(*) FROM '{out}/tables/cohort.parquet'").fetchone()
    assert cohort_rows is not None and result["counts"]["cohort"] == cohort_rows[0] > 0


def test_plan_pass_sees_the_record_as_it_stood_and_lists_gaps() -> None:
    from lncare.cohort.plan_pass import known_on, plan_items

    record = json.loads((Path(__file__).parents[2] / "examples" / "p01-class-iv-new.json").read_text())
    later = {"test": "upcr", "value": 1.0, "unit": "g/g", "date": "2027-03-01"}
    running = {"drug": "prednisone", "dose": 5, "unit": "mg", "frequency": "daily", "route": "oral",
               "start": "2026-01-01", "end": "2027-01-01"}
    seen = known_on({**record, "labs": [*record["labs"], later], "medications": [running]}, "2026-11-27")
    assert later not in seen["labs"] and len(seen["labs"]) == len(record["labs"])
    assert seen["medications"] == [{**running, "end": None}]  # still taken on the as-of date
    assert known_on(record, "2026-01-01")["biopsy"] is None  # the biopsy came later

    items = [(1, record, "2026-11-27"), (2, {**record, "sex": "unknown"}, "2026-11-27")]
    gaps = plan_items(items, "eular2023")
    # EULAR 2023: hydroxychloroquine for every patient with LN unless contraindicated; p01 takes none.
    assert (1, "hcq-start") in {(pid, gap) for pid, gap, _ in gaps}
    errors = [detail for pid, gap, detail in gaps if gap == "record_error"]
    assert len(errors) == 1 and errors[0].startswith("sex")
