"""A clinical study: design, arms, population, endpoints with their numbers, safety, and caveats.

One YAML file per study under ``knowledge/data/trials/``. Numbers are stored so a test can compare them
with their source: an endpoint holds per-arm results (events, n, percent) and one effect estimate (type,
value, confidence interval) plus the comparison's p-value; every endpoint, arm size and population
carries a ``verified`` flag (yes/partial/no, as ``shared/domain/trials.csv`` uses it) and a source.

Entry criteria that the engine matches against a patient (biopsy classes, UPCR, eGFR, creatinine) are
numbers with units from :mod:`lncare.model.units`, never prose; prose goes to ``exclusions``/``note``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import Field, model_validator

from lncare.knowledge.schema.common import ItemId, KBItem, KBModel, Link, RefId, Verified
from lncare.model.units import LAB_TESTS, canonical_unit_spelling, to_canonical

Phase = Literal["1", "1/2", "2", "2b", "2/3", "3", "4"]
StudyType = Literal[
    "rct", "rct-extension", "post-hoc", "subgroup", "cohort", "retrospective", "cross-sectional",
    "single-arm", "case-series", "case-report", "translational", "unknown",
]
Condition = Literal["lupus-nephritis", "sle", "sle-non-renal", "autoimmune", "duchenne-muscular-dystrophy"]
IsnClass = Literal["I", "II", "III", "IV", "V", "VI"]
EffectType = Literal["OR", "RR", "HR", "risk-difference", "geometric-mean-ratio"]
EndpointRole = Literal["primary", "key-secondary", "secondary", "exploratory", "post-hoc", "subgroup"]
# Which biopsies a numeric criterion applies to: AURA-LV and AURORA 1 set a higher UPCR bar for pure
# class V (>= 2 mg/mg) than for class III/IV (>= 1.5 mg/mg).
CriterionScope = Literal["all", "class-iii-iv", "pure-class-v"]

# Percent reported beside events/n is rounded by the paper; a larger gap means a typing error.
_PERCENT_TOLERANCE = 0.6


class Criterion(KBModel):
    """A numeric entry criterion: the patient's ``test`` must satisfy ``op value unit``."""

    test: str
    op: Literal[">", ">=", "<", "<="]
    value: float
    unit: str
    scope: CriterionScope = "all"
    verified: Verified
    note: str | None = None

    @model_validator(mode="after")
    def _known_test_and_unit(self) -> Criterion:
        if self.test not in LAB_TESTS:
            raise ValueError(f"test {self.test!r} is not a lab test of lncare.model.units")
        canonical_unit_spelling(LAB_TESTS[self.test], self.unit)
        return self

    def canonical_value(self) -> float:
        """The threshold in the test's canonical unit (UPCR g/g, creatinine mg/dL, ...)."""
        return to_canonical(self.test, self.value, self.unit)


class Population(KBModel):
    """Who entered the study. ``classes``: the biopsy must contain at least one of them (empty: any)."""

    description: str
    condition: Condition
    classes: tuple[IsnClass, ...] = ()
    age_min: float | None = None
    age_max: float | None = None
    inclusion: tuple[Criterion, ...] = ()
    exclusions: tuple[str, ...] = ()
    verified: Verified
    source: RefId | None = None
    note: str | None = None


class Drug(KBModel):
    """One drug of an arm or of the background therapy.

    ``therapy`` is None for placebo, or for a drug the knowledge base has no entry for (lymphodepleting
    fludarabine, methotrexate); ``regimen`` then names it.
    """

    therapy: ItemId | None = None
    regimen: str


class Arm(KBModel):
    """A study arm with its size (randomised or enrolled, as ``note`` says when it matters)."""

    id: ItemId
    label: str
    role: Literal["experimental", "control", "single"]
    n: int | None = Field(default=None, ge=0)
    n_derived: bool = False
    drugs: tuple[Drug, ...] = ()
    # An analysis arm that pools others (TULIP-LN's primary endpoint pooled both anifrolumab regimens).
    pooled_from: tuple[ItemId, ...] = ()
    verified: Verified
    source: RefId | None = None
    note: str | None = None


class ArmResult(KBModel):
    """One arm's result for an endpoint: a proportion (events/n, percent) or a mean."""

    arm: ItemId
    events: int | None = Field(default=None, ge=0)
    n: int | None = Field(default=None, ge=0)
    percent: float | None = Field(default=None, ge=0, le=100)
    mean: float | None = None
    sd: float | None = Field(default=None, ge=0)
    unit: str | None = None
    derived: bool = False

    @model_validator(mode="after")
    def _percent_matches_counts(self) -> ArmResult:
        if self.events is not None and self.n:
            if self.events > self.n:
                raise ValueError(f"events {self.events} exceed n {self.n}")
            computed = 100 * self.events / self.n
            if self.percent is not None and abs(computed - self.percent) > _PERCENT_TOLERANCE:
                raise ValueError(f"percent {self.percent} does not match {self.events}/{self.n}")
        return self


class Effect(KBModel):
    """An effect estimate of ``experimental`` against ``control`` with its confidence interval."""

    type: EffectType
    experimental: ItemId
    control: ItemId
    value: float
    ci_low: float | None = None
    ci_high: float | None = None
    ci_level: float = 95.0
    adjusted: bool = False
    note: str | None = None

    @model_validator(mode="after")
    def _ci_brackets_value(self) -> Effect:
        if (self.ci_low is None) != (self.ci_high is None):
            raise ValueError("give both ci_low and ci_high, or neither")
        if self.ci_low is not None and self.ci_high is not None and not (
            self.ci_low <= self.value <= self.ci_high
        ):
            raise ValueError(f"effect {self.value} lies outside its CI {self.ci_low} to {self.ci_high}")
        return self


class Endpoint(KBModel):
    """An outcome as the study defined it, with its time point, results, effect and p-value."""

    id: ItemId
    name: str
    role: EndpointRole
    definition: str
    timepoint_weeks: float | None = None
    subgroup: str | None = None
    results: tuple[ArmResult, ...] = ()
    effect: Effect | None = None
    p: float | None = Field(default=None, ge=0, le=1)
    p_op: Literal["=", "<"] = "="
    met: bool | None = None
    verified: Verified
    source: RefId
    note: str | None = None


class SafetyFinding(KBModel):
    """An adverse-event figure or statement, per arm where numbers exist."""

    event: str
    results: tuple[ArmResult, ...] = ()
    text: str | None = None
    verified: Verified
    source: RefId


class Finding(KBModel):
    """A qualitative or secondary result worth knowing (post hoc, subgroup, mechanism)."""

    text: str
    verified: Verified
    source: RefId


class Discrepancy(KBModel):
    """Where the founding review (or another secondary source) differs from the verified fact."""

    claim: str
    fact: str
    source: RefId


class Trial(KBItem):
    """A study the knowledge base rests on; ``verified`` is the study-level status of trials.md."""

    name: str
    aliases: tuple[str, ...] = ()
    registry_ids: tuple[str, ...] = ()
    references: tuple[RefId, ...] = ()
    year: int | None = None
    phase: Phase | None = None
    study_type: StudyType
    design: str
    parent: ItemId | None = None
    population: Population
    arms: tuple[Arm, ...] = ()
    background: tuple[Drug, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()
    safety: tuple[SafetyFinding, ...] = ()
    findings: tuple[Finding, ...] = ()
    discrepancies: tuple[Discrepancy, ...] = ()
    seed_claim: str | None = None
    verified: Verified
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Trial:
        if self.verified != "no" and not self.references:
            raise ValueError("a study verified 'yes' or 'partial' needs at least one reference")
        arm_ids = [arm.id for arm in self.arms]
        _unique("arms", arm_ids)
        _unique("endpoints", [endpoint.id for endpoint in self.endpoints])
        for endpoint in self.endpoints:
            named = [result.arm for result in endpoint.results]
            if endpoint.effect is not None:
                named += [endpoint.effect.experimental, endpoint.effect.control]
            for arm in named:
                if arm not in arm_ids:
                    raise ValueError(f"endpoint {endpoint.id!r} names arm {arm!r}; arms are {arm_ids}")
        for finding in self.safety:
            for result in finding.results:
                if result.arm not in arm_ids:
                    raise ValueError(f"safety {finding.event!r} names arm {result.arm!r}; arms are {arm_ids}")
        return self

    def endpoint(self, endpoint_id: str) -> Endpoint:
        """The endpoint called ``endpoint_id`` (KeyError when the trial has none)."""
        for endpoint in self.endpoints:
            if endpoint.id == endpoint_id:
                return endpoint
        raise KeyError(endpoint_id)

    def therapies(self) -> list[str]:
        """Therapy ids given in the study's arms (not the background), in order of appearance."""
        seen: dict[str, None] = {}
        for arm in self.arms:
            for drug in arm.drugs:
                if drug.therapy is not None:
                    seen[drug.therapy] = None
        return list(seen)

    def cited_references(self) -> Iterator[str]:
        yield from self.references
        if self.population.source is not None:
            yield self.population.source
        for arm in self.arms:
            if arm.source is not None:
                yield arm.source
        yield from (endpoint.source for endpoint in self.endpoints)
        yield from (finding.source for finding in self.safety)
        yield from (finding.source for finding in self.findings)
        yield from (discrepancy.source for discrepancy in self.discrepancies)

    def links(self) -> Iterator[Link]:
        for drug in (*self.background, *(drug for arm in self.arms for drug in arm.drugs)):
            if drug.therapy is not None:
                yield Link(kind="therapy", id=drug.therapy)
        if self.parent is not None:
            yield Link(kind="trial", id=self.parent)


def _unique(what: str, ids: list[str]) -> None:
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"{what} ids repeat: {', '.join(duplicates)}")
