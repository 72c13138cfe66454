"""A FHIR R4 Bundle, or a CDS Hooks prefetch object, turned into lncare's patient record (contract 1).

:func:`read_bundle` returns the record as a dict plus every resource or code it did not use, each with
the resource, the code and why (:class:`Ignored`): nothing is dropped silently. :func:`load_fhir` then
validates the record with :func:`lncare.model.load_patient`, the ignored items riding along as the
record's ``notices``. Which codes are read is the table in :mod:`lncare.fhir.codes`; docs/fhir.md
describes the accepted shapes. Bad input (an unknown unit, a dose without a route, a resource of another
patient) is an :class:`~lncare.errors.InputError` naming the resource and element.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lncare.errors import InputError, one_of
from lncare.fhir import codes as c
from lncare.fhir.elements import (
    JsonObject,
    Where,
    codings,
    day,
    effective_day,
    quantity,
    reference_id,
    shown,
    text_of,
)
from lncare.fhir.medications import ingredient, read_medication
from lncare.model.patient import Patient
from lncare.model.units import LAB_TESTS, canonical_unit_spelling
from lncare.model.vocabulary import CONDITIONS

# Observation.status values whose result stands (FHIR R4 observation-status).
_RESULT_STATUSES = {"final", "amended", "corrected"}
_INACTIVE = {"inactive", "remission", "resolved"}
_NOT_TRUE = {"refuted", "entered-in-error"}
# Precedence when several pregnancy facts are present: a current pregnancy outranks everything.
_PREGNANCY_RANK = {"pregnant": 4, "lactating": 3, "planning": 2, "none": 1, "unknown": 0}


@dataclass(frozen=True)
class Ignored:
    """A resource or code the adapter did not use, and why."""

    resource: str
    code: str
    reason: str

    def __str__(self) -> str:
        return f"FHIR {self.resource} ({self.code}) ignored: {self.reason}"


@dataclass(frozen=True)
class FhirRecord:
    """The patient record read from FHIR (a dict for :func:`load_patient`) and what was ignored."""

    record: dict[str, Any]
    ignored: tuple[Ignored, ...]


def is_fhir(data: Any) -> bool:
    """Whether ``data`` is a FHIR resource (a Bundle, usually) rather than an lncare record."""
    return isinstance(data, dict) and "resourceType" in data


def read_bundle(data: Any) -> FhirRecord:
    """The record in a Bundle, a single resource, or a CDS Hooks prefetch object (key -> resource)."""
    reader = _Reader()
    reader.read(list(_resources(data)))
    return FhirRecord(reader.record(), tuple(reader.ignored))


def load_fhir(
    data: Any, *, as_of: date | None = None, drug_names: Collection[str] | None = None
) -> tuple[Patient, tuple[Ignored, ...]]:
    """The validated :class:`Patient` of a Bundle or prefetch, with what was ignored."""
    from lncare.model.load import load_patient  # load_patient calls back here for Bundles

    found = read_bundle(data)
    return load_patient(found.record, as_of=as_of, drug_names=drug_names), found.ignored


def _resources(data: Any) -> Iterator[JsonObject]:
    if not isinstance(data, dict):
        raise InputError(
            "bundle", type(data).__name__, "must be a FHIR Bundle or a CDS Hooks prefetch object"
        )
    if "resourceType" not in data:  # a prefetch: key -> resource, searchset Bundle or null
        for key, value in data.items():
            if value is None:
                continue
            if not is_fhir(value):
                raise InputError(f"prefetch.{key}", value, "must be a FHIR resource, a Bundle or null")
            yield from _resources(value)
        return
    if data["resourceType"] != "Bundle":
        yield data
        return
    entries = data.get("entry", [])
    if not isinstance(entries, list):
        raise InputError("Bundle.entry", entries, "must be a list")
    for i, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or "resourceType" not in resource:
            raise InputError(f"Bundle.entry[{i}].resource", resource, "must be a FHIR resource")
        if resource["resourceType"] == "Bundle":
            yield from _resources(resource)
        else:
            yield {**resource, "_fullUrl": entry.get("fullUrl")}


@dataclass
class _Reader:
    ignored: list[Ignored] = field(default_factory=list)
    patient: dict[str, Any] = field(default_factory=dict)
    patient_urls: set[str] = field(default_factory=set)
    labs: list[dict[str, Any]] = field(default_factory=list)
    medications: list[dict[str, Any]] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    allergies: list[str] = field(default_factory=list)
    # (day, value) pairs; the latest wins.
    weights: list[tuple[str, float]] = field(default_factory=list)
    heights: list[tuple[str, float]] = field(default_factory=list)
    pregnancy: list[tuple[str, str]] = field(default_factory=list)
    # (day, preference, biopsy dict): the latest biopsy wins; an Observation beats a Condition on a tie.
    biopsies: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)
    by_reference: dict[str, JsonObject] = field(default_factory=dict)

    def read(self, resources: list[JsonObject]) -> None:
        patients = [r for r in resources if r["resourceType"] == "Patient"]
        self._read_patient(patients)
        for resource in resources:
            self.by_reference[f"{resource['resourceType']}/{resource.get('id')}"] = resource
        for resource in resources:
            kind = resource["resourceType"]
            where = Where(resource)
            if kind == "Patient":
                continue
            handler = _HANDLERS.get(kind)
            if handler is None:
                reason = (
                    "an OperationOutcome in place of data (the EHR could not send it)"
                    if kind == "OperationOutcome"
                    else "lncare does not read this resource type"
                )
                self.skip(where, [], reason)
                continue
            self._check_subject(resource, where)
            handler(self, resource, where)

    def skip(self, where: Where, pairs: list[tuple[str, str]], reason: str) -> None:
        self.ignored.append(Ignored(where.name, shown(pairs), reason))

    def _read_patient(self, patients: list[JsonObject]) -> None:
        ids = {p.get("id") for p in patients}
        if not patients:
            raise InputError.missing("Bundle.entry", "a Patient resource is needed (gender, birthDate)")
        if len(ids) > 1:
            raise InputError(
                "Bundle.entry", sorted(map(str, ids)), "holds several Patients; send one patient"
            )
        resource = patients[0]
        where = Where(resource)
        pid = resource.get("id")
        if not isinstance(pid, str) or not pid:
            raise where.missing("id")
        gender = resource.get("gender")
        if gender not in ("female", "male"):
            raise where.error(
                "gender", gender, "must be female or male (the record's sex drives dosing and eGFR)"
            )
        if "birthDate" not in resource:
            raise where.missing("birthDate", "age and eGFR need it")
        self.patient = {
            "id": pid,
            "sex": gender,
            "birth_date": day(resource["birthDate"], where, "birthDate"),
        }
        self.patient_urls = {f"Patient/{pid}", *(p["_fullUrl"] for p in patients if p.get("_fullUrl"))}

    def _check_subject(self, resource: JsonObject, where: Where) -> None:
        for key in ("subject", "patient"):
            ref = resource.get(key)
            if not isinstance(ref, dict) or "reference" not in ref:
                continue
            text = ref["reference"]
            pid = reference_id(ref, "Patient")
            if text in self.patient_urls or pid == self.patient["id"]:
                continue
            raise where.error(
                f"{key}.reference", text, f"is not Patient/{self.patient['id']}: one bundle holds one patient"
            )

    def record(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.patient)
        if self.weights:
            out["weight_kg"] = max(self.weights)[1]
        if self.heights:
            out["height_cm"] = max(self.heights)[1]
        if self.pregnancy:
            latest = max(day for day, _ in self.pregnancy)
            out["pregnancy"] = max(
                (v for d, v in self.pregnancy if d == latest), key=_PREGNANCY_RANK.__getitem__
            )
        if self.biopsies:
            out["biopsy"] = max(self.biopsies, key=lambda b: (b[0], b[1]))[2]
        out["labs"] = self.labs
        out["medications"] = self.medications
        out["conditions"] = list(dict.fromkeys(self.conditions))
        out["allergies"] = list(dict.fromkeys(self.allergies))
        out["notices"] = [str(item) for item in self.ignored]
        return out

    # Observation -----------------------------------------------------------------------------------
    def observation(self, resource: JsonObject, where: Where) -> None:
        pairs = codings(resource.get("code"), where, "code")
        status = resource.get("status")
        if status is not None and status not in _RESULT_STATUSES:
            self.skip(
                where, pairs, f"status {status!r} is not a result (use {one_of(sorted(_RESULT_STATUSES))})"
            )
            return
        loinc = {code for system, code in pairs if system == c.LOINC}
        local = {code for system, code in pairs if system == c.LNCARE}
        lab = next((c.LAB_LOINC[code] for code in loinc if code in c.LAB_LOINC), None)
        if lab is not None:
            when = effective_day(resource, where)
            self._lab(lab.target, resource.get("valueQuantity"), where, "valueQuantity", pairs, when)
        elif c.WEIGHT.code in loinc:
            self._body(resource, where, c.WEIGHT_UNITS, self.weights)
        elif c.HEIGHT.code in loinc:
            self._body(resource, where, c.HEIGHT_UNITS, self.heights)
        elif c.PREGNANCY_STATUS.code in loinc or c.PREGNANCY_INTENT.code in loinc:
            self._pregnancy(resource, where, intent=c.PREGNANCY_INTENT.code in loinc)
        elif c.LACTATION.code in local:
            if resource.get("valueBoolean") is True:
                self.pregnancy.append((effective_day(resource, where), "lactating"))
        elif c.BIOPSY.code in local:
            self._biopsy_observation(resource, where)
        elif c.BP_PANEL.code in loinc or resource.get("component"):
            self._components(resource, where, pairs)
        else:
            self.skip(where, pairs, "not a code in lncare's table (lncare.fhir.codes)")

    def _lab(
        self, test: str, value: Any, where: Where, path: str, pairs: list[tuple[str, str]], when: str
    ) -> None:
        if value is None:
            self.skip(where, pairs, f"no {path} (a result without a number)")
            return
        number, unit = quantity(value, where, path)
        canonical_unit_spelling(LAB_TESTS[test], unit, field=where.field(f"{path}.code"))
        self.labs.append({"test": test, "value": number, "unit": unit, "date": when})

    def _components(self, resource: JsonObject, where: Where, pairs: list[tuple[str, str]]) -> None:
        parts = resource.get("component", [])
        if not isinstance(parts, list) or not parts:
            self.skip(where, pairs, "a panel without components")
            return
        when = effective_day(resource, where)
        for i, part in enumerate(parts):
            path = f"component[{i}]"
            inner = codings(part.get("code") if isinstance(part, dict) else None, where, f"{path}.code")
            lab = next((c.LAB_LOINC[code] for s, code in inner if s == c.LOINC and code in c.LAB_LOINC), None)
            if lab is None:
                self.skip(where, inner, f"{path} is not a code in lncare's table")
            else:
                self._lab(lab.target, part.get("valueQuantity"), where, f"{path}.valueQuantity", inner, when)

    def _body(
        self, resource: JsonObject, where: Where, units: dict[str, float], into: list[tuple[str, float]]
    ) -> None:
        number, unit = quantity(resource.get("valueQuantity"), where, "valueQuantity")
        if unit not in units:
            raise where.error(
                "valueQuantity.code",
                unit,
                f"is not a UCUM unit lncare reads here (use {one_of(list(units))})",
            )
        into.append((effective_day(resource, where), number * units[unit]))

    def _pregnancy(self, resource: JsonObject, where: Where, *, intent: bool) -> None:
        values = codings(resource.get("valueCodeableConcept"), where, "valueCodeableConcept")
        known = [
            c.PREGNANCY_VALUES[code].target
            for s, code in values
            if s == c.SNOMED and code in c.PREGNANCY_VALUES
        ]
        if known:
            self.pregnancy.append((effective_day(resource, where), known[0]))
        elif intent and any(code in c.PREGNANCY_INTENT_OTHER for _, code in values):
            self.skip(
                where,
                values,
                "a pregnancy intention that does not change the record (only 'wants to "
                "become pregnant' does)",
            )
        else:
            self.skip(where, values, "a pregnancy value not in lncare's table")

    def _biopsy_observation(self, resource: JsonObject, where: Where) -> None:
        values = codings(resource.get("valueCodeableConcept"), where, "valueCodeableConcept")
        classes = self._isn_rps(values, where, "valueCodeableConcept")
        biopsy: dict[str, Any] = {"date": effective_day(resource, where), "classes": classes}
        parts = resource.get("component", [])
        for i, part in enumerate(parts if isinstance(parts, list) else []):
            path = f"component[{i}]"
            inner = codings(part.get("code") if isinstance(part, dict) else None, where, f"{path}.code")
            item = next(
                (c.BIOPSY_COMPONENTS[k] for s, k in inner if s == c.LNCARE and k in c.BIOPSY_COMPONENTS), None
            )
            if item is None:
                self.skip(where, inner, f"{path} is not a biopsy component lncare reads")
                continue
            biopsy[item.target] = _component_value(part, where, path)
        self.biopsies.append((biopsy["date"], 1, biopsy))

    @staticmethod
    def _isn_rps(values: list[tuple[str, str]], where: Where, path: str) -> list[str]:
        classes = [code for system, code in values if system == c.ISN_RPS]
        if not classes:
            raise where.missing(f"{path}.coding", f"an ISN/RPS class coding ({c.ISN_RPS})")
        for code in classes:
            if code not in c.ISN_RPS_CLASSES:
                raise where.error(
                    path, code, f"is not an ISN/RPS class (use {one_of(list(c.ISN_RPS_CLASSES))})"
                )
        return classes

    def current(self, resource: JsonObject, where: Where, pairs: list[tuple[str, str]], what: str) -> bool:
        """Whether a Condition or AllergyIntolerance is active and not refuted; otherwise it is skipped."""
        status = _status_code(resource.get("clinicalStatus"), where, "clinicalStatus")
        verification = _status_code(resource.get("verificationStatus"), where, "verificationStatus")
        if status in _INACTIVE or verification in _NOT_TRUE:
            reason = f"not a current {what} (clinicalStatus {status}, verificationStatus {verification})"
            self.skip(where, pairs, reason)
            return False
        return True

    # Condition -------------------------------------------------------------------------------------
    def condition(self, resource: JsonObject, where: Where) -> None:
        pairs = codings(resource.get("code"), where, "code")
        if not self.current(resource, where, pairs, "condition"):
            return
        snomed = [code for system, code in pairs if system == c.SNOMED]
        local = [code for system, code in pairs if system == c.LNCARE_CONDITION]
        used = False
        for code in snomed:
            if code in c.CONDITION_SNOMED:
                self.conditions.extend(c.CONDITION_SNOMED[code][1])
                used = True
            elif code == c.PREGNANT_CONDITION.code:
                self.pregnancy.append((_condition_day(resource, where) or "0000-00-00", "pregnant"))
                used = True
        for code in local:
            if code not in CONDITIONS:
                raise where.error(
                    "code", code, f"is not an lncare condition (use {one_of(sorted(CONDITIONS))})"
                )
            self.conditions.append(code)
            used = True
        who = [c.WHO_CLASS[code].target for code in snomed if code in c.WHO_CLASS]
        staged = self._staged_classes(resource, where)
        if who or staged:
            when = _condition_day(resource, where)
            if when is None:
                self.skip(
                    where,
                    pairs,
                    "an LN class without onsetDateTime or recordedDate (a biopsy needs its date)",
                )
            else:
                self.biopsies.append((when, 0, {"date": when, "classes": staged or who}))
            return
        if not used:
            reason = (
                "the lupus diagnosis itself; lncare assumes it and the record has no field for it"
                if any(code in c.LUPUS for code in snomed)
                else "not a code in lncare's table (lncare.fhir.codes)"
            )
            self.skip(where, pairs, reason)

    def _staged_classes(self, resource: JsonObject, where: Where) -> list[str]:
        stages = resource.get("stage", [])
        for i, stage in enumerate(stages if isinstance(stages, list) else []):
            path = f"stage[{i}].summary"
            values = codings(stage.get("summary") if isinstance(stage, dict) else None, where, path)
            if any(system == c.ISN_RPS for system, _ in values):
                return self._isn_rps(values, where, path)
        return []

    # Medications and allergies ---------------------------------------------------------------------
    def medication(self, resource: JsonObject, where: Where) -> None:
        rows, skipped = read_medication(resource, where, self.by_reference)
        if skipped is not None:
            self.skip(where, skipped[0], skipped[1])
        self.medications.extend(rows)

    def allergy(self, resource: JsonObject, where: Where) -> None:
        pairs = codings(resource.get("code"), where, "code")
        if not self.current(resource, where, pairs, "allergy"):
            return
        drug = next(
            (ingredient(code) for system, code in pairs if system == c.RXNORM and ingredient(code)), None
        )
        text = text_of(resource.get("code"))
        if drug is not None:
            self.allergies.append(drug)
        elif text is not None:
            # The record keeps allergies as names; a text-only allergy is kept rather than lost.
            self.allergies.append(" ".join(text.split()).lower())
        else:
            self.skip(where, pairs, "an allergy with neither a known RxNorm code nor a text name")


def _component_value(part: JsonObject, where: Where, path: str) -> Any:
    if "valueBoolean" in part:
        return part["valueBoolean"]
    if "valueInteger" in part:
        return part["valueInteger"]
    if "valueQuantity" in part:
        number, unit = quantity(part["valueQuantity"], where, f"{path}.valueQuantity")
        if unit not in ("%", "1", "{score}"):
            raise where.error(
                f"{path}.valueQuantity.code", unit, "is not a unit lncare reads here (use %, 1 or {score})"
            )
        return int(number) if number.is_integer() and unit != "%" else number
    raise where.missing(f"{path}.value[x]", "valueInteger, valueQuantity or valueBoolean")


def _status_code(concept: Any, where: Where, path: str) -> str | None:
    pairs = codings(concept, where, path)
    return pairs[0][1] if pairs else None


def _condition_day(resource: JsonObject, where: Where) -> str | None:
    for key in ("onsetDateTime", "recordedDate"):
        if key in resource:
            return day(resource[key], where, key)
    return None


def _read_through_reference(reader: _Reader, resource: JsonObject, where: Where) -> None:
    """A Medication is read where a medicationReference points to it."""


_HANDLERS: dict[str, Callable[[_Reader, JsonObject, Where], None]] = {
    "Observation": _Reader.observation,
    "Condition": _Reader.condition,
    "MedicationRequest": _Reader.medication,
    "MedicationStatement": _Reader.medication,
    "AllergyIntolerance": _Reader.allergy,
    "Medication": _read_through_reference,
}
