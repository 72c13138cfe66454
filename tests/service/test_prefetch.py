"""Prefetch templates and gap filling, against CDS Hooks 2.0.1 (domain/interop.md 1.4, 1.10)."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from lncare.service import prefetch
from lncare.service.prefetch import FhirAccess, PrefetchUnavailable, complete, gaps, http_fetch

# Root-level context tokens 2.0.1 allows in a template (interop.md 1.4).
READ_OR_SEARCH = r"[A-Z][A-Za-z]+(/\{\{context\.patientId\}\}|\?patient=\{\{context\.patientId\}\}.*)"
ALLOWED_TOKENS = {"{{context.patientId}}", "{{context.userId}}", "{{context.encounterId}}"}


def test_templates_are_r4_reads_or_searches_with_root_level_tokens_only() -> None:
    for key, template in prefetch.TEMPLATES.items():
        assert re.fullmatch(READ_OR_SEARCH, template), key
        assert set(re.findall(r"\{\{[^}]*\}\}", template)) <= ALLOWED_TOKENS, key
        # the spec's own example uses 'sort:desc=date', which is not R4 search syntax (interop.md 1.4)
        assert "sort:" not in template


def test_observation_template_asks_for_the_codes_the_engine_needs() -> None:
    codes = set(prefetch.TEMPLATES["observations"].split("code=")[1].split(","))
    # LOINC codes from interop.md 2.1: UPCR, creatinine, eGFR CKD-EPI 2021, C3, body weight, pregnancy status
    for code in ("2890-2", "2160-0", "98979-8", "4485-9", "29463-7", "82810-3"):
        assert f"http://loinc.org|{code}" in codes
    assert prefetch.TEMPLATES["patient"] == "Patient/{{context.patientId}}"
    assert "status=active,on-hold,completed,stopped" in prefetch.TEMPLATES["medicationRequests"]


def _full() -> dict[str, Any]:
    empty = {"resourceType": "Bundle", "type": "searchset", "entry": []}
    return {key: empty for key in prefetch.TEMPLATES} | {"patient": {"resourceType": "Patient", "id": "p1"}}


def test_gaps_are_absent_keys_operation_outcomes_and_paged_bundles_but_not_null() -> None:
    sent = _full()
    assert gaps(sent) == []
    del sent["allergies"]
    sent["conditions"] = {"resourceType": "OperationOutcome", "issue": []}
    sent["observations"] = {"resourceType": "Bundle", "type": "searchset", "entry": [],
                            "link": [{"relation": "next", "url": "https://ehr/fhir/Observation?page=2"}]}
    sent["medicationStatements"] = None
    assert sorted(gaps(sent)) == ["allergies", "conditions", "observations"]
    assert gaps(None) == list(prefetch.TEMPLATES)


def test_a_gap_without_fhir_server_is_unavailable_naming_the_key() -> None:
    sent = _full()
    del sent["observations"]
    with pytest.raises(PrefetchUnavailable) as err:
        complete(sent, "p1", None)
    assert err.value.key == "observations"


def test_complete_fetches_only_the_gaps_with_the_patient_filled_in() -> None:
    sent = _full() | {"extra": {"resourceType": "Patient", "id": "other"}}
    del sent["allergies"]
    asked: list[str] = []

    def fetch(query: str) -> dict[str, Any]:
        asked.append(query)
        return {"resourceType": "Bundle", "type": "searchset", "entry": []}

    filled = complete(sent, "p1", fetch)
    assert asked == ["AllergyIntolerance?patient=p1"]
    assert set(filled) == set(prefetch.TEMPLATES)  # a key lncare did not ask for is dropped


def _server(pages: dict[str, Any], seen: list[httpx.Request]) -> httpx.Client:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = request.url.path + ("?" + request.url.query.decode() if request.url.query else "")
        body = pages.get(path)
        if body is None:
            return httpx.Response(404, json={"resourceType": "OperationOutcome", "issue": []})
        status = body.pop("_status", 200) if isinstance(body, dict) else 200
        return httpx.Response(status, content=json.dumps(body))

    return httpx.Client(transport=httpx.MockTransport(handle))


def test_http_fetch_sends_the_token_and_follows_pages_on_the_same_server() -> None:
    obs = {"resourceType": "Observation", "id": "o1"}
    pages = {
        "/fhir/Observation?patient=p1": {"resourceType": "Bundle", "entry": [{"resource": obs}],
                                         "link": [{"relation": "next", "url": "https://ehr.test/fhir/page2"}]},
        "/fhir/page2": {"resourceType": "Bundle", "entry": [{"resource": {**obs, "id": "o2"}}]},
    }
    seen: list[httpx.Request] = []
    fetch = http_fetch(FhirAccess("https://ehr.test/fhir", "secret"), _server(pages, seen))
    found = fetch("Observation?patient=p1")
    assert found is not None
    assert [e["resource"]["id"] for e in found["entry"]] == ["o1", "o2"]
    assert all(r.headers["authorization"] == "Bearer secret" for r in seen)


def test_a_next_page_on_another_host_is_not_followed_with_the_token() -> None:
    pages = {"/fhir/Condition?patient=p1": {"resourceType": "Bundle", "entry": [],
                                            "link": [{"relation": "next", "url": "https://evil.test/x"}]}}
    seen: list[httpx.Request] = []
    fetch = http_fetch(FhirAccess("https://ehr.test/fhir", "secret"), _server(pages, seen))
    with pytest.raises(PrefetchUnavailable):
        fetch("Condition?patient=p1")
    assert [r.url.host for r in seen] == ["ehr.test"]


def test_a_missing_patient_read_is_null_and_a_server_error_is_unavailable() -> None:
    seen: list[httpx.Request] = []
    fetch = http_fetch(FhirAccess("https://ehr.test/fhir", None),
                       _server({"/fhir/Condition?patient=p1": {"_status": 500}}, seen))
    assert fetch("Patient/p1") is None
    with pytest.raises(PrefetchUnavailable) as err:
        fetch("Condition?patient=p1")
    assert err.value.key == "Condition" and "p1" not in str(err.value)
    assert "authorization" not in seen[0].headers


@pytest.mark.parametrize("server", ["http://ehr.test/fhir", "ftp://ehr.test/fhir", "not a url"])
def test_a_token_never_travels_in_clear_text(server: str) -> None:
    with pytest.raises(PrefetchUnavailable) as err:
        http_fetch(FhirAccess(server, "secret"), httpx.Client())
    assert err.value.key == "fhirServer"


def test_plain_http_is_allowed_on_loopback_only() -> None:
    http_fetch(FhirAccess("http://127.0.0.1:8080/fhir", "secret"), httpx.Client())
