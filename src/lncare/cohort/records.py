"""OMOP CDM v5.4 rows to lncare patient records (DESIGN.md contract 1), one person at a time.

Each table is read once, sorted by ``person_id`` once, and cut into per-person slices, so a few
thousand records take seconds. What maps to what (ids in :mod:`lncare.cohort.concepts`):
- ``person``: sex from gender_concept_id (8532 female, 8507 male; anything else is an error naming the
  person); birth date from year/month/day of birth (a missing month or day becomes July 1 or the 15th,
  and ``notes`` says so: the age is then right within a year).
- ``measurement``: every concept of ``MEASUREMENT_SETS`` becomes a lab in the unit of ``UNITS``; rows
  without a value, with a unit lncare does not know, or outside the plausible range of
  :mod:`lncare.model.units` are left out and counted in ``notes["omop_skipped"]`` (a unit is never
  guessed). The latest body weight (kg) and height (cm) fill ``weight_kg`` and ``height_cm``.
- ``procedure_occurrence`` + ``measurement`` ``BIOPSY_CLASS``: the latest kidney biopsy with the
  ISN/RPS classes measured on its date (``value_as_number`` 2-6, or ``value_source_value`` II-VI).
- ``drug_exposure``: ingredient concepts of ``DRUGS`` become medications. The dose comes from ``sig``
  (``"<amount> <unit> <frequency> <route>"``, as :mod:`lncare.cohort.synth` writes it); without a
  readable sig, a row with ``quantity`` and ``days_supply`` becomes ``quantity / days_supply`` mg daily
  (the mean daily dose, e.g. a glucocorticoid in mg/day) with the route of ``route_source_value``. Rows
  repeated exactly are kept once.
- ``condition_occurrence``: ESRD becomes the record condition ``esrd``; SLE and LN are implied.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, get_args

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lncare.cohort import concepts as c
from lncare.errors import InputError
from lncare.model.units import LAB_TESTS
from lncare.model.vocabulary import DoseUnit, Frequency, Route

_TEST_OF: dict[int, str] = {cid: test for test, ids in c.MEASUREMENT_SETS.items() for cid in ids}
_BODY: dict[int, tuple[str, str]] = {c.WEIGHT.id: ("weight_kg", "kg"), c.HEIGHT.id: ("height_cm", "cm")}
_CONDITION_OF: dict[int, str] = {cid: "esrd" for cid in c.CONDITION_SETS["esrd"]}
_ROMAN = set(c.ISN_RPS_CLASSES.values())
_DOSE_UNITS, _FREQUENCIES, _ROUTES = set(get_args(DoseUnit)), set(get_args(Frequency)), set(get_args(Route))
_ROUTE_OF_CONCEPT = {concept.id: name for name, concept in c.ROUTES.items()}

_COLUMNS: dict[str, tuple[str, ...]] = {
    "person": ("person_id", "gender_concept_id", "year_of_birth", "month_of_birth", "day_of_birth"),
    "measurement": (
        "person_id", "measurement_concept_id", "measurement_date", "value_as_number", "unit_concept_id",
        "value_source_value",
    ),
    "procedure_occurrence": ("person_id", "procedure_concept_id", "procedure_date"),
    "drug_exposure": (
        "person_id", "drug_concept_id", "drug_exposure_start_date", "drug_exposure_end_date", "quantity",
        "days_supply", "sig", "route_concept_id", "route_source_value",
    ),
    "condition_occurrence": ("person_id", "condition_concept_id", "condition_start_date"),
}
_CONCEPT_FILTER: dict[str, tuple[str, frozenset[int]]] = {
    "measurement": ("measurement_concept_id", frozenset([*_TEST_OF, *_BODY, c.BIOPSY_CLASS.id])),
    "procedure_occurrence": ("procedure_concept_id", frozenset(c.KIDNEY_BIOPSY_SET)),
    "drug_exposure": ("drug_concept_id", frozenset(c.DRUG_NAMES)),
    "condition_occurrence": ("condition_concept_id", frozenset(_CONDITION_OF)),
}


def patient_records(
    tables: Mapping[str, pa.Table] | Any, person_ids: Sequence[int] | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(person_id, patient record) for each person, in ``person_id`` order.

    ``tables`` maps OMOP table names to Arrow tables, or is an Ibis backend holding them. With
    ``person_ids``, only those people (each must be in ``person``); otherwise everyone.
    """
    wanted = None if person_ids is None else sorted({int(pid) for pid in person_ids})
    people = _Grouped(_read(tables, "person", wanted))
    if wanted is not None:
        missing = sorted(set(wanted) - set(people.ids.tolist()))
        if missing:
            raise InputError("person_ids", missing[0], "is not a person_id of the person table")
    others = {name: _Grouped(_read(tables, name, wanted)) for name in _CONCEPT_FILTER}
    for pid in people.ids.tolist():
        rows = {name: grouped.rows(pid) for name, grouped in others.items()}
        yield pid, _record(pid, people.rows(pid)[0], rows)


def _read(tables: Mapping[str, pa.Table] | Any, name: str, wanted: list[int] | None) -> pa.Table:
    """The columns lncare reads of table ``name``, limited to the wanted people and concepts."""
    columns = _COLUMNS[name]
    concept = _CONCEPT_FILTER.get(name)
    if isinstance(tables, Mapping):
        if name not in tables:
            if name == "person":
                raise InputError("tables", sorted(tables), "has no person table")
            return pa.table({col: pa.array([], pa.int64()) for col in columns})
        table = tables[name].select(list(columns))
        if wanted is not None:
            table = table.filter(pc.is_in(table.column("person_id"), pa.array(wanted, pa.int64())))
        if concept is not None:
            table = table.filter(pc.is_in(table.column(concept[0]), pa.array(sorted(concept[1]), pa.int32())))
        return table
    expr = tables.table(name).select(*columns)
    if wanted is not None:
        expr = expr.filter(expr.person_id.isin(wanted))
    if concept is not None:
        expr = expr.filter(expr[concept[0]].isin(sorted(concept[1])))
    return expr.to_pyarrow()


class _Grouped:
    """A table sorted once by person_id, with each person's row range."""

    def __init__(self, table: pa.Table) -> None:
        order = pc.sort_indices(table, sort_keys=[("person_id", "ascending")])
        table = table.take(order)
        pids = np.asarray(table.column("person_id").to_numpy(zero_copy_only=False), dtype=np.int64)
        self.ids, starts = np.unique(pids, return_index=True)
        self._start = dict(zip(self.ids.tolist(), starts.tolist(), strict=True))
        ends = [*starts[1:].tolist(), len(pids)] if len(pids) else []
        self._end = dict(zip(self.ids.tolist(), ends, strict=True))
        self._columns = {name: table.column(name).to_pylist() for name in table.column_names}

    def rows(self, pid: int) -> list[dict[str, Any]]:
        start = self._start.get(pid)
        if start is None:
            return []
        end = self._end[pid]
        names = list(self._columns)
        return [dict(zip(names, values, strict=True))
                for values in zip(*(self._columns[n][start:end] for n in names), strict=True)]


def _record(pid: int, person: dict[str, Any], rows: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    skipped: Counter[str] = Counter()
    notes: dict[str, Any] = {"omop_person_id": pid}
    record: dict[str, Any] = {"id": str(pid), "sex": _sex(pid, person)}
    birth, imputed = _birth(pid, person)
    record["birth_date"] = birth
    if imputed:
        notes["birth_date"] = imputed
    labs, body = _labs(rows["measurement"], skipped)
    record.update(body)
    biopsy = _biopsy(rows["procedure_occurrence"], rows["measurement"], skipped)
    if biopsy is not None:
        record["biopsy"] = biopsy
    record["labs"] = labs
    record["medications"] = _medications(rows["drug_exposure"], skipped)
    conditions = sorted({_CONDITION_OF[row["condition_concept_id"]] for row in rows["condition_occurrence"]})
    record["conditions"] = conditions
    if skipped:
        notes["omop_skipped"] = dict(sorted(skipped.items()))
    record["notes"] = notes
    return record


def _sex(pid: int, person: dict[str, Any]) -> str:
    gender = person["gender_concept_id"]
    if gender == c.FEMALE.id:
        return "female"
    if gender == c.MALE.id:
        return "male"
    raise InputError(
        f"person[{pid}].gender_concept_id", gender,
        f"is not a sex lncare reads (use {c.FEMALE.id} female or {c.MALE.id} male)",
    )


def _birth(pid: int, person: dict[str, Any]) -> tuple[str, str | None]:
    year, month, day = person["year_of_birth"], person["month_of_birth"], person["day_of_birth"]
    if year is None:
        raise InputError.missing(f"person[{pid}].year_of_birth", "OMOP requires it")
    imputed = None
    if month is None:
        month, day, imputed = 7, 1, "OMOP gave only the year of birth; July 1 was used"
    elif day is None:
        day, imputed = 15, "OMOP gave no day of birth; the 15th was used"
    try:
        return datetime.date(year, month, day).isoformat(), imputed
    except ValueError as err:
        field = f"person[{pid}].year_of_birth"
        raise InputError(field, f"{year}-{month}-{day}", f"is not a date ({err})") from None


def _labs(
    rows: list[dict[str, Any]], skipped: Counter[str]
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    labs = []
    latest: dict[str, tuple[datetime.date, float]] = {}
    for row in rows:
        concept, value = row["measurement_concept_id"], row["value_as_number"]
        unit_id = row["unit_concept_id"]
        if concept == c.BIOPSY_CLASS.id:
            continue
        if concept in _BODY:
            name, body_unit = _BODY[concept]
            if value is None or c.UNITS.get(unit_id) != body_unit:
                skipped[name] += 1
            elif name not in latest or latest[name][0] <= row["measurement_date"]:
                latest[name] = (row["measurement_date"], float(value))
            continue
        test = _TEST_OF[concept]
        unit = c.UNITS.get(unit_id)
        lab = LAB_TESTS[test]
        if value is None or unit is None or unit not in lab.factors:
            skipped[test] += 1
            continue
        if not lab.low <= value * lab.factors[unit] <= lab.high:
            skipped[test] += 1
            continue
        day = row["measurement_date"].isoformat()
        labs.append({"test": test, "value": float(value), "unit": unit, "date": day})
    body = {name: value for name, (_, value) in latest.items()}
    return labs, body


def _biopsy(
    procedures: list[dict[str, Any]], measurements: list[dict[str, Any]], skipped: Counter[str]
) -> dict[str, Any] | None:
    if not procedures:
        return None
    day = max(row["procedure_date"] for row in procedures)
    classes = set()
    for row in measurements:
        if row["measurement_concept_id"] != c.BIOPSY_CLASS.id or row["measurement_date"] != day:
            continue
        name = _class_name(row)
        if name is None:
            skipped["biopsy_class"] += 1
        else:
            classes.add(name)
    if not classes:
        skipped["biopsy_without_class"] += 1
        return None
    order = list(c.ISN_RPS_CLASSES.values())
    return {"date": day.isoformat(), "classes": sorted(classes, key=order.index)}


def _class_name(row: dict[str, Any]) -> str | None:
    value = row["value_as_number"]
    if value is not None and float(value).is_integer() and int(value) in c.ISN_RPS_CLASSES:
        return c.ISN_RPS_CLASSES[int(value)]
    text = row["value_source_value"]
    if isinstance(text, str) and text.strip().upper() in _ROMAN:
        return text.strip().upper()
    return None


def _medications(rows: list[dict[str, Any]], skipped: Counter[str]) -> list[dict[str, Any]]:
    found: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        drug = c.DRUG_NAMES[row["drug_concept_id"]]
        dose = _from_sig(row["sig"]) or _from_quantity(row)
        if dose is None:
            skipped[drug] += 1
            continue
        start, end = row["drug_exposure_start_date"], row["drug_exposure_end_date"]
        medication = {"drug": drug, **dose, "start": start.isoformat(),
                      "end": end.isoformat() if end is not None and end >= start else None}
        found.setdefault(tuple(medication.values()), medication)  # an exact repeat is one prescription
    return sorted(found.values(), key=lambda m: (m["start"], m["drug"]))


def _from_sig(sig: str | None) -> dict[str, Any] | None:
    parts = sig.split() if isinstance(sig, str) else []
    if len(parts) != 4:
        return None
    amount, unit, frequency, route = parts
    try:
        dose = float(amount)
    except ValueError:
        return None
    if not (dose > 0 and unit in _DOSE_UNITS and frequency in _FREQUENCIES and route in _ROUTES):
        return None
    return {"dose": dose, "unit": unit, "frequency": frequency, "route": route}


def _from_quantity(row: dict[str, Any]) -> dict[str, Any] | None:
    quantity, days = row["quantity"], row["days_supply"]
    route = row["route_source_value"] or _ROUTE_OF_CONCEPT.get(row["route_concept_id"])
    if not quantity or not days or quantity <= 0 or days <= 0 or route not in _ROUTES:
        return None
    return {"dose": round(float(quantity) / days, 4), "unit": "mg", "frequency": "daily", "route": route}
