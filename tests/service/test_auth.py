"""CDS Hooks JWT checks over real HTTP (uvicorn on loopback): each failure of interop.md 1.8 is a 401.

Expectations come from the CDS Hooks 2.0.1 security section: iss on an allow-list, aud equal to the
endpoint called, exp/iat/jti required, jti not replayed, ES384/RS384 (never none or HMAC).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import Depends, FastAPI

from lncare.cli.serve import background_server
from lncare.errors import InputError
from lncare.service.app import create_app
from lncare.service.auth import cds_claims
from lncare.service.settings import Settings, TrustedIssuer, load_issuers

ISS = "https://ehr.example.org"
PATH = "/test/protected"

EC_KEY = ec.generate_private_key(ec.SECP384R1())
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_EC_KEY = ec.generate_private_key(ec.SECP384R1())


def _jwk(private: Any, kid: str) -> dict[str, Any]:
    public = private.public_key()
    algorithm = jwt.algorithms.ECAlgorithm if kid.startswith("ec") else jwt.algorithms.RSAAlgorithm
    data: dict[str, Any] = json.loads(algorithm.to_jwk(public))
    data["kid"] = kid
    return data


JWKS = {"keys": [_jwk(EC_KEY, "ec-1"), _jwk(RSA_KEY, "rsa-1")]}


def _app(settings: Settings) -> FastAPI:
    app = create_app(settings)

    @app.get(PATH)
    def protected(claims: dict[str, Any] = Depends(cds_claims)) -> dict[str, Any]:  # noqa: B008
        return claims

    return app


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    settings = Settings(issuers=(TrustedIssuer(iss=ISS, jwks=JWKS),))
    with background_server(_app(settings)) as url:
        yield url


def _claims(base: str, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": ISS, "aud": base + PATH, "iat": now, "exp": now + 300, "jti": str(uuid.uuid4())}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _token(claims: dict[str, Any], key: Any = EC_KEY, alg: str = "ES384", kid: str | None = "ec-1") -> str:
    headers = {"kid": kid} if kid is not None else {}
    return jwt.encode(claims, key, algorithm=alg, headers=headers)


def _b64(part: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def _call(base: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.get(base + PATH, headers=headers, timeout=10)


def _refused(response: httpx.Response, token: str | None, reason: str) -> None:
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert body["status"] == 401
    assert reason in body["detail"]
    if token is not None:
        assert token not in response.text
        assert all(part not in response.text for part in token.split(".") if len(part) > 8)  # nor a piece


def test_a_good_es384_token_passes_and_its_claims_reach_the_route(base: str) -> None:
    claims = _claims(base)
    response = _call(base, _token(claims))
    assert response.status_code == 200
    assert response.json()["jti"] == claims["jti"]


@pytest.mark.parametrize("alg", ["RS384", "RS256"])
def test_rsa_tokens_pass(base: str, alg: str) -> None:
    response = _call(base, _token(_claims(base), RSA_KEY, alg, "rsa-1"))
    assert response.status_code == 200


def test_alg_none_is_refused(base: str) -> None:
    token = jwt.encode(_claims(base), None, algorithm="none", headers={"kid": "ec-1"})
    _refused(_call(base, token), token, "algorithm none is not allowed")


def test_hmac_signed_with_the_public_key_is_refused(base: str) -> None:
    # The classic key-confusion attack: HS256 with the RSA public key as the shared secret.
    # PyJWT will not sign with a key that looks like one, so the token is assembled by hand.
    secret = RSA_KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    header = _b64({"alg": "HS256", "kid": "rsa-1", "typ": "JWT"})
    signing_input = f"{header}.{_b64(_claims(base))}"
    signature = base64.urlsafe_b64encode(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())
    token = f"{signing_input}.{signature.rstrip(b'=').decode()}"
    _refused(_call(base, token), token, "algorithm HS256 is not allowed")


def test_a_token_signed_by_another_key_is_refused(base: str) -> None:
    token = _token(_claims(base), OTHER_EC_KEY)
    _refused(_call(base, token), token, "signature does not verify")


def test_an_rsa_algorithm_on_an_ec_key_is_refused(base: str) -> None:
    token = _token(_claims(base), RSA_KEY, "RS384", "ec-1")
    _refused(_call(base, token), token, "does not match the issuer's key")


def test_an_expired_token_is_refused(base: str) -> None:
    now = int(time.time())
    token = _token(_claims(base, iat=now - 900, exp=now - 600))
    _refused(_call(base, token), token, "expired")


def test_a_token_for_another_endpoint_is_refused(base: str) -> None:
    token = _token(_claims(base, aud=base + "/cds-services"))
    _refused(_call(base, token), token, "audience (aud) is not this endpoint")


def test_a_token_for_another_service_is_refused(base: str) -> None:
    token = _token(_claims(base, aud="https://cds.example.org" + PATH))
    _refused(_call(base, token), token, "audience (aud)")


def test_an_unknown_issuer_is_refused(base: str) -> None:
    token = _token(_claims(base, iss="https://rogue.example.org"))
    _refused(_call(base, token), token, "issuer (iss) is not on this service's allow-list")


def test_a_replayed_jti_is_refused(base: str) -> None:
    claims = _claims(base)
    assert _call(base, _token(claims)).status_code == 200
    again = _token(claims)
    _refused(_call(base, again), again, "jti was already used")


@pytest.mark.parametrize("claim", ["jti", "iat", "exp", "aud"])
def test_a_missing_required_claim_is_refused(base: str, claim: str) -> None:
    token = _token(_claims(base, **{claim: None}))
    _refused(_call(base, token), token, claim)


def test_iat_in_the_future_is_refused(base: str) -> None:
    now = int(time.time())
    token = _token(_claims(base, iat=now + 600, exp=now + 900))
    _refused(_call(base, token), token, "iat is in the future")


def test_a_token_living_longer_than_an_hour_is_refused(base: str) -> None:
    # jti values are kept for at most an hour (CDS Hooks best practices), so a longer token could replay.
    now = int(time.time())
    token = _token(_claims(base, exp=now + 7200))
    _refused(_call(base, token), token, "lifetime exceeds 3600 s")


def test_an_unknown_kid_is_refused(base: str) -> None:
    token = _token(_claims(base), kid="ec-9")
    _refused(_call(base, token), token, "kid is not a key of this issuer")


def test_a_missing_kid_is_refused_when_the_issuer_has_several_keys(base: str) -> None:
    token = _token(_claims(base), kid=None)
    _refused(_call(base, token), token, "kid is missing")


def test_no_authorization_header_is_refused(base: str) -> None:
    _refused(_call(base, None), None, "Authorization: Bearer")


def test_a_bearer_that_is_not_a_jwt_is_refused(base: str) -> None:
    _refused(_call(base, "not-a-jwt"), "not-a-jwt", "not a JWT")


def test_a_cors_preflight_needs_no_token(base: str) -> None:
    # Preflight requests never carry Authorization (Fetch spec; interop.md 1.8).
    response = httpx.options(
        base + PATH,
        headers={"Origin": "https://ehr.example.org", "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "authorization"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "authorization" in response.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in response.headers


def test_without_trusted_issuers_every_call_is_refused() -> None:
    with background_server(_app(Settings())) as url:
        token = _token(_claims(url))
        _refused(_call(url, token), token, "trusts no issuer")


def test_insecure_mode_skips_the_check() -> None:
    with background_server(_app(Settings(insecure_no_auth=True))) as url:
        assert _call(url, None).status_code == 200


def test_public_url_sets_the_expected_audience() -> None:
    settings = Settings(issuers=(TrustedIssuer(iss=ISS, jwks=JWKS),), public_base_url="https://cds.example.org/")
    with background_server(_app(settings)) as url:
        good = _claims(url, aud="https://cds.example.org" + PATH)
        assert _call(url, _token(good)).status_code == 200
        token = _token(_claims(url))
        _refused(_call(url, token), token, "audience (aud)")


@pytest.fixture()
def jwks_url() -> Iterator[str]:
    """The issuer's JWK Set served over HTTP on loopback, as an EHR would publish it."""
    body = json.dumps({"keys": [_jwk(EC_KEY, "ec-1")]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_keys_fetched_from_a_jwks_url(jwks_url: str) -> None:
    settings = Settings(issuers=(TrustedIssuer(iss=ISS, jwks_url=jwks_url),))
    with background_server(_app(settings)) as url:
        assert _call(url, _token(_claims(url))).status_code == 200
        token = _token(_claims(url), OTHER_EC_KEY)
        _refused(_call(url, token), token, "signature does not verify")


def test_an_unreachable_jwks_url_is_a_401_not_a_500() -> None:
    settings = Settings(issuers=(TrustedIssuer(iss=ISS, jwks_url="http://127.0.0.1:9/jwks.json"),))
    with background_server(_app(settings)) as url:
        token = _token(_claims(url))
        _refused(_call(url, token), token, "could not be fetched")


def test_an_issuers_file_is_read_with_jwks_relative_to_it(tmp_path: Path) -> None:
    (tmp_path / "keys.json").write_text(json.dumps(JWKS))
    (tmp_path / "issuers.yaml").write_text(f"issuers:\n  - iss: {ISS}\n    jwks_file: keys.json\n")
    (issuer,) = load_issuers(tmp_path / "issuers.yaml")
    assert issuer == TrustedIssuer(iss=ISS, jwks=JWKS)
    assert replace(issuer, jwks=None).jwks_url is None


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ("issuers: []", "--cds-issuers issuers"),
        ("issuers:\n  - jwks_file: keys.json", "--cds-issuers issuers[0].iss"),
        (f"issuers:\n  - iss: {ISS}", "--cds-issuers issuers[0]"),
        (f"issuers:\n  - iss: {ISS}\n    jwks_file: missing.json", "--cds-issuers issuers[0].jwks_file"),
        (f"issuers:\n  - iss: {ISS}\n    jwks_url: file:///etc/passwd", "--cds-issuers issuers[0].jwks_url"),
    ],
)
def test_a_bad_issuers_file_names_the_entry(tmp_path: Path, content: str, field: str) -> None:
    (tmp_path / "issuers.yaml").write_text(content)
    with pytest.raises(InputError) as caught:
        load_issuers(tmp_path / "issuers.yaml")
    assert caught.value.field == field
