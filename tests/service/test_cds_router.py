"""The CDS Hooks routes through the app (CDS Hooks 2.0.1, domain/interop.md 1.2-1.7)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from lncare.service.app import create_app
from lncare.service.prefetch import as_prefetch
from lncare.service.settings import Settings

FHIR = Path(__file__).parents[2] / "examples" / "fhir"
PATIENT_VIEW = "/cds-services/lncare-patient-view"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(insecure_no_auth=True))) as test_client:
        yield test_client


def prefetch_of(example: str) -> dict[str, Any]:
    """The example Bundle split the way an EHR fills lncare's prefetch keys."""
    return as_prefetch(json.loads((FHIR / f"{example}.json").read_text()))


def request(hook: str, patient: str, **extra: Any) -> dict[str, Any]:
    return {"hook": hook, "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/1", "patientId": patient}, **extra}


def mmf_order(rid: str) -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "id": rid, "status": "draft", "intent": "order",
            "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "68149"}]},
            "dosageInstruction": [{
                "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
                "route": {"coding": [{"system": "http://snomed.info/sct", "code": "26643006"}]},
                "doseAndRate": [{"doseQuantity": {"value": 1000, "unit": "mg",
                                                  "system": "http://unitsofmeasure.org", "code": "mg"}}]}]}


def test_discovery_lists_the_three_services_with_prefetch(client: TestClient) -> None:
    response = client.get("/cds-services")
    assert response.status_code == 200
    services = {s["id"]: s for s in response.json()["services"]}
    assert {s["hook"] for s in services.values()} == {"patient-view", "order-select", "order-sign"}
    for service in services.values():
        assert service["description"] and service["prefetch"]["patient"] == "Patient/{{context.patientId}}"


def test_patient_view_answers_cards_per_spec(client: TestClient) -> None:
    body = request("patient-view", "p01", prefetch=prefetch_of("p01-class-iv-new"))
    response = client.post("/cds-services/lncare-patient-view", json=body)
    assert response.status_code == 200
    cards = response.json()["cards"]
    assert any(c["summary"].startswith("No hydroxychloroquine") for c in cards)
    for card in cards:
        assert len(card["summary"]) < 140 and card["indicator"] in ("info", "warning", "critical")
        assert card["source"]["label"] and card["uuid"]
    linked = [c["source"]["url"] for c in cards if "url" in c["source"]]
    assert linked and all(url.startswith("http://testserver/api/kb/") for url in linked)
    assert client.get(linked[0].removeprefix("http://testserver")).status_code == 200


def test_status_card_links_to_this_patients_plan_and_the_link_is_private(client: TestClient) -> None:
    body = request("patient-view", "p01", prefetch=prefetch_of("p01-class-iv-new"))
    cards = client.post(PATIENT_VIEW, json=body).json()["cards"]
    links = [link["url"] for c in cards for link in c.get("links", []) if link["label"] == "Full lncare plan"]
    assert len(links) == 1 and links[0].startswith("http://testserver/?plan=")
    token = links[0].split("?plan=", 1)[1]
    shared = client.get(f"/api/plans/{token}")
    assert shared.status_code == 200 and shared.headers["cache-control"] == "no-store"
    found = shared.json()
    # the record the service read (p01 has no HCQ) and the plan it made, which starts HCQ
    assert found["patient"]["id"] == "p01" and found["plan"]["patient_id"] == "p01"
    assert any(line["id"] == "hcq-start" for line in found["plan"]["recommendations"])
    again = client.post(PATIENT_VIEW, json=body).json()["cards"]
    assert not any(links[0] == link["url"] for c in again for link in c.get("links", []))  # a new token
    missing = client.get("/api/plans/not-a-token")
    assert missing.status_code == 404 and missing.json()["field"] == "token"


def test_order_sign_flags_mmf_in_pregnancy(client: TestClient) -> None:
    drafts = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": mmf_order("m9")}]}
    body = request("order-sign", "p07", prefetch=prefetch_of("p07-pregnant-active-ln"))
    body["context"]["draftOrders"] = drafts
    response = client.post("/cds-services/lncare-order-sign", json=body)
    assert response.status_code == 200
    critical = [c for c in response.json()["cards"] if c["indicator"] == "critical"]
    assert len(critical) == 1 and "MedicationRequest/m9" in critical[0]["summary"]
    assert critical[0]["selectionBehavior"] == "at-most-one"
    assert critical[0]["suggestions"][0]["actions"][0] == {
        "type": "delete", "description": "Remove MedicationRequest/m9", "resourceId": "MedicationRequest/m9"}


def test_missing_prefetch_without_fhir_server_is_412_with_an_operation_outcome(client: TestClient) -> None:
    sent = prefetch_of("p01-class-iv-new")
    del sent["observations"]
    response = client.post(PATIENT_VIEW, json=request("patient-view", "p01", prefetch=sent))
    assert response.status_code == 412
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert "observations" in outcome["issue"][0]["diagnostics"]


def test_partial_prefetch_is_completed_from_the_fhir_server(client: TestClient) -> None:
    full = prefetch_of("p01-class-iv-new")
    seen: list[httpx.Request] = []

    def ehr(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        return httpx.Response(200, json=full["observations"])

    client.app.state.fhir_transport = httpx.MockTransport(ehr)  # type: ignore[attr-defined]
    sent = {k: v for k, v in full.items() if k != "observations"}
    body = request("patient-view", "p01", prefetch=sent, fhirServer="https://ehr.test/fhir",
                   fhirAuthorization={"access_token": "tok", "token_type": "Bearer", "expires_in": 300,
                                      "scope": "patient/Observation.read", "subject": "lncare"})
    response = client.post("/cds-services/lncare-patient-view", json=body)
    assert response.status_code == 200
    assert [r.url.path for r in seen] == ["/fhir/Observation"]
    assert seen[0].url.params["patient"] == "p01" and seen[0].headers["authorization"] == "Bearer tok"
    assert any(c["summary"].startswith("No hydroxychloroquine") for c in response.json()["cards"])


def test_a_null_patient_is_412(client: TestClient) -> None:
    sent = prefetch_of("p01-class-iv-new") | {"patient": None}
    response = client.post(PATIENT_VIEW, json=request("patient-view", "p01", prefetch=sent))
    assert response.status_code == 412


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("/cds-services/nope", request("patient-view", "p01"), 404, "service_id"),
        ("/cds-services/lncare-order-sign", request("patient-view", "p01"), 422, "hook"),
        ("/cds-services/lncare-patient-view", request("patient-view", "p01/../x"), 422, "context.patientId"),
        ("/cds-services/lncare-patient-view", {"hook": "patient-view"}, 422, "hookInstance"),
    ],
)
def test_bad_calls_name_the_field(client: TestClient, path: str, body: dict[str, Any], status: int,
                                  field: str) -> None:
    response = client.post(path, json=body)
    assert response.status_code == status
    assert response.json()["field"] == field


def test_patient_id_must_match_the_prefetched_patient(client: TestClient) -> None:
    body = request("patient-view", "someone-else", prefetch=prefetch_of("p01-class-iv-new"))
    response = client.post("/cds-services/lncare-patient-view", json=body)
    assert response.status_code == 422


def test_feedback_is_recorded_once(client: TestClient) -> None:
    body = {"feedback": [{"card": "c1", "outcome": "overridden", "outcomeTimestamp": "2026-11-27T10:00:00Z",
                          "overrideReason": {"reason": {"system": "https://lncare.org/fhir/CodeSystem/"
                                                        "override-reason", "code": "not-applicable",
                                                        "display": "Does not apply to this patient"}}}]}
    first = client.post("/cds-services/lncare-order-sign/feedback", json=body)
    again = client.post("/cds-services/lncare-order-sign/feedback", json=body)
    assert (first.status_code, first.json()) == (200, {"received": 1, "stored": 1})
    assert again.json() == {"received": 1, "stored": 0}
    bad = client.post("/cds-services/lncare-order-sign/feedback", json={"feedback": [{"card": "c1"}]})
    assert bad.status_code == 422


def test_cds_routes_refuse_a_call_without_a_token() -> None:
    with TestClient(create_app(Settings())) as secure:
        assert secure.get("/cds-services").status_code == 401
        assert secure.post("/cds-services/lncare-patient-view", json={}).status_code == 401
        assert secure.post("/cds-services/lncare-patient-view/feedback", json={}).status_code == 401
