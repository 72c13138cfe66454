"""The EHR's JWT on every CDS Hooks call, verified per CDS Hooks 2.0.1 (domain/interop.md 1.8).

Checks, in the order the CDS Hooks best practices give: ``iss`` on the allow-list; ``aud`` equal to
the URL the EHR called; ``exp`` and ``iat`` present and sane; the signature by a key of that issuer's
JWK Set with an algorithm that key allows (ES384/RS384 recommended, ES256/RS256 tolerated; ``none``
and HMAC never); ``jti`` not seen before. Keys come only from the configured JWK Set (a file or a
URL); a ``jku`` header is ignored so that a token cannot point the service at keys of its choosing.
A refusal is a 401 problem that names the reason and never quotes the token.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import jwt
from fastapi import Request
from starlette.concurrency import run_in_threadpool

from lncare.service.problems import Problem
from lncare.service.settings import Settings, TrustedIssuer

# CDS Hooks 2.0.1: "ES384 and RS384 are RECOMMENDED"; the 256-bit variants are common in sandboxes
# and still asymmetric, so they are tolerated. Symmetric algorithms and 'none' SHALL NOT be used.
_ALGS_BY_KEY = {("RSA", None): ("RS384", "RS256"), ("EC", "P-384"): ("ES384",), ("EC", "P-256"): ("ES256",)}
ALLOWED_ALGORITHMS = frozenset({"RS384", "ES384", "RS256", "ES256"})
# JWKS fetched from a URL are kept 5 minutes; an unknown kid refetches at most every 30 s, so a
# stream of bad tokens cannot turn the service into a load generator against the EHR.
_JWKS_CACHE_S = 300.0
_JWKS_MIN_REFETCH_S = 30.0


class AuthRefused(Problem):
    """A 401 with the reason; the WWW-Authenticate header tells the client a Bearer token is needed."""

    def __init__(self, reason: str) -> None:
        super().__init__(401, f"JWT refused: {reason}", headers={"WWW-Authenticate": "Bearer"})


@dataclass(frozen=True)
class _Key:
    kid: str | None
    algorithms: tuple[str, ...]
    key: Any  # the cryptography public key; passed raw so PyJWT checks the token's alg, not a default


class ReplayCache:
    """Seen (iss, jti) pairs until their token expires; thread-safe, pruned as it goes."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def first_use(self, iss: str, jti: str, expires_at: float, now: float) -> bool:
        """Record the pair; False when it was already seen and has not yet expired."""
        with self._lock:
            for pair in [pair for pair, until in self._seen.items() if until < now]:
                del self._seen[pair]
            if (iss, jti) in self._seen:
                return False
            self._seen[(iss, jti)] = expires_at
            return True


class Verifier:
    """Verifies tokens for one app: the trusted issuers' keys and the replay cache."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._issuers = {issuer.iss: issuer for issuer in settings.issuers}
        self._static = {i.iss: _keys(i.jwks) for i in settings.issuers if i.jwks is not None}
        self._clients = {
            i.iss: jwt.PyJWKClient(i.jwks_url, cache_jwk_set=False, timeout=5)
            for i in settings.issuers
            if i.jwks_url is not None
        }
        self._fetched: dict[str, tuple[float, list[_Key]]] = {}
        self.replay = ReplayCache()

    @property
    def fetches_keys(self) -> bool:
        """True when some issuer's keys come from a URL, so verifying may wait on the network."""
        return bool(self._clients)

    def verify(self, token: str, audience: str, now: float | None = None) -> dict[str, Any]:
        """The verified claims of ``token`` for a call to ``audience``; raises AuthRefused."""
        now = time.time() if now is None else now
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise AuthRefused("the bearer token is not a JWT") from None
        iss = unverified.get("iss")
        if not isinstance(iss, str) or iss not in self._issuers:
            raise AuthRefused("issuer (iss) is not on this service's allow-list")
        alg = header.get("alg")
        if alg not in ALLOWED_ALGORITHMS:
            raise AuthRefused(f"algorithm {alg!s} is not allowed (use RS384 or ES384)")
        key = self._key_for(self._issuers[iss], header.get("kid"), str(alg), now)
        claims = self._decode(token, key, str(alg), audience, now)
        self._check_times(claims, now)
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti:
            raise AuthRefused("jti is missing")
        if not self.replay.first_use(iss, jti, float(claims["exp"]) + self.settings.clock_skew_s, now):
            raise AuthRefused("jti was already used (replayed token)")
        return claims

    def _key_for(self, issuer: TrustedIssuer, kid: Any, alg: str, now: float) -> _Key:
        keys = self._static.get(issuer.iss)
        if keys is None:
            keys = self._remote_keys(issuer.iss, kid, now)
        if kid is not None:
            keys = [k for k in keys if k.kid == kid]
        elif len(keys) != 1:  # kid is REQUIRED; without it only a one-key set is unambiguous
            raise AuthRefused("kid is missing from the JWT header")
        if not keys:
            raise AuthRefused("kid is not a key of this issuer")
        if alg not in keys[0].algorithms:
            raise AuthRefused(f"algorithm {alg} does not match the issuer's key")
        return keys[0]

    def _remote_keys(self, iss: str, kid: Any, now: float) -> list[_Key]:
        """The issuer's JWK Set from its URL, cached; an unknown kid refetches it (key rotation)."""
        fetched_at, keys = self._fetched.get(iss, (float("-inf"), []))
        stale = now - fetched_at > _JWKS_CACHE_S
        unknown = kid is not None and all(k.kid != kid for k in keys)
        rotated = unknown and now - fetched_at > _JWKS_MIN_REFETCH_S
        if stale or rotated:
            try:
                keys = _keys(self._clients[iss].fetch_data())
            except jwt.PyJWKClientError:
                raise AuthRefused("the issuer's JWK Set could not be fetched") from None
            self._fetched[iss] = (now, keys)
        return keys

    def _decode(self, token: str, key: _Key, alg: str, audience: str, now: float) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=audience,
                leeway=self.settings.clock_skew_s,
                options={"require": ["iss", "aud", "exp", "iat", "jti"], "verify_iat": False},
            )
        except jwt.InvalidSignatureError:
            raise AuthRefused("signature does not verify with the issuer's key") from None
        except jwt.ExpiredSignatureError:
            raise AuthRefused("token has expired (exp)") from None
        except jwt.InvalidAudienceError:
            raise AuthRefused(f"audience (aud) is not this endpoint, {audience}") from None
        except jwt.MissingRequiredClaimError as err:
            raise AuthRefused(f"claim {err.claim} is missing") from None
        except jwt.PyJWTError as err:
            raise AuthRefused(f"token is not valid ({type(err).__name__})") from None
        return claims

    def _check_times(self, claims: dict[str, Any], now: float) -> None:
        iat, exp = claims["iat"], claims["exp"]
        if not isinstance(iat, int | float) or not isinstance(exp, int | float):
            raise AuthRefused("iat and exp must be numbers (seconds since 1970)")
        skew = self.settings.clock_skew_s
        if iat > now + skew:
            raise AuthRefused("iat is in the future")
        if exp - iat > self.settings.max_token_lifetime_s:
            raise AuthRefused(f"token lifetime exceeds {self.settings.max_token_lifetime_s} s")
        if exp < now - skew:  # PyJWT checks this too; kept so the rule holds whatever its options
            raise AuthRefused("token has expired (exp)")


def _keys(jwks: dict[str, Any] | None) -> list[_Key]:
    """Usable signing keys of a JWK Set; symmetric ('oct'), encryption and unknown keys are left out."""
    found: list[_Key] = []
    for raw in (jwks or {}).get("keys", []):
        if not isinstance(raw, dict):
            continue
        kty, crv, alg = raw.get("kty"), raw.get("crv"), raw.get("alg")
        allowed = _ALGS_BY_KEY.get((str(kty), crv if kty == "EC" else None), ())
        if alg is not None:  # a key that names its algorithm is used with that one only
            allowed = (alg,) if alg in allowed else ()
        if not allowed or raw.get("use", "sig") != "sig":
            continue
        try:
            public = jwt.PyJWK(raw, algorithm=allowed[0]).key
        except (jwt.PyJWKError, jwt.InvalidKeyError):
            continue
        found.append(_Key(kid=raw.get("kid"), algorithms=tuple(allowed), key=public))
    return found


def expected_audience(request: Request, settings: Settings) -> str:
    """The endpoint URL the EHR called, which its JWT's aud must equal exactly."""
    if settings.public_base_url:
        return settings.public_base_url.rstrip("/") + request.url.path
    return str(request.url.replace(query=None, fragment=None))


async def cds_claims(request: Request) -> dict[str, Any]:
    """FastAPI dependency for CDS Hooks routes: the verified JWT claims of this call.

    With ``settings.insecure_no_auth`` (local trials only) it returns ``{}`` without checking. An app
    without trusted issuers refuses every call, so a misconfigured service fails closed.
    """
    settings: Settings = getattr(request.app.state, "settings", Settings())
    if settings.insecure_no_auth:
        return {}
    verifier: Verifier | None = getattr(request.app.state, "verifier", None)
    if verifier is None or not settings.issuers:
        raise AuthRefused("this service trusts no issuer (start it with --cds-issuers FILE)")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthRefused("Authorization: Bearer <JWT> header is missing")
    audience = expected_audience(request, settings)
    if verifier.fetches_keys:  # a JWKS download must not block the event loop
        return await run_in_threadpool(verifier.verify, token.strip(), audience)
    return verifier.verify(token.strip(), audience)
