"""CDS Hooks prefetch: the templates lncare asks the EHR to fill, and filling what the EHR left out.

The templates ask for exactly what the FHIR adapter (:mod:`lncare.fhir.bundle`) reads: the Patient, the
Observations whose codes are in :mod:`lncare.fhir.codes`, conditions, medications and allergies. They use
only the query subset CDS Hooks 2.0.1 asks clients to support (type-level search, a ``patient`` reference,
token equality with comma for OR) and only the root-level token ``{{context.patientId}}``
(domain/interop.md 1.4).

A key the EHR sent with data is used as sent. A key that is absent, or whose value is an OperationOutcome,
or a searchset Bundle with a ``next`` page, is fetched from ``fhirServer`` with the bearer token of
``fhirAuthorization`` (interop.md 1.10 pitfalls 1 and 2). A ``null`` value means "no such data" and is
kept. When a key cannot be filled the service must answer 412 (CDS Hooks 2.0.1, "Prefetch"):
:class:`PrefetchUnavailable` says which key and why.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from lncare.fhir import codes as c

PATIENT_TOKEN = "{{context.patientId}}"
# FHIR R4 id datatype: [A-Za-z0-9\-\.]{1,64}; anything else would change the query it is put into.
FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
# Medication statuses the adapter reads as taken (lncare.fhir.medications._TAKEN).
TAKEN_STATUSES = ("active", "on-hold", "completed", "stopped")
# CDS Hooks asks for answers "on the order of 500 ms" (interop.md 1.9); a FHIR call slower than this
# fails the request with 412 rather than hold the clinician.
FETCH_TIMEOUT_S = 2.0
# A searchset larger than this many pages is refused rather than followed without end.
MAX_PAGES = 20
# FHIR servers reached over plain http only on the loopback interface (tests, local trials); elsewhere the
# bearer token must not travel unencrypted (CDS Hooks: fhirServer MUST be https in production).
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _observation_codes() -> str:
    loinc = sorted({*c.LAB_LOINC, c.WEIGHT.code, c.HEIGHT.code, c.BP_PANEL.code,
                    c.PREGNANCY_STATUS.code, c.PREGNANCY_INTENT.code})
    local = sorted({c.LACTATION.code, c.BIOPSY.code})
    return ",".join([f"{c.LOINC}|{code}" for code in loinc] + [f"{c.LNCARE}|{code}" for code in local])


# Key -> FHIR R4 query. Conditions and allergies are not narrowed by code: the adapter reads local and
# SNOMED codes and reports what it ignores, and a patient's list of either is short.
TEMPLATES: dict[str, str] = {
    "patient": f"Patient/{PATIENT_TOKEN}",
    "observations": f"Observation?patient={PATIENT_TOKEN}&code={_observation_codes()}",
    "conditions": f"Condition?patient={PATIENT_TOKEN}",
    "medicationRequests": f"MedicationRequest?patient={PATIENT_TOKEN}&status={','.join(TAKEN_STATUSES)}",
    "medicationStatements": f"MedicationStatement?patient={PATIENT_TOKEN}&status={','.join(TAKEN_STATUSES)}",
    "allergies": f"AllergyIntolerance?patient={PATIENT_TOKEN}",
}

Fetch = Callable[[str], dict[str, Any] | None]


def as_prefetch(bundle: Mapping[str, Any]) -> dict[str, Any]:
    """A patient's Bundle split into the prefetch keys of :data:`TEMPLATES`, as an EHR would fill them
    (for demonstrations, tests and the load benchmark); resources of other types are left out."""
    key_of_type = {template.split("?", 1)[0]: key for key, template in TEMPLATES.items() if key != "patient"}
    out: dict[str, Any] = {
        key: {"resourceType": "Bundle", "type": "searchset", "entry": []} for key in key_of_type.values()
    }
    for entry in bundle.get("entry", []):
        resource = entry["resource"]
        kind = resource.get("resourceType")
        if kind == "Patient":
            out["patient"] = resource
        elif kind in key_of_type:
            out[key_of_type[kind]]["entry"].append({"resource": resource})
    return out


class PrefetchUnavailable(Exception):
    """Data the engine needs could not be had: the service answers 412 with this reason."""

    def __init__(self, key: str, reason: str) -> None:
        self.key = key
        self.reason = reason
        super().__init__(f"prefetch {key!r}: {reason}")


@dataclass(frozen=True)
class FhirAccess:
    """Where to fetch what prefetch lacks: the EHR's FHIR base URL and the bearer token, if given."""

    server: str
    token: str | None


def query(template: str, patient_id: str) -> str:
    """The template with its patient token filled in."""
    return template.replace(PATIENT_TOKEN, patient_id)


def gaps(prefetch: Mapping[str, Any] | None) -> list[str]:
    """Template keys the EHR did not fill usably: absent, an OperationOutcome, or a Bundle with more pages."""
    sent = prefetch or {}
    return [key for key in TEMPLATES if key not in sent or _unusable(sent[key])]


def complete(prefetch: Mapping[str, Any] | None, patient_id: str, fetch: Fetch | None) -> dict[str, Any]:
    """Every template key with its data: what the EHR sent where usable, the rest from ``fetch``.

    Without ``fetch`` (no fhirServer) a gap raises :class:`PrefetchUnavailable`. Keys lncare did not ask
    for are dropped, so nothing else reaches the adapter.
    """
    sent = dict(prefetch or {})
    missing = gaps(sent)
    if missing and fetch is None:
        raise PrefetchUnavailable(missing[0], "missing or partial, and no fhirServer to fetch it from")
    filled = {key: sent[key] for key in TEMPLATES if key not in missing}
    if fetch is not None:
        filled.update({key: fetch(query(TEMPLATES[key], patient_id)) for key in missing})
    return filled


def http_fetch(access: FhirAccess, client: httpx.Client) -> Fetch:
    """A fetch that reads ``access.server`` with the bearer token, following searchset pages on it."""
    base = access.server.rstrip("/")
    _check_server(base)
    headers = {"Accept": "application/fhir+json"}
    if access.token:
        headers["Authorization"] = f"Bearer {access.token}"

    def get(url: str) -> dict[str, Any] | None:
        try:
            response = client.get(url, headers=headers, timeout=FETCH_TIMEOUT_S)
        except httpx.HTTPError as err:
            raise PrefetchUnavailable(
                _key_of(url, base), f"fhirServer did not answer ({type(err).__name__})"
            ) from None
        if response.status_code == 404 and "?" not in url:
            return None  # a read of a resource that does not exist: the prefetch value would be null
        if response.status_code != 200:
            raise PrefetchUnavailable(_key_of(url, base), f"fhirServer answered HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise PrefetchUnavailable(_key_of(url, base), "fhirServer answered no JSON") from None
        if not isinstance(body, dict) or "resourceType" not in body:
            raise PrefetchUnavailable(_key_of(url, base), "fhirServer answered no FHIR resource")
        return body

    def fetch(relative: str) -> dict[str, Any] | None:
        first = get(f"{base}/{relative}")
        if first is None or first.get("resourceType") != "Bundle":
            return _usable_or_raise(first, relative)
        entries = list(first.get("entry", []))
        page, pages = first, 1
        while (following := _next_link(page)) is not None:
            if not following.startswith(base + "/") or pages >= MAX_PAGES:
                raise PrefetchUnavailable(_kind(relative), "its next page is off the fhirServer or "
                                          f"beyond {MAX_PAGES} pages")
            fetched = get(following)
            if fetched is None or fetched.get("resourceType") != "Bundle":
                raise PrefetchUnavailable(_kind(relative), "a next page is not a Bundle")
            page, pages = fetched, pages + 1
            entries.extend(page.get("entry", []))
        return {"resourceType": "Bundle", "type": "searchset", "entry": entries}

    return fetch


def _check_server(base: str) -> None:
    parts = urlsplit(base)
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)
    if not secure or not parts.hostname:
        raise PrefetchUnavailable("fhirServer", "must be an https URL (the access token must not travel "
                                  "in clear text)")


def _usable_or_raise(resource: dict[str, Any] | None, relative: str) -> dict[str, Any] | None:
    if resource is not None and resource.get("resourceType") == "OperationOutcome":
        raise PrefetchUnavailable(_kind(relative), "fhirServer answered an OperationOutcome")
    return resource


def _unusable(value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, dict):
        return True
    if value.get("resourceType") == "OperationOutcome":
        return True
    return value.get("resourceType") == "Bundle" and _next_link(value) is not None


def _next_link(bundle: Mapping[str, Any]) -> str | None:
    links = bundle.get("link")
    for link in links if isinstance(links, list) else ():
        if isinstance(link, dict) and link.get("relation") == "next" and isinstance(link.get("url"), str):
            return str(link["url"])
    return None


def _kind(relative: str) -> str:
    """The resource type a query asks for, to name it without echoing the patient id."""
    return relative.split("?")[0].split("/")[0]


def _key_of(url: str, base: str) -> str:
    return _kind(url[len(base) + 1:]) if url.startswith(base + "/") else "fhirServer"
