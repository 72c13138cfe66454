"""The kidney biopsy: ISN/RPS class(es) and the modified NIH indices as the pathologist reported them."""

from __future__ import annotations

from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    field_validator,
)

from lncare.calc.pathology import isn_rps_classes
from lncare.errors import InputError
from lncare.model.dates import PastDate
from lncare.model.problems import problem


class Biopsy(BaseModel):
    """The most recent kidney biopsy, e.g. ``{"date": "2026-09-20", "classes": ["IV", "V"]}``.

    Classes are stored canonical and sorted ("4" and "IV-G (A)" become "IV", as the 2018 ISN/RPS
    revision reports them). Index ranges are those of the modified NIH indices (Bajema et al., Kidney
    Int 2018;93:789-96): activity 0-24, chronicity 0-12.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    date: PastDate
    classes: tuple[StrictStr, ...] = Field(min_length=1)
    activity_index: StrictInt | None = Field(default=None, ge=0, le=24)
    chronicity_index: StrictInt | None = Field(default=None, ge=0, le=12)
    crescents_percent: StrictFloat | None = Field(default=None, ge=0, le=100)
    tma: StrictBool | None = Field(default=None, description="Thrombotic microangiopathy on the biopsy.")

    @field_validator("classes", mode="before")
    @classmethod
    def _isn_rps(cls, classes: Any) -> Any:
        if not isinstance(classes, list | tuple):
            return classes  # the type check reports it
        try:
            return isn_rps_classes(classes, field="classes")
        except InputError as err:
            raise problem(err.reason, field=err.field, value=err.value) from None
