"""REST endpoints over real HTTP (uvicorn on loopback): plans, knowledge, and 4xx problems for bad input.

Clinical expectations come from the guidelines, not from the engine: every patient with LN takes
hydroxychloroquine at <= 5 mg/kg/day of actual body weight (EULAR 2023 rec. 1; AAO 2016,
doi:10.1016/j.ophtha.2016.01.058); CD20 antibodies are rituximab and obinutuzumab; BLISS-LN tested
belimumab (Furie, NEJM 2020).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lncare.cli.serve import background_server
from lncare.engine.profile import PROFILES
from lncare.service import rest
from lncare.service.app import create_app
from lncare.service.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
P01 = json.loads((EXAMPLES / "p01-class-iv-new.json").read_text())
P01_FHIR = json.loads((EXAMPLES / "fhir" / "p01-class-iv-new.json").read_text())
AS_OF = {"as_of": "2026-11-27"}


@pytest.fixture(scope="module")
def api() -> Iterator[httpx.Client]:
    with background_server(create_app(Settings())) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def _problem(response: httpx.Response, status: int, field: str | None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    if field is not None:
        assert body["field"] == field
        assert field in body["detail"]
    return body


def _hcq(plan: dict[str, Any]) -> dict[str, Any]:
    (line,) = [r for r in plan["recommendations"] if r["drug"] == "hydroxychloroquine"]
    return line


def test_recommend_gives_an_untreated_class_iv_patient_hcq_within_5_mg_per_kg(api: httpx.Client) -> None:
    response = api.post("/api/recommend", params=AS_OF, json=P01)
    assert response.status_code == 200
    plan = response.json()
    assert (plan["patient_id"], plan["as_of"], plan["guideline"]) == ("p01", "2026-11-27", "eular2023")
    hcq = _hcq(plan)
    assert hcq["action"] == "start"
    assert hcq["dose"]["frequency"] == "daily"
    assert 0 < hcq["dose"]["amount"] <= 5 * P01["weight_kg"]
    assert hcq["cites"]


def test_a_fhir_bundle_gives_the_same_plan_as_the_record(api: httpx.Client) -> None:
    from_json = api.post("/api/recommend", params=AS_OF, json=P01).json()
    from_fhir = api.post("/api/recommend", params=AS_OF, json=P01_FHIR).json()
    assert from_fhir["recommendations"] == from_json["recommendations"]
    assert from_fhir["assessment"] == from_json["assessment"]


@pytest.mark.parametrize("guideline", ["eular2023", "kdigo2024", "acr2024"])
def test_the_guideline_parameter_picks_the_profile(api: httpx.Client, guideline: str) -> None:
    plan = api.post("/api/recommend", params={**AS_OF, "guideline": guideline}, json=P01).json()
    assert plan["guideline"] == guideline


def test_the_guideline_choices_are_the_engines_profiles() -> None:
    assert rest.GuidelineName.__args__ == PROFILES  # type: ignore[attr-defined]


def test_as_of_defaults_to_today(api: httpx.Client) -> None:
    plan = api.post("/api/recommend", json={"id": "x", "sex": "female", "age": 30}).json()
    assert plan["as_of"] == date.today().isoformat()


def test_assess_says_a_patient_without_medication_is_untreated(api: httpx.Client) -> None:
    response = api.post("/api/assess", params=AS_OF, json=P01)
    assert response.status_code == 200
    assert response.json()["phase"] == "untreated"


def test_a_bad_unit_names_the_lab_field(api: httpx.Client) -> None:
    record = {**P01, "labs": [{"test": "upcr", "value": 3.4, "unit": "mmol/L", "date": "2026-11-03"}]}
    body = _problem(api.post("/api/recommend", params=AS_OF, json=record), 422, "labs[0].unit")
    assert "mmol/L" in body["detail"]


def test_an_event_after_as_of_is_refused(api: httpx.Client) -> None:
    response = api.post("/api/assess", params={"as_of": "2026-01-01"}, json=P01)
    assert 400 <= response.status_code < 500
    assert response.json()["field"]


def test_an_unknown_guideline_is_a_422_naming_it(api: httpx.Client) -> None:
    _problem(api.post("/api/recommend", params={"guideline": "nice2030"}, json=P01), 422, "guideline")


def test_a_bad_date_is_a_422_naming_as_of(api: httpx.Client) -> None:
    _problem(api.post("/api/assess", params={"as_of": "27/11/2026"}, json=P01), 422, "as_of")


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b'"text"', b""])
def test_a_body_that_is_not_a_json_object_is_a_422(api: httpx.Client, content: bytes) -> None:
    response = api.post("/api/recommend", content=content, headers={"Content-Type": "application/json"})
    _problem(response, 422, None)


def test_an_empty_bundle_names_its_entries(api: httpx.Client) -> None:
    response = api.post("/api/recommend", json={"resourceType": "Bundle", "type": "collection", "entry": []})
    body = _problem(response, 422, None)
    assert "Bundle.entry" in body["field"]


def test_a_body_over_the_limit_is_a_413(api: httpx.Client) -> None:
    record = {**P01, "notes": {"padding": "x" * (3 * 1024 * 1024)}}
    _problem(api.post("/api/recommend", json=record), 413, None)


def test_a_chunked_body_over_the_limit_is_a_413(api: httpx.Client) -> None:
    # No Content-Length: the limit must hold while the body streams in.
    def chunks() -> Iterator[bytes]:
        yield b'{"padding": "'
        for _ in range(40):
            yield b"x" * 65536
        yield b'"}'

    response = api.post("/api/recommend", content=chunks(), headers={"Content-Type": "application/json"})
    _problem(response, 413, None)


def test_therapies_by_target(api: httpx.Client) -> None:
    response = api.get("/api/kb/therapies", params={"target": "CD20"})
    assert response.status_code == 200
    assert {t["id"] for t in response.json()} == {"rituximab", "obinutuzumab"}


def test_a_therapy_filter_the_kb_does_not_know_is_a_422_naming_it(api: httpx.Client) -> None:
    _problem(api.get("/api/kb/therapies", params={"target": "nonsense-target"}), 422, "target")
    _problem(api.get("/api/kb/therapies", params={"class": "nonsense-class"}), 422, "class")


def test_trials_by_drug_include_bliss_ln(api: httpx.Client) -> None:
    ids = {t["id"] for t in api.get("/api/kb/trials", params={"drug": "belimumab"}).json()}
    assert "bliss-ln" in ids


def test_statements_by_guideline(api: httpx.Client) -> None:
    found = api.get("/api/kb/statements", params={"guideline": "kdigo2024"}).json()
    assert found
    assert {s["document"] for s in found} == {"kdigo2024"}


def test_definitions_by_concept(api: httpx.Client) -> None:
    found = api.get("/api/kb/definitions", params={"concept": "renal_response"}).json()
    assert found
    assert {d["concept"] for d in found} == {"renal_response"}


def test_one_item_by_id(api: httpx.Client) -> None:
    trial = api.get("/api/kb/bliss-ln").json()
    assert trial["id"] == "bliss-ln"
    assert "belimumab" in json.dumps(trial).lower()


def test_an_unknown_item_is_a_404_naming_it(api: httpx.Client) -> None:
    _problem(api.get("/api/kb/no-such-item"), 404, "item_id")


def test_healthz_answers_without_authentication(api: httpx.Client) -> None:
    body = api.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["knowledge"]


def test_openapi_describes_the_plan_and_docs_are_served(api: httpx.Client) -> None:
    schema = api.get("/openapi.json").json()
    ok = schema["paths"]["/api/recommend"]["post"]["responses"]["200"]["content"]["application/json"]
    assert ok["schema"]["$ref"].endswith("/Plan")
    assert {"/api/assess", "/api/kb/therapies", "/api/kb/{item_id}", "/healthz"} <= set(schema["paths"])
    docs = api.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


def test_an_unknown_path_and_a_wrong_method_are_problems(api: httpx.Client) -> None:
    _problem(api.get("/api/nothing-here"), 404, None)
    _problem(api.get("/api/recommend"), 405, None)


_NUMBERS = st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False)
_SCALARS = st.none() | st.booleans() | _NUMBERS | st.text(max_size=12)
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.sampled_from(["test", "value", "unit", "date", "drug", "dose", "classes", "resourceType"]), inner,
    max_size=4), max_leaves=8)
_RECORDS = st.dictionaries(
    st.sampled_from(["id", "sex", "age", "birth_date", "weight_kg", "height_cm", "pregnancy", "biopsy",
                     "labs", "medications", "conditions", "allergies", "notes", "resourceType", "entry"]),
    _VALUES, max_size=8,
)


# Bounded stand-in for schemathesis (not installed): random records over real HTTP must not reach a 5xx.
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(record=_RECORDS, path=st.sampled_from(["/api/recommend", "/api/assess"]))
def test_malformed_records_never_cause_a_5xx(api: httpx.Client, record: dict[str, Any], path: str) -> None:
    response = api.post(path, params=AS_OF, json=record)
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert response.json()["field"]
