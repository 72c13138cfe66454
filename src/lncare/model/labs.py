"""Lab results: one measured value, kept as given and converted once to the test's canonical unit.

Ordering and duplicates (``tidy``): results are sorted by (date, test, position in the input), so the
same record always gives the same order. A row identical to an earlier one in every field is the same
result sent twice; it is dropped and the record keeps a notice. Two *different* values for one test
on one date are both kept (a correction, or two draws); lookups use the one listed last, on the
reasoning that lab systems append corrections, and the record keeps a notice naming both values so a
person can check.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date
from itertools import groupby

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StrictFloat,
    StrictStr,
    ValidationInfo,
    field_validator,
)

from lncare.errors import InputError
from lncare.model.dates import PastDate
from lncare.model.problems import problem
from lncare.model.units import LAB_TESTS, canonical_unit_spelling, from_canonical, lab_test

_TEST_NAMES: list[JsonValue] = [*sorted(LAB_TESTS)]
_UNITS = "As given, UCUM or a common plain spelling (mmHg, IU/mL, 10^9/L). Accepted per test: " + "; ".join(
    f"{name}: {', '.join(LAB_TESTS[name].units)}" for name in sorted(LAB_TESTS)
)


class Lab(BaseModel):
    """One lab result or vital sign, e.g. ``{"test": "creatinine", "value": 97, "unit": "umol/L",
    "date": "2026-09-18"}``. ``canonical_value`` and ``canonical_unit`` are filled in at load."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    test: StrictStr = Field(json_schema_extra={"enum": _TEST_NAMES})
    value: StrictFloat
    unit: StrictStr = Field(description=_UNITS)
    date: PastDate
    canonical_value: StrictFloat | None = Field(
        default=None, validate_default=True, description="Derived at load; checked when given."
    )
    canonical_unit: StrictStr | None = Field(
        default=None, validate_default=True, description="Derived at load; checked when given."
    )

    @field_validator("test")
    @classmethod
    def _known_test(cls, test: str) -> str:
        try:
            return lab_test(test).name
        except InputError as err:
            raise problem(err.reason) from None

    @field_validator("unit")
    @classmethod
    def _unit_for_test(cls, unit: str, info: ValidationInfo) -> str:
        test = info.data.get("test")
        if test is not None:
            try:
                canonical_unit_spelling(LAB_TESTS[test], unit)
            except InputError as err:
                raise problem(err.reason) from None
        return unit

    @field_validator("canonical_value")
    @classmethod
    def _convert(cls, given: float | None, info: ValidationInfo) -> float | None:
        if not {"test", "value", "unit"} <= info.data.keys():
            return given  # an earlier field failed; its error is the one reported
        test, value, unit = LAB_TESTS[info.data["test"]], info.data["value"], info.data["unit"]
        canonical: float = value * test.factors[canonical_unit_spelling(test, unit)]
        if not test.low <= canonical <= test.high:
            raise problem(_implausible(test.name, unit), field="value", value=value)
        if given is not None and not math.isclose(given, canonical, rel_tol=1e-9, abs_tol=1e-12):
            raise problem(f"does not match {value:g} {unit} (expected {canonical!r} {test.canonical})")
        return canonical

    @field_validator("canonical_unit")
    @classmethod
    def _canonical_unit(cls, given: str | None, info: ValidationInfo) -> str | None:
        if "test" not in info.data:
            return given
        canonical = LAB_TESTS[info.data["test"]].canonical
        if given is not None and given != canonical:
            raise problem(f"is not the canonical unit of {info.data['test']} ({canonical})")
        return canonical

    @property
    def canonical(self) -> float:
        """The value in the canonical unit (always set once the record has loaded)."""
        assert self.canonical_value is not None  # set by _convert whenever validation succeeds
        return self.canonical_value


def _implausible(test_name: str, unit: str) -> str:
    test = LAB_TESTS[test_name]
    bounds = f"{test.low:g} to {test.high:g} {test.canonical}"
    spelled = canonical_unit_spelling(test, unit)
    if spelled != test.canonical:
        low, high = (from_canonical(test.name, v, unit) for v in (test.low, test.high))
        bounds += f" = {low:.4g} to {high:.4g} {spelled}"
    return f"{unit} is outside the plausible range for {test.label} ({bounds})"


def tidy(labs: Sequence[Lab]) -> tuple[tuple[Lab, ...], list[str]]:
    """``labs`` in a fixed order with exact repeats dropped, and notices saying what was found."""
    notices: list[str] = []
    kept: list[Lab] = []
    first_seen: dict[Lab, int] = {}
    for position, lab in enumerate(labs):
        if lab in first_seen:
            notices.append(
                f"labs[{position}] repeats labs[{first_seen[lab]}] exactly ({_describe(lab)} on "
                f"{lab.date.isoformat()}) and was dropped"
            )
            continue
        first_seen[lab] = position
        kept.append(lab)
    ordered = tuple(sorted(kept, key=lambda lab: (lab.date, lab.test)))  # stable: input order breaks ties
    for (day, test), group in groupby(ordered, key=lambda lab: (lab.date, lab.test)):
        same_day = list(group)
        if _disagree([lab.canonical for lab in same_day]):
            values = ", ".join(_describe(lab, with_test=False) for lab in same_day)
            notices.append(
                f"{test} on {day.isoformat()} has different values ({values}); lookups use the one "
                f"listed last ({_describe(same_day[-1], with_test=False)})"
            )
    return ordered, notices


def _disagree(values: list[float]) -> bool:
    # One result converted from two units (1.1 mg/dL, 97.24 umol/L) differs only in the last float bits.
    return max(values) - min(values) > 1e-9 * max(abs(v) for v in values)


def _describe(lab: Lab, with_test: bool = True) -> str:
    text = f"{lab.value:g} {lab.unit}"
    return f"{lab.test} {text}" if with_test else text


def one_per_date(labs: Iterable[Lab], test: str, as_of: date | None = None) -> list[Lab]:
    """One result per date for ``test`` (the last listed when a date has several), oldest first."""
    name = lab_test(test).name
    chosen: dict[date, Lab] = {}
    for lab in labs:
        if lab.test == name and (as_of is None or lab.date <= as_of):
            chosen[lab.date] = lab  # labs are tidy-ordered, so the last listed on a date wins
    return [chosen[day] for day in sorted(chosen)]
