"""The patient record (DESIGN.md, contract 1): what lncare knows about one person with lupus nephritis.

A loaded :class:`Patient` is valid and immutable: vocabularies are closed, unknown keys are errors
(except inside ``notes``), every lab carries its canonical value next to the one given, and labs are
in a fixed order (see :mod:`lncare.model.labs`). The small accessors below are what the engine reads;
they take the as-of date explicitly because the record never reads the clock.

Plausibility bars reject values no living patient has (typing or unit errors), not clinical
thresholds: weight 2-300 kg, height 40-230 cm, age 0-120 years (the foundation issue's bars).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    ModelWrapValidatorHandler,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from lncare.errors import InputError
from lncare.model.biopsy import Biopsy
from lncare.model.dates import AS_OF, PastDate, completed_years
from lncare.model.labs import Lab, one_per_date, tidy
from lncare.model.medication import Medication
from lncare.model.problems import problem
from lncare.model.vocabulary import CONDITIONS, Condition, Pregnancy, Sex

MAX_AGE_YEARS = 120


class Patient(BaseModel):
    """One patient's record; load it with :func:`lncare.model.load_patient`."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, title="lncare patient record")

    id: StrictStr = Field(min_length=1, max_length=128)
    sex: Sex
    birth_date: PastDate | None = None
    age: StrictInt | None = Field(
        default=None, ge=0, le=MAX_AGE_YEARS, validate_default=True,
        description="Age in years, only when birth_date is unknown (give one of the two).",
    )
    weight_kg: StrictFloat | None = Field(default=None, ge=2, le=300)
    height_cm: StrictFloat | None = Field(default=None, ge=40, le=230)
    pregnancy: Pregnancy = "unknown"
    biopsy: Biopsy | None = None
    labs: tuple[Lab, ...] = ()
    medications: tuple[Medication, ...] = ()
    conditions: tuple[Condition, ...] = Field(
        default=(), description="; ".join(f"{name}: {why}" for name, why in CONDITIONS.items())
    )
    allergies: tuple[StrictStr, ...] = Field(default=(), description="Lowercase drug or class names.")
    notes: dict[str, JsonValue] = Field(default_factory=dict, description="Free-form; never read by rules.")
    notices: tuple[str, ...] = Field(
        default=(),
        description="Added by lncare at load (dropped duplicates, conflicting values); kept on reload.",
    )

    @field_validator("id")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        if value != value.strip():
            raise problem("must not start or end with spaces")
        return value

    @field_validator("birth_date")
    @classmethod
    def _plausible_birth(cls, birth: date | None, info: ValidationInfo) -> date | None:
        as_of = (info.context or {}).get(AS_OF)
        if birth is not None and as_of is not None and completed_years(birth, as_of) > MAX_AGE_YEARS:
            raise problem(f"gives an age over {MAX_AGE_YEARS} years on {as_of.isoformat()}")
        return birth

    @field_validator("age")
    @classmethod
    def _age_or_birth_date(cls, age: int | None, info: ValidationInfo) -> int | None:
        if "birth_date" not in info.data:
            return age  # birth_date failed; that error is reported
        if age is None and info.data["birth_date"] is None:
            raise problem("is missing: give birth_date (preferred) or age")
        if age is not None and info.data["birth_date"] is not None:
            raise problem("cannot be given together with birth_date (give one of them)")
        return age

    @field_validator("pregnancy")
    @classmethod
    def _pregnancy_for_sex(cls, pregnancy: str, info: ValidationInfo) -> str:
        if info.data.get("sex") == "male" and pregnancy in ("pregnant", "lactating"):
            raise problem("is not possible for sex 'male' (use none, planning or unknown)")
        return pregnancy

    @field_validator("conditions")
    @classmethod
    def _conditions_once(cls, values: tuple[Condition, ...]) -> tuple[Condition, ...]:
        return tuple(dict.fromkeys(values))

    @field_validator("allergies")
    @classmethod
    def _allergy_names(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        names = tuple(dict.fromkeys(" ".join(v.split()).lower() for v in values))
        if "" in names:
            raise problem("must not contain an empty name")
        return names

    @model_validator(mode="wrap")
    @classmethod
    def _tidy(cls, data: Any, handler: ModelWrapValidatorHandler[Patient]) -> Patient:
        patient = handler(data)
        patient._check_nothing_before_birth()
        labs, found = tidy(patient.labs)
        notices = tuple(dict.fromkeys((*patient.notices, *found)))  # a reload adds nothing twice
        return patient.model_copy(update={"labs": labs, "notices": notices})

    def _check_nothing_before_birth(self) -> None:
        if self.birth_date is None:
            return
        for field, day in self._dated_fields():
            if day < self.birth_date:
                raise problem(
                    f"is before birth_date {self.birth_date.isoformat()}", field=field, value=day.isoformat()
                )

    def check_not_after(self, as_of: date) -> None:
        """InputError naming the first dated event after ``as_of`` (a record cannot hold the future)."""
        for field, day in self._dated_fields():
            if day > as_of:
                raise InputError(
                    field, day.isoformat(), f"is after the as-of date {as_of.isoformat()} "
                    "(a record cannot hold the future)"
                )

    def _dated_fields(self) -> Iterator[tuple[str, date]]:
        if self.biopsy is not None:
            yield "biopsy.date", self.biopsy.date
        for i, lab in enumerate(self.labs):
            yield f"labs[{i}].date", lab.date
        for i, medication in enumerate(self.medications):
            yield f"medications[{i}].start", medication.start

    def age_at(self, as_of: date) -> int:
        """Age in completed years on ``as_of``; a record with only ``age`` gives that age unchanged."""
        if self.birth_date is None:
            assert self.age is not None  # a loaded record has one of the two
            return self.age
        if as_of < self.birth_date:
            born = self.birth_date.isoformat()
            raise InputError("as_of", as_of.isoformat(), f"is before birth_date {born}")
        return completed_years(self.birth_date, as_of)

    def series(self, test: str, as_of: date | None = None) -> list[tuple[date, float]]:
        """(date, canonical value) of ``test``, oldest first, one per date, up to ``as_of``.

        A date with several different values gives the one listed last (see :mod:`lncare.model.labs`).
        """
        return [(lab.date, lab.canonical) for lab in one_per_date(self.labs, test, as_of)]

    def latest(self, test: str, as_of: date) -> Lab | None:
        """The most recent result of ``test`` on or before ``as_of``, or None when there is none."""
        results = one_per_date(self.labs, test, as_of)
        return results[-1] if results else None

    def active_medications(self, on: date) -> list[Medication]:
        """Medications taken on ``on``, in the order the record lists them."""
        return [m for m in self.medications if m.active_on(on)]
