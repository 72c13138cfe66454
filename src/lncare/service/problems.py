"""Errors over HTTP as RFC 9457 problem details (``application/problem+json``).

Every refusal names what was wrong: ``field`` and ``reason`` for bad input (from
:class:`lncare.errors.InputError` or a pydantic request error), a reason for a refused token. The body
never carries a token, and an unexpected error gets a generic 500 without any patient data.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from lncare.errors import InputError, field_path

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("lncare.service")

_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    404: "Not found",
    405: "Method not allowed",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    500: "Internal server error",
}


class ProblemDetails(BaseModel):
    """The body of every refusal, as the OpenAPI schema documents it (RFC 9457 members plus lncare's)."""

    # Problem(...) may add members (e.g. ``location``); RFC 9457 section 3.2 allows extension members.
    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str
    field: str | None = None
    reason: str | None = None


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem+json answers a route may give, so that clients (and schemathesis)
    see the media type and body actually sent; a 422 here replaces FastAPI's default HTTPValidationError."""
    content = {MEDIA_TYPE: {"schema": ProblemDetails.model_json_schema()}}
    return {status: {"description": _TITLES.get(status, "Error"), "content": content} for status in statuses}


class Problem(Exception):
    """An HTTP error a handler or dependency raises; rendered as problem+json by the app."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field
        self.headers = headers or {}
        self.extra = extra


def problem_response(
    status: int,
    detail: str,
    *,
    field: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """The problem+json response; ``type`` stays about:blank, so ``title`` is the status phrase."""
    body: dict[str, Any] = {"type": "about:blank", "title": _TITLES.get(status, "Error"), "status": status}
    body["detail"] = detail
    if field is not None:
        body["field"] = field
    body.update({key: value for key, value in extra.items() if value is not None})
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def from_input_error(err: InputError, status: int = 422) -> JSONResponse:
    """An InputError keeps its one-line message as ``detail`` and names its field."""
    return problem_response(status, str(err), field=err.field, reason=err.reason)


def install(app: FastAPI) -> None:
    """Register the handlers so that no request ends in a bare 500 or a FastAPI default error body."""
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(InputError, _on_input_error)
    app.add_exception_handler(RequestValidationError, _on_request_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(Exception, _on_unexpected)


async def _on_problem(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(exc.status, exc.detail, field=exc.field, headers=exc.headers, **exc.extra)


async def _on_input_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InputError)
    return from_input_error(exc)


async def _on_request_validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0]
    # FastAPI puts where the value came from first ('body', 'query'); a person names the field.
    loc = tuple(first.get("loc", ()))
    where, path = (loc[0], loc[1:]) if loc and loc[0] in ("body", "query", "path", "header") else ("", loc)
    name = field_path(path) if path else str(where or "request")
    reason = str(first.get("msg", "is not accepted"))
    # The value is not echoed: it may be a piece of a patient record.
    return problem_response(422, f"{name}: {reason}", field=name, reason=reason, location=where or None)


async def _on_http_exception(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem_response(exc.status_code, str(exc.detail), headers=dict(exc.headers or {}))


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Only the type and the route: the message or traceback could quote the patient record.
    log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return problem_response(500, "the service failed on this request; it has been logged without its data")
