"""Schemathesis over the service's own OpenAPI schema, in process (ASGI, no network).

Every operation the schema lists (REST and CDS Hooks, the latter opened with ``insecure_no_auth`` so the
generated calls reach the handlers) gets valid and invalid examples; each answer must not be a 5xx and
must match what the schema documents: status code, media type, body and headers. The examples are
derandomised so that a failure reproduces, and bounded so the module stays well under a minute on two
cores. Below it, one test per fix that schemathesis led to, over real HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from lncare.cli.serve import background_server
from lncare.service.app import create_app
from lncare.service.settings import Settings

EXAMPLES_PER_OPERATION = 60  # 11 operations at about 0.01 s each keeps the module near 15 s
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
PROBLEM = "application/problem+json"
PATIENT = {"id": "p-001", "sex": "female", "age": 32, "weight_kg": 62.0, "labs": []}

APP = create_app(Settings(insecure_no_auth=True))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_5xx_or_off_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)


def test_the_schema_lists_every_rest_and_cds_hooks_operation() -> None:
    # An operation left out of the schema would escape the test above.
    listed = {(op.method.upper(), op.path) for op in (result.ok() for result in schema.get_all_operations())}
    # the web page's own data routes (service/web) are listed too, under /web/
    assert {(method, path) for method, path in listed if not path.startswith("/web/")} == {
        ("GET", "/healthz"),
        ("POST", "/api/assess"),
        ("POST", "/api/recommend"),
        ("GET", "/api/kb/therapies"),
        ("GET", "/api/kb/trials"),
        ("GET", "/api/kb/statements"),
        ("GET", "/api/kb/definitions"),
        ("GET", "/api/kb/{item_id}"),
        ("GET", "/api/plans/{token}"),
        ("GET", "/cds-services"),
        ("POST", "/cds-services/{service_id}"),
        ("POST", "/cds-services/{service_id}/feedback"),
    }


def _refusals(operation: dict[str, Any]) -> dict[str, Any]:
    return {code: entry for code, entry in operation["responses"].items() if code.startswith("4")}


def test_every_documented_refusal_is_problem_json_not_fastapis_default() -> None:
    # Found by schemathesis: 4xx answers were problem+json but documented as FastAPI's application/json
    # HTTPValidationError, and 404/400 were not documented at all (RFC 9457 is what the app sends).
    document = APP.openapi()
    assert "HTTPValidationError" not in document.get("components", {}).get("schemas", {})
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            for code, entry in _refusals(operation).items():
                if (path, code) == ("/cds-services/{service_id}", "412"):
                    continue  # a FHIR OperationOutcome, checked below
                assert list(entry["content"]) == [PROBLEM], (method, path, code)
                required = entry["content"][PROBLEM]["schema"]["required"]
                assert {"type", "title", "status", "detail"} <= set(required), (method, path, code)


def test_documented_refusals_name_the_statuses_each_route_gives() -> None:
    paths = APP.openapi()["paths"]
    assert set(_refusals(paths["/api/assess"]["post"])) == {"400", "413", "422"}
    assert set(_refusals(paths["/api/kb/{item_id}"]["get"])) == {"404", "422"}
    assert set(_refusals(paths["/api/kb/therapies"]["get"])) == {"422"}
    call = paths["/cds-services/{service_id}"]["post"]
    feedback = paths["/cds-services/{service_id}/feedback"]["post"]
    assert set(_refusals(call)) == {"400", "401", "404", "412", "413", "422"}
    assert set(_refusals(feedback)) == {"400", "401", "404", "413", "422"}
    outcome = call["responses"]["412"]["content"]["application/json"]
    assert outcome["schema"]["properties"]["resourceType"] == {"const": "OperationOutcome"}


@pytest.fixture(scope="module")
def api() -> Iterator[httpx.Client]:
    with background_server(APP) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


@pytest.mark.parametrize("path", ["/api/assess", "/api/recommend"])
def test_a_plan_date_before_1900_is_a_422_naming_as_of(api: httpx.Client, path: str) -> None:
    # Found by schemathesis: as_of=0001-01-01 made the engine's 100-year look-back leave the calendar (500).
    response = api.post(path, params={"as_of": "0001-01-01"}, json=PATIENT)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["field"] == "as_of"
    assert "1900-01-01" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/api/assess", "/api/recommend"])
def test_a_plan_dated_1900_01_01_is_still_answered(api: httpx.Client, path: str) -> None:
    response = api.post(path, params={"as_of": "1900-01-01"}, json=PATIENT)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("path", ["/api/recommend", "/cds-services/lncare-order-sign"])
def test_a_body_that_is_not_utf8_json_is_a_documented_400_problem(api: httpx.Client, path: str) -> None:
    # Found by schemathesis: bytes that are not UTF-8 got FastAPI's 400, which the schema did not list.
    response = api.post(path, content=b"\r\xff1\x11\xfe", headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["status"] == 400
