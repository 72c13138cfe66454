"""The app's cross-cutting promises over real HTTP: no patient data in any log line, a generic 500,
CORS per CDS Hooks (any origin, Authorization header, no credentials), and ``lncare serve``.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from lncare.cli.serve import INSECURE_BANNER, background_server
from lncare.service.app import create_app
from lncare.service.settings import Settings

# Values that appear nowhere in the service's code or messages, so finding one in a log means leaked data.
PATIENT_ID = "pt-zq81734"
BIRTH_DATE = "1987-06-19"
UPCR = 7.3917
NOTE = "lives-at-42-wallaby-way"

RECORD = {
    "id": PATIENT_ID, "sex": "female", "birth_date": BIRTH_DATE, "weight_kg": 58.77, "height_cm": 161.0,
    "labs": [{"test": "upcr", "value": UPCR, "unit": "g/g", "date": "2026-11-03"}],
    "notes": {"story": NOTE},
}
SECRETS = (PATIENT_ID, BIRTH_DATE, str(UPCR), "58.77", NOTE)


def _crashing_app() -> FastAPI:
    app = create_app(Settings())

    @app.post("/test/crash")
    def crash(record: dict[str, object]) -> None:
        raise RuntimeError(f"engine bug while reading {record['id']}")

    return app


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with background_server(_crashing_app()) as url:
        yield url


def test_no_patient_data_reaches_any_log_line(base: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with httpx.Client(base_url=base, timeout=30) as client:
        assert client.post("/api/recommend", params={"as_of": "2026-11-27"}, json=RECORD).status_code == 200
        bad = {**RECORD, "labs": [{**RECORD["labs"][0], "unit": "mmol/L"}]}  # type: ignore[dict-item]
        assert client.post("/api/assess", json=bad).status_code == 422
        assert client.post("/test/crash", json=RECORD).status_code == 500
    time.sleep(0.2)  # the access line is written after the response is sent
    lines = [f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records]
    assert any("/api/recommend 200" in line for line in lines), lines  # the log was captured at all
    for secret in SECRETS:
        assert not [line for line in lines if secret in line], secret


def test_an_unexpected_error_is_a_generic_500_logged_by_type_only(
    base: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    response = httpx.post(base + "/test/crash", json=RECORD, timeout=30)
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert PATIENT_ID not in response.text
    assert "engine bug" not in response.text
    messages = [r.getMessage() for r in caplog.records]
    assert any("RuntimeError" in m for m in messages)
    assert not [m for m in messages if "engine bug" in m or PATIENT_ID in m]
    assert not [r for r in caplog.records if r.exc_info]  # no traceback anywhere


def test_cors_allows_any_origin_without_credentials(base: str) -> None:
    response = httpx.get(base + "/healthz", headers={"Origin": "https://ehr.example.org"}, timeout=10)
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    preflight = httpx.options(
        base + "/api/recommend",
        headers={"Origin": "https://ehr.example.org", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization, content-type"},
        timeout=10,
    )
    assert preflight.status_code == 200
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed
    assert "content-type" in allowed


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _lncare(*args: str) -> list[str]:
    return [sys.executable, "-c", "from lncare.cli import main; main()", *args]


def test_serve_insecure_announces_itself_and_answers() -> None:
    port = _free_port()
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.Popen(
        _lncare("serve", "--host", "127.0.0.1", "--port", str(port), "--insecure-no-auth"),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        while status is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code
            except httpx.TransportError:
                time.sleep(0.2)
        assert status == 200
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert INSECURE_BANNER in err.replace("\n", " ")


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--cds-issuers", "does-not-exist.yaml"], "--cds-issuers"),
        (["--port", "70000"], "--port"),
        (["--data", "a-file"], "--data"),
    ],
)
def test_serve_bad_options_are_one_line_and_exit_2(tmp_path: Path, args: list[str], field: str) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    done = subprocess.run(_lncare("serve", *args), capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {field}")


def test_cds_hooks_answer_401_without_issuers_and_open_only_in_insecure_mode() -> None:
    with background_server(create_app(Settings())) as url:
        refused = httpx.get(url + "/cds-services", timeout=10)
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"
    with background_server(create_app(Settings(insecure_no_auth=True))) as url:
        services = httpx.get(url + "/cds-services", timeout=10).json()["services"]
        assert {"patient-view", "order-select", "order-sign"} <= {s["hook"] for s in services}
