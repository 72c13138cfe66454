"""``lncare serve``: run the REST and CDS Hooks service with uvicorn (DESIGN.md, service).

Authentication is on unless ``--insecure-no-auth`` is given, which is announced loudly: it is for
local trials with a sandbox EHR only. Without ``--cds-issuers`` the CDS endpoints answer 401 to all.
uvicorn's access log is replaced by the app's own, which never writes a query, a header or a body.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from lncare.errors import InputError

INSECURE_BANNER = (
    "WARNING: --insecure-no-auth: CDS Hooks calls are NOT authenticated. Anyone who can reach this "
    "port can send patient data and read plans. Use it only for local trials, never with real patients."
)


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    cds_issuers: Annotated[
        Path | None,
        typer.Option("--cds-issuers", help="JSON/YAML file of trusted EHR issuers and their JWK Sets."),
    ] = None,
    insecure_no_auth: Annotated[
        bool, typer.Option("--insecure-no-auth", help="Accept CDS Hooks calls without a JWT (local trials).")
    ] = False,
    public_url: Annotated[
        str | None,
        typer.Option("--public-url", help="Base URL the EHR calls (JWT aud), when behind a proxy."),
    ] = None,
    data: Annotated[
        Path | None, typer.Option("--data", help="Directory for the service's database (card feedback).")
    ] = None,
) -> None:
    """Run the REST API and the CDS Hooks services (OpenAPI at /docs)."""
    import uvicorn

    from lncare.service.app import create_app
    from lncare.service.settings import Settings, load_issuers

    if not 0 < port < 65536:
        raise InputError("--port", port, "is not a TCP port (use 1 to 65535)")
    if data is not None:
        try:
            data.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise InputError("--data", str(data), f"is not a usable directory ({err.strerror})") from None
    issuers = load_issuers(cds_issuers) if cds_issuers is not None else ()
    settings = Settings(issuers=issuers, insecure_no_auth=insecure_no_auth, public_base_url=public_url,
                        data_dir=data)
    if insecure_no_auth:
        typer.secho(INSECURE_BANNER, err=True, fg=typer.colors.RED, bold=True)
    elif not issuers:
        typer.echo("note: no --cds-issuers given; CDS Hooks endpoints answer 401 to every call", err=True)
    uvicorn.run(create_app(settings), host=host, port=port, access_log=False, log_config=log_config())


def log_config() -> dict[str, Any]:
    """uvicorn's logging, plus the app's loggers on stderr; uvicorn's access log stays off."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = {**LOGGING_CONFIG, "loggers": dict(LOGGING_CONFIG["loggers"])}
    config["loggers"]["lncare"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


@contextmanager
def background_server(app: Any, host: str = "127.0.0.1", start_timeout_s: float = 20.0) -> Iterator[str]:
    """Run ``app`` with uvicorn in a thread on a free port of ``host``; yields its base URL.

    For tests and benchmarks on loopback. Logging is left to the caller (nothing is configured), so
    every record reaches the root logger.
    """
    import uvicorn

    config = uvicorn.Config(app, host=host, port=0, access_log=False, log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="lncare-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("the service did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
