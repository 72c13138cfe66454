"""The page's own endpoints over loopback HTTP: examples, forest plots, vocabularies, the course, and
problems naming the field for bad input.

Expected values are independent of the code: UPCR values as the example record gives them; 1 mg/mmol of
creatinine = 1/113.12 g/g (creatinine molar mass 113.12 g/mol); the CKD-EPI 2021 creatinine equation
(Inker et al., NEJM 2021) computed here for p03's first creatinine; KDIGO 2024 complete response at
UPCR < 0.5 g/g and EULAR 2019's < 0.5-0.7 g/g; p03's prednisone prescriptions of 30, 20, 10, 7.5 mg/day.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from lncare.cli.serve import background_server
from lncare.service.app import create_app
from lncare.service.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
P03 = json.loads((EXAMPLES / "p03-class-iii-induction.json").read_text(encoding="utf-8"))
AS_OF = {"as_of": "2026-11-27"}
CREATININE_G_PER_MOL = 113.12


@pytest.fixture(scope="module")
def api() -> Iterator[httpx.Client]:
    with background_server(create_app(Settings())) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def _problem(response: httpx.Response, status: int, field: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["field"] == field
    assert field in body["detail"]
    return body


def _course(api: httpx.Client, record: dict[str, Any], **params: str) -> dict[str, Any]:
    response = api.post("/web/api/course", params={**AS_OF, **params}, json=record)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _ckd_epi_2021(creatinine: float, age: int, female: bool) -> float:
    kappa, alpha = (0.7, -0.241) if female else (0.9, -0.302)
    ratio = creatinine / kappa
    value = 142 * min(ratio, 1) ** alpha * max(ratio, 1) ** -1.200 * 0.9938**age
    return value * 1.012 if female else value


def test_the_page_and_its_files_are_served(api: httpx.Client) -> None:
    page = api.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="en">' in page.text
    for path in ("/web/static/js/main.js", "/web/static/css/app.css", "/web/static/locales/zh-CN.json"):
        assert api.get(path).status_code == 200, path
    assert "javascript" in api.get("/web/static/js/main.js").headers["content-type"]


@pytest.mark.parametrize("path", ["../routes.py", "..%2Froutes.py", "locales/SOURCES.md", "nothing.js"])
def test_nothing_but_the_pages_files_is_served(api: httpx.Client, path: str) -> None:
    assert api.get(f"/web/static/{path}").status_code == 404


def test_every_example_is_listed_and_served_as_record_and_bundle(api: httpx.Client) -> None:
    listed = api.get("/web/examples").json()
    assert [e["name"] for e in listed] == sorted(p.stem for p in EXAMPLES.glob("*.json"))
    assert len(listed) == 13
    p03 = api.get("/web/examples/p03-class-iii-induction").json()
    assert p03 == P03
    bundle = api.get("/web/examples/p03-class-iii-induction", params={"format": "fhir"}).json()
    assert bundle["resourceType"] == "Bundle"


def test_an_unknown_example_is_a_404_naming_it(api: httpx.Client) -> None:
    _problem(api.get("/web/examples/p99-nobody"), 404, "name")
    _problem(api.get("/web/examples/p01-class-iv-new", params={"format": "xml"}), 422, "format")


def test_forest_plots_are_listed_with_titles_and_served_as_svg(api: httpx.Client) -> None:
    plots = api.get("/web/evidence").json()
    committed = sorted(p.stem for p in (EXAMPLES.parent / "docs" / "evidence").glob("lupus-*.svg"))
    assert sorted(p["name"] for p in plots) == committed
    svg = api.get(f"/web/evidence/{plots[0]['name']}")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content[:500]
    _problem(api.get("/web/evidence/not-a-plot"), 404, "name")


def test_the_vocabulary_offers_the_units_of_contract_1(api: httpx.Client) -> None:
    vocabulary = api.get("/web/vocabulary").json()
    assert set(vocabulary["tests"]["upcr"]["units"]) == {"g/g", "mg/g", "mg/mg", "mg/mmol"}  # DESIGN.md
    assert vocabulary["frequencies"] == ["once", "daily", "bid", "tid", "weekly", "q2w", "q4w", "monthly",
                                         "q6months"]
    assert "hydroxychloroquine" in vocabulary["drugs"]


def test_the_course_gives_lab_series_in_canonical_units(api: httpx.Client) -> None:
    course = _course(api, P03)
    series = {s["test"]: s for s in course["series"]}
    assert series["upcr"]["unit"] == "g/g"
    given = [(lab["date"], lab["value"]) for lab in P03["labs"] if lab["test"] == "upcr"]
    assert [(p["date"], p["value"]) for p in series["upcr"]["points"]] == given

    record = {**P03, "labs": [{"test": "upcr", "value": 100, "unit": "mg/mmol", "date": "2026-08-05"}]}
    converted = {s["test"]: s for s in _course(api, record)["series"]}["upcr"]["points"][0]["value"]
    assert math.isclose(converted, 100 / CREATININE_G_PER_MOL, rel_tol=1e-9)


def test_the_course_gives_egfr_per_date_with_its_equation(api: httpx.Client) -> None:
    course = _course(api, P03)
    first = course["egfr"][0]
    creatinine = next(lab for lab in P03["labs"] if lab["test"] == "creatinine")
    born, on = date.fromisoformat(P03["birth_date"]), date.fromisoformat(creatinine["date"])
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    assert first["date"] == creatinine["date"]
    assert first["equation"] == "ckd-epi-2021-cr"
    assert first["value"] == pytest.approx(_ckd_epi_2021(creatinine["value"], age, female=True), abs=0.05)
    assert len(course["egfr"]) == sum(lab["test"] == "creatinine" for lab in P03["labs"])


def test_the_course_gives_the_prednisone_dose_over_time_and_the_pulses_apart(api: httpx.Client) -> None:
    gc = _course(api, P03)["glucocorticoid"]
    oral = [m for m in P03["medications"] if m["drug"] == "prednisone"]
    assert [(s["start"], s["mg_per_day"]) for s in gc["steps"]] == [(m["start"], m["dose"]) for m in oral]
    assert gc["steps"][-1]["end"] == AS_OF["as_of"]
    assert [p["drug"] for p in gc["pulses"]] == ["methylprednisolone"]


def test_the_course_carries_the_profiles_response_thresholds(api: httpx.Client) -> None:
    kdigo = _course(api, P03, guideline="kdigo2024")["thresholds"]
    complete = [t for t in kdigo if t["test"] == "upcr" and t["definition"] == "kdigo2024-response-complete"]
    assert [(t["comparator"], t["value"]) for t in complete] == [("<", 0.5)]
    eular = _course(api, P03, guideline="eular2023")["thresholds"]
    ranged = [t for t in eular if t["test"] == "upcr" and t["definition"] == "eular2019-response-complete"]
    assert [(t["low"], t["high"]) for t in ranged] == [(0.5, 0.7)]
    # EULAR 2019's 3-month milestone: UPCR at least 25 % below baseline, drawn from p03's baseline UPCR.
    baseline = next(lab["value"] for lab in P03["labs"] if lab["test"] == "upcr")
    three = next(t for t in eular if t["definition"] == "eular2019-milestone-3-months")
    assert three["comparator"] == "<=" and three["value"] == pytest.approx(baseline * 0.75)


def test_the_course_of_a_fhir_bundle_returns_the_record_it_maps_to(api: httpx.Client) -> None:
    bundle = json.loads((EXAMPLES / "fhir" / "p03-class-iii-induction.json").read_text(encoding="utf-8"))
    course = _course(api, bundle)
    assert course["record"]["weight_kg"] == P03["weight_kg"]
    assert len(course["record"]["labs"]) == len(P03["labs"])


@pytest.mark.parametrize(
    ("change", "params", "field"),
    [
        ({"weight_kg": -5.0}, {}, "weight_kg"),
        ({"labs": [{"test": "upcr", "value": 1, "unit": "mmol/L", "date": "2026-08-05"}]}, {},
         "labs[0].unit"),
        ({}, {"guideline": "nice2099"}, "guideline"),
        ({}, {"as_of": "1800-01-01"}, "as_of"),
    ],
)
def test_bad_input_to_the_course_is_a_422_naming_the_field(
    api: httpx.Client, change: dict[str, Any], params: dict[str, str], field: str
) -> None:
    response = api.post("/web/api/course", params={**AS_OF, **params}, json={**P03, **change})
    _problem(response, 422, field)
