"""REST over the engine and the knowledge base: ``/api/assess``, ``/api/recommend``, ``/api/kb/...``.

The body of assess and recommend is a patient record (DESIGN.md contract 1) or a FHIR R4 Bundle, read
by :func:`lncare.model.load_patient` exactly as the CLI reads a file. ``as_of`` defaults to today:
the service is an adapter and may read the clock; the engine never does. Handlers are plain ``def``
so the engine's CPU work runs in the thread pool, not on the event loop.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

import lncare
from lncare import knowledge
from lncare.errors import InputError
from lncare.knowledge.schema.definition import Definition
from lncare.knowledge.schema.statement import Statement
from lncare.knowledge.schema.therapy import Therapy
from lncare.knowledge.schema.trial import Trial
from lncare.model.plan import Assessment, Plan
from lncare.service.plan_links import PlanLinks, SharedPlan
from lncare.service.problems import Problem, responses

router = APIRouter()

# What each kind of route may refuse, documented as the problem+json actually sent: a body that is not
# UTF-8 JSON is a 400 from FastAPI, one over the limit a 413 from the app before the route reads it.
BAD_BODY = responses(400, 413, 422)
BAD_QUERY = responses(422)

# The profiles of lncare.engine.profile.PROFILES; a test keeps the two equal. A Literal puts them in
# the OpenAPI schema and makes FastAPI refuse any other value with a 422 naming 'guideline'.
GuidelineName = Literal["eular2023", "kdigo2024", "acr2024"]

PatientBody = Annotated[
    dict[str, Any],
    Body(
        description="A patient record (DESIGN.md contract 1) or a FHIR R4 Bundle (resourceType 'Bundle').",
        examples=[{"id": "p-001", "sex": "female", "age": 32, "weight_kg": 62.0, "labs": []}],
    ),
]
# The engine looks back up to 100 years for kidney history, which leaves Python's calendar before year
# 101 (a 500 that schemathesis found); no plan date before 1900 is clinical, so it is refused with a 422.
EARLIEST_AS_OF = date(1900, 1, 1)
AsOf = Annotated[
    date | None,
    Query(ge=EARLIEST_AS_OF, description="Date of the plan, YYYY-MM-DD, from 1900-01-01 (default: today)."),
]
Guideline = Annotated[GuidelineName, Query(description="Guideline profile.")]


class Health(BaseModel):
    """What ``GET /healthz`` answers: the service is up and which knowledge it serves."""

    status: Literal["ok"]
    version: str
    knowledge: str


@router.get("/healthz", response_model=Health, tags=["service"])
def healthz() -> Health:
    """Liveness and versions; needs no authentication."""
    return Health(status="ok", version=lncare.__version__, knowledge=str(knowledge.content_version()))


@router.post("/api/assess", response_model=Assessment, tags=["plan"], responses=BAD_BODY)
def assess(patient: PatientBody, as_of: AsOf = None, guideline: Guideline = "eular2023") -> JSONResponse:
    """Where the patient stands: phase, renal response, flare, findings, missing data (contract 2)."""
    found = lncare.assess(patient, _day(as_of), guideline)
    return JSONResponse(found.model_dump(mode="json"))


@router.post("/api/recommend", response_model=Plan, tags=["plan"], responses=BAD_BODY)
def recommend(patient: PatientBody, as_of: AsOf = None, guideline: Guideline = "eular2023") -> JSONResponse:
    """The plan: recommendations with doses, warnings, monitoring and options (contract 2)."""
    plan = lncare.recommend(patient, _day(as_of), guideline)
    return JSONResponse(plan.model_dump(mode="json"))


@router.get("/api/kb/therapies", response_model=list[Therapy], tags=["knowledge"], responses=BAD_QUERY)
def therapies(
    target: Annotated[str | None, Query(description="Molecular target, e.g. CD20.")] = None,
    drug_class: Annotated[str | None, Query(alias="class", description="Drug class.")] = None,
    status: Annotated[str | None, Query(description="approved (for LN), marketed, investigational.")] = None,
) -> JSONResponse:
    """Therapies, filtered as ``lncare kb therapies``."""
    return _items(knowledge.therapies(target=target, drug_class=drug_class, status=status))


@router.get("/api/kb/trials", response_model=list[Trial], tags=["knowledge"], responses=BAD_QUERY)
def trials(
    drug: Annotated[str | None, Query(description="Therapy id or name given in an arm.")] = None,
    phase: Annotated[str | None, Query(description="1, 2, 3 or 4 (3 includes 2/3).")] = None,
    verified: Annotated[str | None, Query(description="yes, partial or no.")] = None,
) -> JSONResponse:
    """Trials, filtered as ``lncare kb trials``."""
    return _items(knowledge.trials(drug=drug, phase=phase, verified=verified))


@router.get("/api/kb/statements", response_model=list[Statement], tags=["knowledge"], responses=BAD_QUERY)
def statements(
    guideline: Annotated[str | None, Query(description="e.g. kdigo2024, eular2023.")] = None,
    topic: Annotated[str | None, Query(description="e.g. induction, maintenance.")] = None,
) -> JSONResponse:
    """Guideline statements, filtered as ``lncare kb statements``."""
    return _items(knowledge.statements(guideline=guideline, topic=topic))


@router.get("/api/kb/definitions", response_model=list[Definition], tags=["knowledge"], responses=BAD_QUERY)
def definitions(
    guideline: Annotated[str | None, Query(description="e.g. kdigo2024.")] = None,
    concept: Annotated[str | None, Query(description="e.g. renal_response, flare.")] = None,
) -> JSONResponse:
    """Guideline definitions, filtered as ``lncare kb definitions``."""
    return _items(knowledge.definitions(guideline=guideline, concept=concept))


@router.get("/api/kb/{item_id}", tags=["knowledge"], responses=responses(404, 422))
def item(item_id: str) -> JSONResponse:
    """One therapy, trial, statement, definition or reference; ``trial:ID`` when two kinds share an id."""
    try:
        found = knowledge.get(item_id)
    except InputError as err:
        if isinstance(err, knowledge.KnowledgeBaseError):
            raise
        named = InputError("item_id", err.value, err.reason)  # the path parameter, as OpenAPI names it
        raise Problem(404, str(named), field=named.field, reason=named.reason) from None
    return JSONResponse(found.model_dump(mode="json"))


@router.get("/api/plans/{token}", tags=["plan"], responses=responses(404, 422))
def shared_plan(token: str, request: Request) -> Response:
    """A plan a CDS Hooks status card links to: ``{"patient": record, "plan": plan}``, for 15 minutes
    after the card was made (:mod:`lncare.service.plan_links`); never cached by the browser."""
    links: PlanLinks[SharedPlan] | None = getattr(request.app.state, "plan_links", None)
    found = links.get(token) if links is not None else None
    if found is None:
        raise Problem(404, "no such plan link, or it has expired (links live 15 minutes)", field="token")
    return Response(found.json, media_type="application/json", headers={"Cache-Control": "no-store"})


def _day(as_of: date | None) -> date:
    return date.today() if as_of is None else as_of


def _items(found: list[Any]) -> JSONResponse:
    return JSONResponse([entry.model_dump(mode="json") for entry in found])
