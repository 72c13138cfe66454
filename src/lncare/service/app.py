"""The FastAPI app of ``lncare serve``: REST, CDS Hooks, problems, limits, CORS, a log without patient data.

Layers, outermost first: CORS (CDS Hooks clients in a browser need it; any origin, the Authorization
header, no credentials), the access log (method, path, status, time; never a query, header or body),
the catch-all (an unexpected error becomes a generic 500 problem and only its type is logged), the body
size limit (413), then FastAPI with the problem handlers of :mod:`lncare.service.problems`.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import lncare
from lncare import knowledge
from lncare.service import cdshooks, problems, rest, web
from lncare.service.auth import Verifier
from lncare.service.plan_links import PlanLinks, SharedPlan
from lncare.service.settings import Settings

log = logging.getLogger("lncare.service")
access_log = logging.getLogger("lncare.service.access")


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app for ``settings`` (safe defaults: authentication on, no trusted issuer)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Load and validate the knowledge base before the first request, not inside it: the first
        # plan would otherwise take seconds, past the ~500 ms CDS Hooks asks for (interop.md 1.9).
        knowledge.load()
        # The knowledge base is tens of thousands of long-lived objects; a full garbage collection
        # walked them all mid-request (p99 spikes of 150+ ms under load). Frozen, they are skipped.
        gc.freeze()
        yield
        store = getattr(app.state, "feedback_store", None)  # opened by the first feedback call
        if store is not None:
            store.close()

    app = FastAPI(
        title="lncare",
        version=lncare.__version__,
        description="Decision support for lupus nephritis: REST and CDS Hooks 2.0 over FHIR R4.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.verifier = Verifier(settings)
    app.state.plan_links = PlanLinks[SharedPlan]()
    problems.install(app)
    app.include_router(rest.router)
    app.include_router(cdshooks.router)
    app.include_router(web.router)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(CatchAll)
    app.add_middleware(AccessLog)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type"],
        allow_credentials=False,
    )
    return app


class BodyLimit:
    """Refuses a body over ``max_bytes`` with 413, by Content-Length or while a chunked body streams in."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await _send_problem(send, 413, f"request body exceeds {self.max_bytes} bytes")
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise _TooLarge(self.max_bytes)
            return message

        await self.app(scope, counted, send)


class _TooLarge(HTTPException):
    # An HTTPException, because FastAPI turns any other error raised while reading a body into a 400.
    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"request body exceeds {max_bytes} bytes")


class CatchAll:
    """The last line: an error nothing else handled becomes a 500 problem; the log names its type only.

    Starlette's own handler for Exception re-raises after answering, and the server would then log a
    traceback whose message may quote the patient record; catching here ends the error.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            log.error("unexpected %s on %s %s", type(exc).__name__, scope["method"], scope["path"])
            if not started:
                await _send_problem(send, 500, "the service failed on this request; logged without its data")


class AccessLog:
    """One line per request: method, path, status and milliseconds; no query, header or body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def noted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noted)
        finally:
            elapsed = (time.perf_counter() - start) * 1000
            access_log.info("%s %s %d %.1f ms", scope["method"], scope["path"], status, elapsed)


async def _send_problem(send: Send, status: int, detail: str) -> None:
    response = problems.problem_response(status, detail)
    await send({"type": "http.response.start", "status": status, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})
