"""The patient's course for the web page's charts: lab series, eGFR, glucocorticoid dose, medications.

Everything is in lncare's canonical units and comes from the same code the engine reads, so a chart can
never disagree with the plan: lab values are the record's converted values (model/units.py), eGFR per date
is :class:`lncare.engine.kidney.Kidney` (the assessment's equation choice), the prednisone-equivalent daily
dose is :func:`lncare.engine.glucocorticoids.exposure` evaluated where the dose changes, and the response
thresholds are the leaves of the selected profile's definitions (knowledge base), never numbers written here.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from lncare import knowledge
from lncare.engine import glucocorticoids
from lncare.engine.kidney import Kidney
from lncare.engine.profile import profile
from lncare.engine.treatment import Prescribed, prescribed
from lncare.knowledge.load import name_key
from lncare.knowledge.schema.definition import ChangeCriterion, ValueCriterion, walk
from lncare.knowledge.schema.therapy import Therapy
from lncare.model.labs import one_per_date
from lncare.model.medication import Medication
from lncare.model.patient import Patient
from lncare.model.plan import Assessment
from lncare.model.units import LAB_TESTS

# The measures the page charts besides eGFR, in the order the issue lists them.
CHARTED_TESTS = ("upcr", "protein_24h", "albumin", "c3", "c4", "anti_dsdna")
# Concepts whose thresholds are drawn on the charts: response levels and the milestone falls.
THRESHOLD_CONCEPTS = ("renal_response", "milestone")
CHARTED = frozenset(CHARTED_TESTS)
FLIPPED = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "=="}


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class Point(_Out):
    date: date
    value: float


class EgfrPoint(Point):
    equation: str


class Series(_Out):
    test: str
    unit: str  # canonical (UCUM spelling); the page writes it the way each locale does
    points: tuple[Point, ...]


class DoseStep(_Out):
    """Prednisone-equivalent oral/subcutaneous dose, constant from ``start`` to ``end`` inclusive."""

    start: date
    end: date
    mg_per_day: float


class Pulse(_Out):
    drug: str
    start: date
    end: date | None
    dose_mg: float | None
    frequency: str


class Glucocorticoid(_Out):
    steps: tuple[DoseStep, ...]
    pulses: tuple[Pulse, ...]
    unavailable: str | None = None  # why the daily dose cannot be computed (e.g. a per-kg dose, no weight)


class Interval(_Out):
    drug: str
    therapy: str | None  # knowledge-base therapy id, None for a drug lncare does not know
    roles: tuple[str, ...]
    start: date
    end: date | None  # None: still taken
    dose: float
    unit: str
    frequency: str
    route: str


class Threshold(_Out):
    """A level drawn on a chart: a definition's bound on a measure, absolute or from the baseline."""

    test: str
    definition: str
    concept: str
    outcome: str
    comparator: str
    value: float | None  # one bound
    low: float | None  # or the range the guideline gives for the bound
    high: float | None
    relative_percent: float | None  # set when the level is a fall from the baseline
    baseline: float | None


class Milestone(_Out):
    id: str
    label: str
    due: date
    status: str


class Course(_Out):
    patient_id: str
    as_of: date
    guideline: str
    induction_start: date | None
    series: tuple[Series, ...]
    egfr: tuple[EgfrPoint, ...]
    glucocorticoid: Glucocorticoid
    medications: tuple[Interval, ...]
    milestones: tuple[Milestone, ...]
    thresholds: tuple[Threshold, ...]
    record: dict[str, Any]  # the record as loaded (a FHIR Bundle arrives as the record it maps to)


def course(patient: Patient, assessment: Assessment, as_of: date, guideline: str) -> Course:
    """The course of ``patient`` up to ``as_of``, the assessment's milestones and the profile's levels."""
    kb = knowledge.load()
    medications = prescribed(patient, as_of, kb)
    return Course(
        patient_id=patient.id,
        as_of=as_of,
        guideline=guideline,
        induction_start=assessment.induction_start,
        series=tuple(_series(patient, test, as_of) for test in CHARTED_TESTS),
        egfr=_egfr(patient, as_of),
        glucocorticoid=_glucocorticoid(patient, as_of, medications),
        medications=tuple(_interval(m, kb.therapy_names.get(name_key(m.drug))) for m in patient.medications
                          if m.start <= as_of),
        milestones=tuple(Milestone(id=m.id, label=m.label, due=m.due, status=m.status)
                         for m in assessment.milestones),
        thresholds=tuple(_thresholds(guideline, _baseline(assessment))),
        record=patient.model_dump(mode="json", exclude_none=True),
    )


def _series(patient: Patient, test: str, as_of: date) -> Series:
    labs = one_per_date(patient.labs, test, as_of)
    points = tuple(Point(date=lab.date, value=lab.canonical) for lab in labs)
    return Series(test=test, unit=LAB_TESTS[test].canonical, points=points)


def _egfr(patient: Patient, as_of: date) -> tuple[EgfrPoint, ...]:
    kidney = Kidney.of(patient, as_of)
    found = []
    for day, _ in kidney.egfr_points(date.min, as_of):
        estimate = kidney.egfr_on(day)
        if estimate is not None:
            found.append(EgfrPoint(date=day, value=round(estimate[0], 1), equation=estimate[1]))
    return tuple(found)


def _glucocorticoid(patient: Patient, as_of: date, medications: list[Prescribed]) -> Glucocorticoid:
    steroids = [(m, t) for m, t in medications if "glucocorticoid" in t.roles]
    pulses = tuple(
        Pulse(drug=m.drug, start=m.start, end=m.end, dose_mg=m.dose_mg, frequency=m.frequency)
        for m, _ in steroids if m.route == "iv"
    )
    oral = [(m, t) for m, t in steroids if m.route != "iv"]
    # The daily dose only changes where a prescription starts or the day after one ends.
    changes = sorted({m.start for m, _ in oral} | {m.end + timedelta(days=1) for m, _ in oral if m.end})
    changes = [day for day in changes if day <= as_of]
    steps: list[DoseStep] = []
    for i, day in enumerate(changes):
        end = changes[i + 1] - timedelta(days=1) if i + 1 < len(changes) else as_of
        taken = [(m, t) for m, t in oral if m.start <= day]
        found = glucocorticoids.exposure(taken, patient.weight_kg, day)
        if found is None:
            return Glucocorticoid(steps=(), pulses=pulses, unavailable="a glucocorticoid dose cannot be "
                                  "converted to prednisone equivalents (per-kg dose without a weight?)")
        steps.append(DoseStep(start=day, end=end, mg_per_day=found.current_mg_per_day))
    return Glucocorticoid(steps=tuple(steps), pulses=pulses)


def _interval(medication: Medication, therapy: Therapy | None) -> Interval:
    return Interval(
        drug=medication.drug,
        therapy=therapy.id if therapy is not None else None,
        roles=tuple(therapy.roles) if therapy is not None else (),
        start=medication.start,
        end=medication.end,
        dose=medication.dose,
        unit=medication.unit,
        frequency=medication.frequency,
        route=medication.route,
    )


def _baseline(assessment: Assessment) -> float | None:
    """The UPCR the engine took as baseline (the renal response or a milestone names it)."""
    for because in (assessment.renal_response.because, *(m.because for m in assessment.milestones)):
        value = because.get("upcr_baseline")
        if isinstance(value, int | float):
            return float(value)
    return None


def _thresholds(guideline: str, baseline: float | None) -> list[Threshold]:
    found: list[Threshold] = []
    chosen = profile(guideline)
    for concept in THRESHOLD_CONCEPTS:
        for definition in chosen.definitions_for(concept):
            common = {"definition": definition.id, "concept": concept, "outcome": definition.outcome}
            for node in walk(definition.criteria):
                if isinstance(node, ValueCriterion) and node.at == "current" and node.measure in CHARTED:
                    found.append(_level(node.measure, node.comparator, node.value, None, None, common))
                elif isinstance(node, ChangeCriterion) and _from_upcr_baseline(node) and baseline is not None:
                    assert isinstance(node.value, float)  # _from_upcr_baseline admits single bounds only
                    falls = node.direction == "decrease"
                    level = round(baseline * (1 + (-1 if falls else 1) * node.value / 100), 3)
                    # "falls by >= 50 %" is "value <= the level": the comparator turns with the direction.
                    comparator = FLIPPED[node.comparator] if falls else node.comparator
                    found.append(_level(node.measure, comparator, level, node.value, baseline, common))
    return found


def _from_upcr_baseline(node: ChangeCriterion) -> bool:
    # Only UPCR's baseline is named by the assessment, so other measures' relative levels are not drawn.
    return (node.measure == "upcr" and node.unit == "%" and node.reference == "baseline"
            and isinstance(node.value, float))


def _level(test: str, comparator: str, value: float | tuple[float, float], relative: float | None,
           baseline: float | None, common: dict[str, str]) -> Threshold:
    low, high = value if isinstance(value, tuple) else (None, None)
    single = None if isinstance(value, tuple) else value
    return Threshold(test=test, comparator=comparator, value=single, low=low, high=high,
                     relative_percent=relative, baseline=baseline, **common)
