"""CDS Hooks 2.0.1 routes: discovery, the three lncare services, and feedback (domain/interop.md 1).

``GET /cds-services`` lists the services with their prefetch templates; ``POST /cds-services/{id}`` runs
one; ``POST /cds-services/{id}/feedback`` records what the clinician did with its cards. Every route takes
the EHR's JWT through :func:`lncare.service.auth.cds_claims`. The data is the prefetch, completed from
``fhirServer`` where it falls short (:mod:`lncare.service.prefetch`); when neither has it the answer is 412
with a FHIR OperationOutcome saying which data (CDS Hooks 2.0.1 Prefetch; 3.0 ballot: errors SHOULD carry
an OperationOutcome). A service call runs the engine on the event loop: the work is a few milliseconds of
pure Python under the GIL, which a thread pool cannot run in parallel and only delays with hand-offs
(measured by ``make bench``); only a call to ``fhirServer`` goes to a worker thread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from lncare.engine import context as engine_context
from lncare.engine import recommend
from lncare.errors import InputError, from_validation_error
from lncare.fhir import load_fhir
from lncare.service import feedback, prefetch
from lncare.service.auth import cds_claims
from lncare.service.cards import Card, patient_view_cards
from lncare.service.orders import draft_orders, order_cards
from lncare.service.plan_links import PlanLinks, SharedPlan
from lncare.service.problems import Problem, responses
from lncare.service.settings import Settings

# Every route checks the EHR's JWT (401); the documented refusals are the problem+json actually sent.
router = APIRouter(tags=["cds-hooks"], dependencies=[Depends(cds_claims)], responses=responses(401))
# A body that is not UTF-8 JSON is a 400 from FastAPI, one over the limit a 413 from the app; an
# unknown service id is a 404.
BAD_CALL = responses(400, 404, 413, 422)
PRECONDITION_FAILED: dict[int | str, dict[str, Any]] = {
    412: {
        "description": "Patient data neither in the prefetch nor at fhirServer: a FHIR OperationOutcome.",
        "content": {"application/json": {"schema": {
            "type": "object", "required": ["resourceType", "issue"],
            "properties": {"resourceType": {"const": "OperationOutcome"}, "issue": {"type": "array"}},
        }}},
    },
}


@dataclass(frozen=True)
class Service:
    id: str
    hook: Literal["patient-view", "order-select", "order-sign"]
    title: str
    description: str


SERVICES = {
    s.id: s
    for s in (
        Service("lncare-patient-view", "patient-view", "Lupus nephritis status",
                "Renal response, glucocorticoid exposure against target, and gaps in LN care (no "
                "hydroxychloroquine or an excess dose, glucocorticoid above target, no RAAS blockade, "
                "overdue monitoring), each with the guideline statement behind it."),
        Service("lncare-order-select", "order-select", "Lupus nephritis drug check",
                "Checks a drug as it is picked: pregnancy, eGFR limits, interactions, baseline tests."),
        Service("lncare-order-sign", "order-sign", "Lupus nephritis order check",
                "Checks draft medication orders before signing: pregnancy, eGFR limits, dose above the "
                "maximum, missing baseline tests, interactions; suggests a corrected order."),
    )
}
USAGE = "Needs the patient's FHIR R4 data: from prefetch, or from fhirServer with fhirAuthorization."
# The clinician page (service/web) opens a plan kept by lncare.service.plan_links from ?plan=TOKEN.
PLAN_PAGE = "/"


class FhirAuthorization(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    access_token: str = Field(min_length=1)
    token_type: Literal["Bearer"]
    expires_in: int
    scope: str
    subject: str


class HookRequest(BaseModel):
    """The CDS Hooks request body (2.0.1); other fields are ignored, as the spec allows extensions."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    hook: str
    hook_instance: str = Field(alias="hookInstance", min_length=1)
    fhir_server: str | None = Field(default=None, alias="fhirServer")
    fhir_authorization: FhirAuthorization | None = Field(default=None, alias="fhirAuthorization")
    context: dict[str, Any]
    prefetch: dict[str, Any] | None = None


@router.get("/cds-services")
def discovery() -> dict[str, Any]:
    """The services, each with the prefetch templates for exactly the data lncare reads."""
    return {"services": [
        {"hook": s.hook, "id": s.id, "title": s.title, "description": s.description,
         "prefetch": dict(prefetch.TEMPLATES), "usageRequirements": USAGE}
        for s in SERVICES.values()
    ]}


@router.post("/cds-services/{service_id}", responses={**BAD_CALL, **PRECONDITION_FAILED})
async def call_service(
    service_id: str, request: Request, body: Annotated[dict[str, Any], Body()]
) -> JSONResponse:
    """Run one service: ``{"cards": [...]}``, or 412 with an OperationOutcome when data is missing."""
    service = _service(service_id)
    hook = _parse(body)
    if hook.hook != service.hook:
        raise InputError("hook", hook.hook, f"does not match service {service.id} (use {service.hook})")
    patient_id = hook.context.get("patientId")
    if not isinstance(patient_id, str) or not prefetch.FHIR_ID.match(patient_id):
        raise InputError("context.patientId", patient_id, "must be a FHIR id (A-Z a-z 0-9 - ., 1-64 long)")
    as_of = date.today()  # the service is the adapter that reads the clock; the engine never does
    try:
        data = await _patient_data(hook, patient_id, getattr(request.app.state, "fhir_transport", None))
    except prefetch.PrefetchUnavailable as err:
        return _precondition_failed(f"prefetch {err.key!r}: {err.reason}")
    if data.get("patient") is None:
        return _precondition_failed(f"Patient/{patient_id} was not found")
    patient, _ = load_fhir(data, as_of=as_of)
    if patient.id != patient_id:
        raise InputError("prefetch.patient.id", patient.id, f"is not context.patientId {patient_id!r}")
    base_url = _base_url(request)
    cards: list[Card]
    if service.hook == "patient-view":
        plan = recommend(patient, as_of)
        token = plan_links(request).put(SharedPlan.of(patient, plan))
        cards = patient_view_cards(plan, patient, base_url=base_url, hook_instance=hook.hook_instance,
                                   plan_url=f"{base_url}{PLAN_PAGE}?plan={token}")
    else:
        selections = hook.context.get("selections") if service.hook == "order-select" else None
        if selections is not None and not (
            isinstance(selections, list) and all(isinstance(s, str) for s in selections)
        ):
            raise InputError("context.selections", selections, "must be a list of references")
        orders = draft_orders(hook.context.get("draftOrders"), as_of, selections)
        ctx = engine_context(patient, as_of)
        cards = order_cards(ctx, orders, base_url=base_url, hook_instance=hook.hook_instance)
    return JSONResponse({"cards": [card.to_json() for card in cards]})


@router.post("/cds-services/{service_id}/feedback", responses=BAD_CALL)
def receive_feedback(
    service_id: str, request: Request, body: Annotated[dict[str, Any], Body()]
) -> dict[str, int]:
    """Record accepted and overridden cards; the same feedback sent twice is stored once."""
    service = _service(service_id)
    items = feedback.parse(body)
    stored = feedback_store(request).record(service.id, items)
    return {"received": len(items), "stored": stored}


_store_lock = threading.Lock()


def plan_links(request: Request) -> PlanLinks[SharedPlan]:
    """The app's plan links (``app.state.plan_links``, made by create_app; one is made if missing)."""
    state = request.app.state
    with _store_lock:
        links: PlanLinks[SharedPlan] | None = getattr(state, "plan_links", None)
        if links is None:
            links = state.plan_links = PlanLinks[SharedPlan]()
        return links


def feedback_store(request: Request) -> feedback.FeedbackStore:
    """The app's feedback store: ``app.state.feedback_store``, or a file in ``settings.data_dir``
    (in memory when the app has no data folder), opened on first use."""
    state = request.app.state
    with _store_lock:
        store: feedback.FeedbackStore | None = getattr(state, "feedback_store", None)
        if store is None:
            settings: Settings = getattr(state, "settings", Settings())
            path = settings.data_dir / "feedback.duckdb" if settings.data_dir else ":memory:"
            store = feedback.FeedbackStore(path)
            state.feedback_store = store
        return store


def _service(service_id: str) -> Service:
    service = SERVICES.get(service_id)
    if service is None:
        raise Problem(404, f"no CDS service {service_id!r} (use {', '.join(SERVICES)})", field="service_id")
    return service


def _parse(body: Any) -> HookRequest:
    try:
        return HookRequest.model_validate(body)
    except ValidationError as err:
        raise from_validation_error(err) from None


async def _patient_data(
    hook: HookRequest, patient_id: str, transport: httpx.BaseTransport | None
) -> dict[str, Any]:
    """The prefetch, completed from fhirServer in a worker thread when it falls short."""
    if hook.fhir_server is None:
        return prefetch.complete(hook.prefetch, patient_id, None)
    return await run_in_threadpool(_fetched, hook, patient_id, transport)


def _fetched(hook: HookRequest, patient_id: str, transport: httpx.BaseTransport | None) -> dict[str, Any]:
    """The prefetch completed from fhirServer; ``transport`` (app.state.fhir_transport) lets a deployment
    route FHIR calls (e.g. through a proxy) and tests stand in for an EHR."""
    assert hook.fhir_server is not None
    token = hook.fhir_authorization.access_token if hook.fhir_authorization else None
    with httpx.Client(transport=transport) as client:
        fetch = prefetch.http_fetch(prefetch.FhirAccess(hook.fhir_server, token), client)
        return prefetch.complete(hook.prefetch, patient_id, fetch)


def _base_url(request: Request) -> str:
    settings: Settings = getattr(request.app.state, "settings", Settings())
    return (settings.public_base_url or str(request.base_url)).rstrip("/")


def _precondition_failed(reason: str) -> JSONResponse:
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "not-found", "diagnostics": reason}],
    }
    return JSONResponse(outcome, status_code=412)
