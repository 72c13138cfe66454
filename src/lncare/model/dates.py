"""Dates in a patient record: ISO 8601 parsing, the as-of check and age in completed years.

The record never reads the clock. A caller that knows the date of the assessment passes it as
``as_of`` in the validation context (``load_patient(..., as_of=...)``); a date that must already have
happened (a lab, a biopsy, a birth, a drug start) and lies after it is an error, because a result from
the future is a typing error (2062 for 2026) and would silently become the "latest" value.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, ValidationInfo, WithJsonSchema

from lncare.model.problems import problem

AS_OF = "as_of"


def _iso_date(value: Any) -> date:
    if isinstance(value, datetime):
        raise problem("must be a date without a time of day (e.g. 2026-09-20)")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise problem("is not a date (use ISO 8601, e.g. 2026-09-20)")


def _not_after_as_of(value: date, info: ValidationInfo) -> date:
    as_of = (info.context or {}).get(AS_OF)
    if as_of is not None and value > as_of:
        raise problem(f"is after the as-of date {as_of.isoformat()} (a record cannot hold the future)")
    return value


_SCHEMA = WithJsonSchema({"type": "string", "format": "date"})

# Any calendar date given as ISO 8601 text (or a date object from Python callers).
IsoDate = Annotated[date, BeforeValidator(_iso_date), _SCHEMA]

# A date that has already happened on the as-of date, when one is given.
PastDate = Annotated[date, BeforeValidator(_iso_date), AfterValidator(_not_after_as_of), _SCHEMA]


def completed_years(birth: date, on: date) -> int:
    """Age in whole years on ``on``, as clinicians and the eGFR equations count it.

    Someone born on 29 February turns a year older on 1 March in common years.
    """
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
