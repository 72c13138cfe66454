"""A MedicationRequest or MedicationStatement read as the record's medication rows.

The drug comes from RxNorm: an ingredient code, or a clinical or branded product rolled up to its
ingredient through :data:`lncare.fhir.codes.RXNORM_PRODUCTS`. Each dosage becomes one row (a taper
written as several dosages with their own ``timing.repeat.boundsPeriod`` gives one row per step).
A dose, a route and a timing lncare cannot read are errors naming the element: a dose is never guessed.
"""

from __future__ import annotations

from typing import Any

from lncare.errors import one_of
from lncare.fhir import codes as c
from lncare.fhir.elements import JsonObject, Where, codings, day, quantity

# Statuses whose medication was or is taken (FHIR R4 medicationrequest-status, medication-statement-status).
_TAKEN = {
    "MedicationRequest": {"active", "on-hold", "completed", "stopped"},
    "MedicationStatement": {"active", "on-hold", "completed", "stopped"},
}
_ENDED = {"completed", "stopped"}

Pairs = list[tuple[str, str]]


def read_medication(
    resource: JsonObject, where: Where, by_reference: dict[str, JsonObject]
) -> tuple[list[dict[str, Any]], tuple[Pairs, str] | None]:
    """The rows of one medication resource, or none and (codes, reason) when it is ignored."""
    kind = resource["resourceType"]
    pairs = _drug_codings(resource, where, by_reference)
    status = resource.get("status")
    if status not in _TAKEN[kind]:
        return [], (
            pairs,
            f"status {status!r} is not a medication taken (use {one_of(sorted(_TAKEN[kind]))})",
        )
    drug = next((ingredient(code) for system, code in pairs if system == c.RXNORM and ingredient(code)), None)
    if drug is None:
        return [], (pairs, "not an RxNorm ingredient or product in lncare's table (lncare.fhir.codes)")
    start, end = _period(resource, where)
    key = "dosageInstruction" if kind == "MedicationRequest" else "dosage"
    dosages = resource.get(key)
    if not isinstance(dosages, list) or not dosages:
        raise where.missing(key, "a dose, timing and route are needed")
    rows = []
    for i, dosage in enumerate(dosages):
        row = _dosage(dosage, where, f"{key}[{i}]", start, end)
        if row["end"] is None and status in _ENDED:
            raise where.missing(
                f"{key}[{i}].timing.repeat.boundsPeriod.end", f"status is {status!r}, so it ended"
            )
        rows.append({"drug": drug, **row})
    return rows, None


def ingredient(code: str) -> str | None:
    """The INN name an RxNorm ingredient or product code stands for, or None."""
    found = c.RXNORM_INGREDIENTS.get(code) or c.RXNORM_PRODUCTS.get(code)
    return found.target if found else None


def _drug_codings(resource: JsonObject, where: Where, by_reference: dict[str, JsonObject]) -> Pairs:
    if "medicationCodeableConcept" in resource:
        return codings(resource["medicationCodeableConcept"], where, "medicationCodeableConcept")
    ref = resource.get("medicationReference")
    text = ref.get("reference") if isinstance(ref, dict) else None
    if not isinstance(text, str):
        raise where.missing("medicationCodeableConcept", "or a medicationReference")
    if text.startswith("#"):
        contained = resource.get("contained", [])
        target = next((r for r in contained if isinstance(r, dict) and r.get("id") == text[1:]), None)
    else:
        target = by_reference.get("/".join(text.rstrip("/").split("/")[-2:]))
    if target is None or target.get("resourceType") != "Medication":
        raise where.error(
            "medicationReference.reference", text, "does not point to a Medication in the bundle"
        )
    return codings(target.get("code"), Where(target), "code")


def _period(resource: JsonObject, where: Where) -> tuple[str | None, str | None]:
    period = resource.get("effectivePeriod")
    if isinstance(period, dict):
        start = day(period["start"], where, "effectivePeriod.start") if "start" in period else None
        end = day(period["end"], where, "effectivePeriod.end") if "end" in period else None
        return start, end
    if "effectiveDateTime" in resource:
        return day(resource["effectiveDateTime"], where, "effectiveDateTime"), None
    if "authoredOn" in resource:
        return day(resource["authoredOn"], where, "authoredOn"), None
    return None, None


def _dosage(dosage: Any, where: Where, path: str, start: str | None, end: str | None) -> dict[str, Any]:
    if not isinstance(dosage, dict):
        raise where.error(path, dosage, "must be a Dosage object")
    amounts = dosage.get("doseAndRate")
    dose = (
        amounts[0].get("doseQuantity")
        if isinstance(amounts, list) and amounts and isinstance(amounts[0], dict)
        else None
    )
    if dose is None:
        raise where.missing(f"{path}.doseAndRate[0].doseQuantity", "lncare never guesses a dose")
    value, unit = quantity(dose, where, f"{path}.doseAndRate[0].doseQuantity")
    if unit not in c.DOSE_UNITS:
        raise where.error(
            f"{path}.doseAndRate[0].doseQuantity.code",
            unit,
            f"is not a dose unit lncare reads (use {one_of(list(c.DOSE_UNITS))})",
        )
    routes = codings(dosage.get("route"), where, f"{path}.route")
    route = next(
        (c.ROUTES[code].target for system, code in routes if system == c.SNOMED and code in c.ROUTES), None
    )
    if route is None:
        allowed = one_of([f"{c.SNOMED}|{code} ({r.target})" for code, r in c.ROUTES.items()])
        raise where.error(
            f"{path}.route", [f"{s}|{k}" for s, k in routes], f"is not a route lncare reads (use {allowed})"
        )
    repeat = dosage.get("timing", {}).get("repeat") if isinstance(dosage.get("timing"), dict) else None
    if not isinstance(repeat, dict):
        raise where.missing(f"{path}.timing.repeat", "the frequency is needed")
    bounds = repeat.get("boundsPeriod")
    if isinstance(bounds, dict):
        start = (
            day(bounds["start"], where, f"{path}.timing.repeat.boundsPeriod.start")
            if "start" in bounds
            else start
        )
        end = day(bounds["end"], where, f"{path}.timing.repeat.boundsPeriod.end") if "end" in bounds else end
    if start is None:
        raise where.missing(f"{path}.timing.repeat.boundsPeriod.start", "the day the drug was started")
    return {
        "dose": value,
        "unit": unit,
        "frequency": _frequency(repeat, where, f"{path}.timing.repeat"),
        "route": route,
        "start": start,
        "end": end,
    }


def _frequency(repeat: JsonObject, where: Where, path: str) -> str:
    if repeat.get("count") == 1 and "period" not in repeat:
        return "once"
    key = (repeat.get("frequency", 1), repeat.get("period"), repeat.get("periodUnit"))
    found = c.FREQUENCIES.get(key)  # type: ignore[arg-type]
    if found is None:
        allowed = one_of([f"{n}/{p} {u}" for n, p, u in c.FREQUENCIES] + ["count 1 (once)"])
        raise where.error(
            path, f"{key[0]}/{key[1]} {key[2]}", f"is not a schedule lncare reads (use {allowed})"
        )
    return found
