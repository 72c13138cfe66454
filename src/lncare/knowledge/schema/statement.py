"""Guideline statements: what each guideline recommends, how strongly, and how firmly lncare knows it.

One statement is one recommendation, practice point, good-practice statement or overarching
principle of a guideline, in lncare's own words (never the verbatim text), with the grade exactly as
published and the numbers a rule needs (thresholds, doses, time points) in structured form.

Ids follow the guideline's own numbering: ``{document}-{kind}-{number}``, e.g. ``kdigo2024-rec-10.2.1.1``,
``kdigo2024-pp-10.2.3.1.2``, ``eular2025-rec-2``. ACR 2024 does not number its statements, and the
numbers of several EULAR statements could not be checked; those ids end in a short topic slug instead
(``acr2024-rec-triple-therapy``) and ``number`` stays empty, so a slug is never mistaken for a number.

``certainty`` (common.Certainty) says how firmly the content is known; a rule may rest on V or S,
never on R. ``verification`` records what the statement was checked against.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import Field, model_validator

from lncare.knowledge.schema.common import Certainty, ItemId, KBItem, KBModel, Link
from lncare.knowledge.schema.definition import (
    Criterion,
    DefinitionCriterion,
    Profile,
    Rival,
    Source,
    TimePoint,
    walk,
)

# Documents whose statements lncare encodes: the three main guidelines, the EULAR LN documents they
# rely on, and the companion guidelines they point to for supportive care.
StatementDocument = Literal[
    "eular2019",  # EULAR/ERA-EDTA 2019 LN update
    "eular2023",  # EULAR 2023 SLE update
    "eular2025",  # EULAR 2025 kidney update
    "kdigo2024",
    "acr2024",
    "acr2020",  # ACR 2020 reproductive health
    "acr2022vax",  # ACR 2022 vaccination
    "acr2022giop",  # ACR 2022 glucocorticoid-induced osteoporosis
    "eular2022inf",  # EULAR 2022 screening and prophylaxis of chronic and opportunistic infections
    "eular2022cv",  # EULAR 2022 cardiovascular risk management in rheumatic diseases
]

StatementKind = Literal["rec", "pp", "gps", "op", "text"]
KIND_NAMES: dict[str, str] = {
    "rec": "graded recommendation",
    "pp": "practice point (KDIGO, ungraded)",
    "gps": "good practice statement (ACR, ungraded)",
    "op": "overarching principle (EULAR)",
    "text": "statement of the guideline's text, not a numbered item",
}

# The engine's rule areas (DESIGN.md contract 2 categories, plus the assessment-only areas).
Topic = Literal[
    "antimalarial",
    "glucocorticoid",
    "induction",
    "add_on",
    "maintenance",
    "refractory",
    "flare",
    "adjunct",
    "supportive",
    "special_populations",
    "monitoring",
    "response",
    "diagnosis",
]

IsnClass = Literal["I", "II", "III", "IV", "V", "VI"]


class EularGrade(KBModel):
    """Oxford level of evidence (1a-5) and grade of recommendation (A-D), as EULAR prints them."""

    system: Literal["eular"] = "eular"
    loe: Literal["1a", "1b", "2a", "2b", "3", "3a", "3b", "4", "5"]
    gor: Literal["A", "B", "C", "D"] | None = None


class KdigoGrade(KBModel):
    """KDIGO strength (1 'we recommend', 2 'we suggest') and certainty of evidence (A-D)."""

    system: Literal["kdigo"] = "kdigo"
    strength: Literal[1, 2]
    evidence: Literal["A", "B", "C", "D"]


class AcrGrade(KBModel):
    """ACR GRADE strength, with the certainty of evidence when the source gives it."""

    system: Literal["acr"] = "acr"
    strength: Literal["strong", "conditional"]
    evidence: Literal["very_low", "low", "moderate", "high"] | None = None


Grade = Annotated[EularGrade | KdigoGrade | AcrGrade, Field(discriminator="system")]

DoseUnit = Literal["mg", "g", "mg/kg", "mg/m2", "g/m2"]
# DESIGN.md contract 1 frequency vocabulary.
Frequency = Literal["once", "daily", "bid", "tid", "weekly", "q2w", "q4w", "monthly", "q6months"]


class Dose(KBModel):
    """A dose a guideline states, per administration, with how the amount is meant.

    ``limit``: "exact" (give this), "max" (a ceiling: HCQ <= 5 mg/kg/day), "target" (aim for this),
    "min". ``cap_mg`` is an absolute ceiling per administration on top of a weight-based amount.
    ``start``/``end`` place a step of a taper schedule; ``count`` is the number of administrations.
    """

    drug: ItemId
    step: str | None = None
    amount: float | tuple[float, float]
    unit: DoseUnit
    frequency: Frequency
    route: Literal["oral", "iv", "sc"]
    limit: Literal["exact", "max", "target", "min"] = "exact"
    cap_mg: float | None = Field(default=None, gt=0)
    count: int | tuple[int, int] | None = None
    start: TimePoint | None = None
    end: TimePoint | None = None
    duration: TimePoint | None = None
    weight_basis: Literal["actual", "ideal"] | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _ranges(self) -> Dose:
        for name, value in (("amount", self.amount), ("count", self.count)):
            if isinstance(value, tuple) and not value[0] < value[1]:
                raise ValueError(f"{name} range must be [low, high] with low < high, got {list(value)}")
        return self


class Condition(KBModel):
    """A named threshold a rule tests, optionally by a time point (e.g. prednisone <= 5 mg/d by 6 months)."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    criterion: Criterion
    by: TimePoint | None = None
    grade: Grade | None = None  # when the guideline grades this item on its own (EULAR 2025 rec 2)
    note: str | None = None


class Duration(KBModel):
    """How long a treatment lasts at least / at most, counted from the start of therapy or from response."""

    minimum: TimePoint | None = None
    maximum: TimePoint | None = None
    counted_from: Literal["treatment_start", "response"]

    @model_validator(mode="after")
    def _some(self) -> Duration:
        if self.minimum is None and self.maximum is None:
            raise ValueError("a duration needs a minimum, a maximum or both")
        if self.minimum and self.maximum and self.minimum.weeks > self.maximum.weeks:
            raise ValueError("duration minimum exceeds its maximum")
        return self


_ID = re.compile(r"^(?P<doc>[a-z0-9]+)-(?P<kind>rec|pp|gps|op|text)-(?P<tail>[a-z0-9][a-z0-9.-]*)$")
_NUMBER = re.compile(r"^\d+(\.\d+)*[a-z]?$")


class Statement(KBItem):
    """One guideline statement in lncare's words, with its grade, certainty, numbers and links."""

    document: StatementDocument
    profiles: tuple[Profile, ...] = Field(min_length=1)  # engine profiles that apply it
    kind: StatementKind
    number: str | None = None  # the guideline's own number, only when it was checked
    topic: Topic
    paraphrase: str = Field(min_length=20)
    grade: Grade | None = None
    certainty: Certainty
    verification: str = Field(min_length=10)
    sources: tuple[Source, ...] = Field(min_length=1)
    classes: tuple[IsnClass, ...] = ()
    therapies: tuple[ItemId, ...] = ()
    trials: tuple[ItemId, ...] = ()
    definitions: tuple[ItemId, ...] = ()
    conditions: tuple[Condition, ...] = ()
    doses: tuple[Dose, ...] = ()
    duration: Duration | None = None
    rivals: tuple[Rival, ...] = ()
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Statement:
        match = _ID.match(self.id)
        if match is None or match["doc"] != self.document or match["kind"] != self.kind:
            raise ValueError(f"id {self.id!r} must read '{self.document}-{self.kind}-<number or slug>'")
        if self.number is not None:
            if not _NUMBER.match(self.number):
                raise ValueError(f"number {self.number!r} is not a guideline number like 10.2.3.1.1")
            if match["tail"] != self.number.lower():
                raise ValueError(f"id {self.id!r} must end in its number {self.number!r}")
        if self.grade is not None:
            family = re.sub(r"\d.*$", "", self.document)
            if self.grade.system != family:
                raise ValueError(f"a {self.document} statement cannot carry a {self.grade.system} grade")
            if self.kind != "rec":
                raise ValueError(f"only graded recommendations ('rec') carry a grade, not {self.kind!r}")
        names = [c.name for c in self.conditions]
        if len(names) != len(set(names)):
            raise ValueError(f"condition names repeat: {names}")
        return self

    @property
    def usable(self) -> bool:
        """Whether a rule may rest on it (certainty V or S)."""
        return self.certainty in ("V", "S")

    def condition(self, name: str) -> Condition:
        """The condition called ``name`` (KeyError naming the statement when it has none)."""
        for item in self.conditions:
            if item.name == name:
                return item
        raise KeyError(f"{self.id} has no condition {name!r}")

    def cited_references(self) -> Iterator[str]:
        return (source.ref for source in self.sources)

    def links(self) -> Iterator[Link]:
        yield from (Link(kind="therapy", id=t) for t in self.therapies)
        yield from (Link(kind="therapy", id=d.drug) for d in self.doses)
        yield from (Link(kind="trial", id=t) for t in self.trials)
        yield from (Link(kind="definition", id=d) for d in self.definitions)
        yield from (Link(kind="statement", id=r.id) for r in self.rivals)
        for condition in self.conditions:
            for node in walk(condition.criterion):
                if isinstance(node, DefinitionCriterion):
                    yield Link(kind="definition", id=node.definition)
