"""Guideline definitions the engine evaluates: renal response, treatment milestones, flare, refractory LN.

A definition is data, not code: a tree of criteria (``all_of`` / ``any_of``) whose leaves compare a
measure with a threshold, a change from a reference value with a bound, or ask whether a finding is
present, plus the time window in which it is judged. The engine and the vectorised population path
both walk the same tree, so a threshold lives in exactly one place (DESIGN.md, "Population analytics").

Thresholds are stored in lncare's canonical units (model/units.py): a guideline that prints 700 mg/g
is stored as 0.7 g/g, and the printed form goes into ``note``. A bound that the guideline itself gives
as a range ("UPCR < 0.5-0.7 g/g") is stored as the pair ``[0.5, 0.7]``: between the two ends the answer
is indeterminate, and the engine must say so rather than pick one end.

The criterion leaf types and :class:`TimePoint` are shared with statements (schema/statement.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import Field, model_validator

from lncare.knowledge.schema.common import Certainty, ItemId, KBItem, KBModel, Link, RefId
from lncare.model.units import LAB_TESTS

# Quantities that are not lab tests but that thresholds in the guidelines are written against, with
# the one unit each is stored in. Doses are prednisone-equivalent where the guideline says so.
OTHER_MEASURES: dict[str, str] = {
    "prednisone_dose": "mg/d",
    "prednisone_dose_per_kg": "mg/kg/d",
    "hcq_dose_per_kg": "mg/kg/d",
    "age": "a",
    "weight": "kg",
    "failed_standard_courses": "1",  # count of full standard initial regimens without adequate response
}

# Canonical unit of every measure a criterion may name.
MEASURE_UNITS: dict[str, str] = {name: test.canonical for name, test in LAB_TESTS.items()} | OTHER_MEASURES

# Findings a person or the record states, not measured on a scale. Kept closed so a typo in the data
# is a validation error, and so the engine has one list to map from the patient record.
Finding = Literal[
    "rbc_casts",
    "wbc_casts",
    "cellular_casts",
    "active_urinary_sediment",  # glomerular haematuria and/or cellular casts (nephritic sediment)
    "glomerular_haematuria",  # dysmorphic red cells; KDIGO 2012 counts >= 2 acanthocytes/hpf
    "urinary_tract_infection",
    "rescue_therapy",  # treatment failure needing rescue medication (trial response definitions)
    "gfr_near_normal",  # EULAR: normal GFR, or within 10% of normal if previously abnormal
    "nephrotic_baseline",  # nephrotic-range proteinuria when treatment started
]

Comparator = Literal["<", "<=", ">", ">=", "=="]
Reference = Literal["baseline", "previous", "pre_flare"]

# A bound, or a range the guideline gives for the bound (the pair is [low, high]).
Bound = float | tuple[float, float]


def _check_bound(value: Bound, field: str) -> None:
    if isinstance(value, tuple) and not value[0] < value[1]:
        raise ValueError(f"{field} range must be [low, high] with low < high, got {list(value)}")


class TimePoint(KBModel):
    """A time as the guideline prints it (weeks or months); :attr:`weeks` converts months exactly."""

    value: float = Field(ge=0)
    unit: Literal["weeks", "months"]

    @property
    def weeks(self) -> float:
        # A month is 1/12 of a Julian year (365.25 days), the convention of trial protocols.
        return self.value if self.unit == "weeks" else self.value * 365.25 / 12 / 7


class ValueCriterion(KBModel):
    """A measure compared with a bound, now or at the reference time (e.g. UPCR < 0.5 g/g)."""

    kind: Literal["value"] = "value"
    measure: str
    comparator: Comparator
    value: Bound
    unit: str
    at: Literal["current", "baseline", "previous"] = "current"

    @model_validator(mode="after")
    def _units(self) -> ValueCriterion:
        _check_measure_unit(self.measure, self.unit)
        _check_bound(self.value, "value")
        return self


class ChangeCriterion(KBModel):
    """A change of a measure from a reference value, in percent or in the measure's own unit.

    ``direction`` says which way counts: "a fall of at least 50%" is ``decrease >= 50 %``; "kidney
    function stable, within 10% of baseline" is ``decrease <= 10 %``; "doubling" is ``increase >= 100 %``.
    """

    kind: Literal["change"] = "change"
    measure: str
    direction: Literal["increase", "decrease"]
    comparator: Comparator
    value: Bound
    unit: str  # "%" for a relative change, else the measure's canonical unit
    reference: Reference = "baseline"

    @model_validator(mode="after")
    def _units(self) -> ChangeCriterion:
        if self.unit != "%":
            _check_measure_unit(self.measure, self.unit)
        elif self.measure not in MEASURE_UNITS:
            raise ValueError(f"unknown measure {self.measure!r}")
        _check_bound(self.value, "value")
        return self


class FindingCriterion(KBModel):
    """A finding that must be present (or absent), e.g. red-cell casts, no rescue therapy."""

    kind: Literal["finding"] = "finding"
    finding: Finding
    present: bool = True


class DefinitionCriterion(KBModel):
    """Another definition that must be met (or not met), e.g. 'neither complete nor partial'."""

    kind: Literal["definition"] = "definition"
    definition: ItemId
    met: bool = True


class AllOf(KBModel):
    """Every item must hold."""

    kind: Literal["all_of"] = "all_of"
    items: tuple[Criterion, ...] = Field(min_length=1)


class AnyOf(KBModel):
    """At least one item must hold."""

    kind: Literal["any_of"] = "any_of"
    items: tuple[Criterion, ...] = Field(min_length=1)


Criterion = Annotated[
    ValueCriterion | ChangeCriterion | FindingCriterion | DefinitionCriterion | AllOf | AnyOf,
    Field(discriminator="kind"),
]
AllOf.model_rebuild()
AnyOf.model_rebuild()


def _check_measure_unit(measure: str, unit: str) -> None:
    if measure not in MEASURE_UNITS:
        raise ValueError(f"unknown measure {measure!r} (use one of {', '.join(sorted(MEASURE_UNITS))})")
    if unit != MEASURE_UNITS[measure]:
        raise ValueError(f"{measure} thresholds are stored in {MEASURE_UNITS[measure]!r}, not {unit!r}")


def walk(criterion: Criterion) -> Iterator[Criterion]:
    """Every criterion in the tree, the root first."""
    yield criterion
    if isinstance(criterion, AllOf | AnyOf):
        for item in criterion.items:
            yield from walk(item)


class Window(KBModel):
    """When a definition is judged, counted from ``anchor``: not before ``earliest``, at the latest ``by``."""

    anchor: Literal["treatment_start", "response", "any_time"] = "treatment_start"
    earliest: TimePoint | None = None
    by: TimePoint | None = None


class Source(KBModel):
    """A reference and where in it the fact stands (recommendation number, table, figure, page)."""

    ref: RefId
    locator: str | None = None


class Rival(KBModel):
    """Another item saying something different about the same question, and how it differs."""

    id: ItemId
    differs: str = Field(min_length=10)


Concept = Literal["renal_response", "milestone", "flare", "inadequate_response", "refractory"]

# Outcomes each concept may name; checked so the engine can rely on a short, known vocabulary.
OUTCOMES: dict[str, tuple[str, ...]] = {
    "renal_response": ("complete", "partial", "none"),
    "milestone": ("3_months", "6_months", "12_months"),
    "flare": ("nephritic", "proteinuric", "mild", "moderate", "severe"),
    "inadequate_response": ("inadequate",),
    "refractory": ("refractory",),
}

# Where a definition comes from: a guideline, or "moroni" for the flare definitions of Moroni et al.
# that EULAR-school authors use (no guideline prints them as its own).
Document = Literal[
    "eular2012", "eular2019", "eular2023", "eular2025", "kdigo2012", "kdigo2024", "acr2024", "moroni"
]
Profile = Literal["eular2023", "eular2025", "kdigo2024", "acr2024"]


class Definition(KBItem):
    """One guideline definition (e.g. KDIGO 2024 complete renal response) in evaluable form."""

    document: Document
    profiles: tuple[Profile, ...] = ()  # engine profiles that use it; empty: reference only
    concept: Concept
    outcome: str
    paraphrase: str = Field(min_length=20)
    criteria: Criterion
    window: Window | None = None
    certainty: Certainty
    verification: str = Field(min_length=10)  # what the numbers were checked against
    sources: tuple[Source, ...] = Field(min_length=1)
    statements: tuple[ItemId, ...] = ()
    trials: tuple[ItemId, ...] = ()
    rivals: tuple[Rival, ...] = ()
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Definition:
        if self.outcome not in OUTCOMES[self.concept]:
            allowed = OUTCOMES[self.concept]
            raise ValueError(f"outcome {self.outcome!r} is not one of {allowed} for {self.concept}")
        if not self.id.startswith(f"{self.document}-"):
            raise ValueError(f"id {self.id!r} must start with its document '{self.document}-'")
        return self

    def cited_references(self) -> Iterator[str]:
        return (source.ref for source in self.sources)

    def links(self) -> Iterator[Link]:
        yield from (Link(kind="statement", id=s) for s in self.statements)
        yield from (Link(kind="trial", id=t) for t in self.trials)
        yield from (Link(kind="definition", id=r.id) for r in self.rivals)
        for node in walk(self.criteria):
            if isinstance(node, DefinitionCriterion):
                yield Link(kind="definition", id=node.definition)
