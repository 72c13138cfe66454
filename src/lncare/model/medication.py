"""A medication the patient takes or took: drug, dose as prescribed, schedule and dates.

``drug`` is the lowercase generic (INN) name. Its shape is checked here; whether lncare knows the drug
is the knowledge base's call: a caller that holds the knowledge base passes its drug names as
``drug_names`` in the validation context (``load_patient(..., drug_names=...)``) and unknown names
become errors. Without it, any well-formed name is accepted.
"""

from __future__ import annotations

import math
import re
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictStr, ValidationInfo, field_validator

from lncare.errors import one_of
from lncare.model.dates import IsoDate, PastDate
from lncare.model.problems import problem
from lncare.model.vocabulary import MG_PER_DOSE_UNIT, DoseUnit, Frequency, Route

DRUG_NAMES = "drug_names"

# Lowercase words that start with a letter, joined by single spaces or hyphens ("co-trimoxazole",
# "vitamin d3"); a strength or an abbreviation with a number ("mmf 500") is not a name.
_DRUG_NAME = re.compile(r"[a-z][a-z0-9]*(?:[ -][a-z][a-z0-9]*)*")


class Medication(BaseModel):
    """One prescription, e.g. mycophenolate mofetil 1000 mg bid orally since 2026-09-25.

    ``end`` is the last day the drug was taken (null while it is taken). ``dose_mg`` is the dose in
    mg when the unit is a plain mass (mg, g); a per-kg or per-m2 dose stays as prescribed, because
    turning it into mg needs a weight or body surface area the engine chooses.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    drug: StrictStr
    dose: StrictFloat = Field(gt=0)
    unit: DoseUnit
    frequency: Frequency
    route: Route
    start: PastDate
    end: IsoDate | None = None
    dose_mg: StrictFloat | None = Field(
        default=None, validate_default=True, description="Derived at load; checked when given."
    )

    @field_validator("drug")
    @classmethod
    def _drug_name(cls, drug: str, info: ValidationInfo) -> str:
        name = " ".join(drug.split()).lower()
        if not _DRUG_NAME.fullmatch(name):
            raise problem("is not a generic drug name (lowercase INN, e.g. 'mycophenolate mofetil')")
        known = (info.context or {}).get(DRUG_NAMES)
        if known is not None and name not in known:
            raise problem("is not a drug in the knowledge base")
        return name

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("start")
        if end is not None and start is not None and end < start:
            raise problem(f"is before the start date {start.isoformat()}")
        return end

    @field_validator("dose_mg")
    @classmethod
    def _in_mg(cls, given: float | None, info: ValidationInfo) -> float | None:
        if not {"dose", "unit"} <= info.data.keys():
            return given
        factor = MG_PER_DOSE_UNIT.get(info.data["unit"])
        if factor is None:
            if given is not None:
                raise problem(f"only applies to doses in {one_of(list(MG_PER_DOSE_UNIT))}")
            return None
        in_mg: float = info.data["dose"] * factor
        if given is not None and not math.isclose(given, in_mg, rel_tol=1e-9):
            raise problem(f"does not match {info.data['dose']:g} {info.data['unit']} ({in_mg:g} mg)")
        return in_mg

    def active_on(self, day: date) -> bool:
        """Whether the drug is taken on ``day`` (start and end both count as taken)."""
        return self.start <= day and (self.end is None or day <= self.end)
