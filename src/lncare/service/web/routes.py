"""The clinician page's routes: the page at ``/``, its static files, the example patients, the forest
plots and the patient's course for the charts (``POST /web/api/course``).

Plans, assessments and knowledge-base items come from the REST API (:mod:`lncare.service.rest`); the page
only adds what a browser needs besides them. Bad input answers a problem+json naming the field.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

import lncare
from lncare.errors import InputError
from lncare.model.load import load_patient
from lncare.service.problems import Problem, responses
from lncare.service.rest import BAD_BODY, AsOf, Guideline, PatientBody
from lncare.service.web import examples, forest
from lncare.service.web import vocabulary as vocabularies
from lncare.service.web.course import Course, course

STATIC = Path(__file__).resolve().parent / "static"
# What the page is made of; anything else under static/ is not served.
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
}
NOT_FOUND = responses(404, 422)

router = APIRouter(tags=["web page"])


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def page() -> FileResponse:
    """The clinician page (one HTML file; its scripts and catalogs load from /web/static)."""
    return FileResponse(STATIC / "index.html", media_type=MEDIA_TYPES[".html"])


@router.get("/web/static/{path:path}", include_in_schema=False)
def static(path: str) -> FileResponse:
    """A file of the page: HTML, CSS, JavaScript modules and the locale catalogs."""
    target = (STATIC / path).resolve()
    media = MEDIA_TYPES.get(target.suffix)
    if not target.is_relative_to(STATIC) or not target.is_file() or media is None:
        raise _not_found(InputError("path", path, "is not a file of the web page"))
    return FileResponse(target, media_type=media, headers={"Cache-Control": "no-cache"})


@router.get("/web/vocabulary")
def vocabulary() -> JSONResponse:
    """The record's closed vocabularies for the form (tests and their units, frequencies, routes, ...)."""
    return JSONResponse(vocabularies.vocabulary())


@router.get("/web/examples", response_model=list[examples.Example])
def example_list() -> JSONResponse:
    """The example patients: name, id, a one-line story, whether a FHIR Bundle of it exists."""
    return JSONResponse([e.model_dump(mode="json") for e in examples.examples()])


@router.get("/web/examples/{name}", responses=NOT_FOUND)
def example(
    name: str,
    form: Annotated[examples.Format, Query(alias="format", description="record or fhir")] = "record",
) -> JSONResponse:
    """One example patient, as a record (DESIGN.md contract 1) or as a FHIR R4 Bundle."""
    try:
        return JSONResponse(examples.example(name, form))
    except InputError as err:
        raise _not_found(err) from None


@router.get("/web/evidence", response_model=list[forest.Plot])
def plot_list() -> JSONResponse:
    """The committed forest plots of the add-on analyses, with their titles."""
    return JSONResponse([p.model_dump(mode="json") for p in forest.plots()])


@router.get("/web/evidence/{name}", responses=NOT_FOUND, response_class=Response)
def plot(name: str) -> Response:
    """One forest plot as SVG."""
    try:
        return Response(forest.plot_svg(name), media_type=MEDIA_TYPES[".svg"])
    except InputError as err:
        raise _not_found(err) from None


@router.post("/web/api/course", response_model=Course, responses=BAD_BODY)
def course_of(patient: PatientBody, as_of: AsOf = None, guideline: Guideline = "eular2023") -> JSONResponse:
    """The course for the charts: lab series and eGFR in canonical units, the prednisone-equivalent daily
    dose, medication intervals, the assessment's milestones and the profile's response thresholds."""
    day = date.today() if as_of is None else as_of  # an adapter may read the clock; the engine never does
    record = load_patient(patient, as_of=day)
    assessment = lncare.assess(record, day, guideline)  # refuses plan dates the engine cannot hold first
    return JSONResponse(course(record, assessment, day, guideline).model_dump(mode="json"))


def _not_found(err: InputError) -> Problem:
    return Problem(404, str(err), field=err.field, reason=err.reason)
