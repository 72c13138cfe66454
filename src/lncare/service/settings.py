"""How one ``lncare serve`` process is configured: trusted EHR issuers, limits, CORS, data folder.

The issuers file (``lncare serve --cds-issuers FILE``) is JSON or YAML::

    issuers:
      - iss: https://ehr.example.org           # the JWT 'iss' the EHR sends
        jwks_file: ehr-keys.json               # its public keys (JWK Set), exchanged out of band
      - iss: https://other.example.org
        jwks_url: https://other.example.org/.well-known/jwks.json

A relative ``jwks_file`` is read relative to the issuers file. CDS Hooks 2.0.1 lets the JWK Set be
exchanged out of band and says services SHOULD allow-list issuers (domain/interop.md 1.8).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from lncare.errors import InputError

# CDS Hooks best practices keep jti values "no more than an hour" (domain/interop.md 1.8); a token
# that lives longer could be replayed after its jti left the cache, so it is refused.
MAX_TOKEN_LIFETIME_S = 3600
# Tolerated clock difference between the EHR and this service when checking exp and iat.
CLOCK_SKEW_S = 60
# The issue asks for a request size limit; 2 MB holds a realistic prefetch (hundreds of resources).
MAX_BODY_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class TrustedIssuer:
    """One EHR allowed to call the CDS services, with where its public keys come from."""

    iss: str
    jwks: dict[str, Any] | None = None
    jwks_url: str | None = None


@dataclass(frozen=True)
class Settings:
    """Everything :func:`lncare.service.app.create_app` needs; the defaults are safe (auth on, no issuers)."""

    issuers: tuple[TrustedIssuer, ...] = ()
    insecure_no_auth: bool = False
    # The URL the EHR calls, e.g. https://cds.example.org; a JWT's 'aud' must be this base plus the
    # request path. Unset, the URL of the request as received is used (right without a proxy).
    public_base_url: str | None = None
    max_body_bytes: int = MAX_BODY_BYTES
    cors_origins: tuple[str, ...] = ("*",)
    max_token_lifetime_s: int = MAX_TOKEN_LIFETIME_S
    clock_skew_s: int = CLOCK_SKEW_S
    data_dir: Path | None = None


def load_issuers(path: Path) -> tuple[TrustedIssuer, ...]:
    """Read an issuers file (JSON or YAML); bad content raises InputError naming the entry."""
    name = "--cds-issuers"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise InputError(name, str(path), f"cannot be read ({err.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        raise InputError(name, str(path), "is neither JSON nor YAML") from None
    entries = data.get("issuers") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise InputError(f"{name} issuers", entries, "must be a non-empty list of {iss, jwks_file|jwks_url}")
    return tuple(_issuer(entry, f"{name} issuers[{i}]", path.parent) for i, entry in enumerate(entries))


def _issuer(entry: Any, where: str, base: Path) -> TrustedIssuer:
    if not isinstance(entry, dict) or not isinstance(entry.get("iss"), str) or not entry["iss"]:
        raise InputError(f"{where}.iss", entry, "must be the issuer's URI as a string")
    file, url = entry.get("jwks_file"), entry.get("jwks_url")
    if (file is None) == (url is None):
        raise InputError(where, entry["iss"], "needs exactly one of jwks_file or jwks_url")
    if url is not None:
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise InputError(f"{where}.jwks_url", url, "must be an http(s) URL")
        return TrustedIssuer(iss=entry["iss"], jwks_url=url)
    return TrustedIssuer(iss=entry["iss"], jwks=_read_jwks(base / str(file), f"{where}.jwks_file"))


def _read_jwks(path: Path, where: str) -> dict[str, Any]:
    try:
        jwks = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise InputError(where, str(path), f"cannot be read ({err.strerror})") from None
    except json.JSONDecodeError:
        raise InputError(where, str(path), "is not JSON (a JWK Set is expected)") from None
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list) or not jwks["keys"]:
        raise InputError(where, str(path), 'is not a JWK Set ({"keys": [...]} with at least one key)')
    return jwks
