"""Reading FHIR R4 data types (Coding, CodeableConcept, Quantity, dates) out of JSON, with errors that
name the resource and the element, e.g. ``Observation/o1.valueQuantity.code: 'mmol' is not ...``.

A resource is read as plain JSON (see docs/fhir.md for why not fhir.resources): each reader checks the
type of exactly the elements lncare uses and ignores the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lncare.errors import InputError

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class Where:
    """A resource being read, to name it in errors: ``Observation/o1``."""

    resource: JsonObject

    @property
    def name(self) -> str:
        return f"{self.resource.get('resourceType', '?')}/{self.resource.get('id', '?')}"

    def field(self, path: str) -> str:
        return f"{self.name}.{path}"

    def error(self, path: str, value: Any, reason: str) -> InputError:
        return InputError(self.field(path), value, reason)

    def missing(self, path: str, hint: str = "") -> InputError:
        return InputError.missing(self.field(path), hint)


def codings(concept: Any, where: Where, path: str) -> list[tuple[str, str]]:
    """(system, code) pairs of a CodeableConcept, in order; codings without both are skipped."""
    if concept is None:
        return []
    if not isinstance(concept, dict):
        raise where.error(path, concept, "must be a CodeableConcept object")
    found: list[tuple[str, str]] = []
    items = concept.get("coding", [])
    if not isinstance(items, list):
        raise where.error(f"{path}.coding", items, "must be a list of Codings")
    for coding in items:
        if (
            isinstance(coding, dict)
            and isinstance(coding.get("system"), str)
            and isinstance(coding.get("code"), str)
        ):
            found.append((coding["system"], coding["code"]))
    return found


def text_of(concept: Any) -> str | None:
    """The CodeableConcept's ``text``, when it has one."""
    text = concept.get("text") if isinstance(concept, dict) else None
    return text if isinstance(text, str) and text.strip() else None


def shown(pairs: list[tuple[str, str]]) -> str:
    """Codings as ``system|code`` for a person to read; ``(no coding)`` when there are none."""
    return ", ".join(f"{system}|{code}" for system, code in pairs) or "(no coding)"


def quantity(value: Any, where: Where, path: str) -> tuple[float, str]:
    """(value, unit) of a Quantity; the UCUM ``code`` is preferred to the free-text ``unit``."""
    if not isinstance(value, dict):
        raise where.error(path, value, "must be a Quantity object")
    number = value.get("value")
    if isinstance(number, bool) or not isinstance(number, int | float):
        raise where.error(f"{path}.value", number, "must be a number")
    code, unit = value.get("code"), value.get("unit")
    if isinstance(code, str) and code:
        return float(number), code
    if isinstance(unit, str) and unit:
        return float(number), unit
    raise where.missing(f"{path}.code", "a UCUM unit is needed; lncare never guesses one")


def day(value: Any, where: Where, path: str) -> str:
    """The calendar day (YYYY-MM-DD) of a FHIR date or dateTime; a partial date is an error."""
    if not isinstance(value, str) or len(value) < 10 or value[4] != "-" or value[7] != "-":
        raise where.error(path, value, "must be a full date (YYYY-MM-DD, or a dateTime starting with one)")
    return value[:10]


def effective_day(resource: JsonObject, where: Where) -> str:
    """The day an Observation was taken: ``effectiveDateTime``, else ``effectivePeriod.start``."""
    if "effectiveDateTime" in resource:
        return day(resource["effectiveDateTime"], where, "effectiveDateTime")
    period = resource.get("effectivePeriod")
    if isinstance(period, dict) and "start" in period:
        return day(period["start"], where, "effectivePeriod.start")
    if "effectiveInstant" in resource:
        return day(resource["effectiveInstant"], where, "effectiveInstant")
    raise where.missing("effectiveDateTime", "each result needs the day it was taken")


def reference_id(reference: Any, kind: str) -> str | None:
    """The id in a ``{"reference": "Patient/p1"}`` (relative or absolute URL) of type ``kind``."""
    text = reference.get("reference") if isinstance(reference, dict) else None
    if not isinstance(text, str):
        return None
    parts = text.rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] == kind:
        return parts[-1]
    return None
