"""The engine's output: an assessment and a plan (DESIGN.md, contract 2).

Every finding, recommendation and warning carries ``because`` (the patient facts that triggered it, as
plain JSON values) and ``cites`` (knowledge-base ids of the guideline statements, definitions or trials
behind it). These models are what leaves lncare: the CLI's ``--json``, the REST API and the web page all
serialise them with ``model_dump(mode="json")``.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

Phase = Literal["untreated", "induction", "maintenance", "off_treatment"]
Category = Literal[
    "antimalarial", "glucocorticoid", "induction", "maintenance", "add_on", "refractory", "adjunct",
    "supportive", "monitoring", "referral",
]
Action = Literal["start", "continue", "increase", "decrease", "stop", "avoid", "consider", "monitor"]
# Actions that put a drug into the patient: a contraindicated drug never carries one of these.
GIVING_ACTIONS: frozenset[str] = frozenset({"start", "continue", "increase", "consider"})
Strength = Literal["recommended", "suggested", "consider", "practice_point"]
Severity = Literal["info", "warning", "critical"]
ResponseStatus = Literal["complete", "partial", "none", "not_assessable"]
Certainty = Literal["V", "S"]  # a plan line never rests on R (unconfirmed) knowledge

Because = dict[str, Any]


class PlanModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


M = TypeVar("M", bound=PlanModel)


def _trusted(cls: type[M], values: dict[str, Any]) -> M:
    """An instance of ``cls`` holding ``values`` as given, without validation.

    For the engine's hot path only, where every value's type is fixed by a typed signature (mypy --strict
    checks the callers) and ``values`` names every field in declaration order. It fills the same slots
    pydantic's ``model_construct`` fills, at a fraction of the cost of validating or of model_construct.
    """
    made = cls.__new__(cls)
    object.__setattr__(made, "__dict__", values)
    object.__setattr__(made, "__pydantic_fields_set__", set(values))
    object.__setattr__(made, "__pydantic_extra__", None)
    object.__setattr__(made, "__pydantic_private__", None)
    return made


class Finding(PlanModel):
    """Something true of the patient now, e.g. nephrotic-range proteinuria, with its evidence."""

    code: str
    message: str
    because: Because = Field(default_factory=dict)
    cites: tuple[str, ...] = ()

    @classmethod
    def trusted(cls, *, code: str, message: str, because: Because, cites: tuple[str, ...] = ()) -> Finding:
        """A finding built from typed values without re-validating them (``because``: a fresh dict)."""
        return _trusted(cls, {"code": code, "message": message, "because": because, "cites": cites})


class RenalResponse(PlanModel):
    """Renal response at ``as_of`` by the profile's definitions, or why it cannot be judged."""

    status: ResponseStatus
    definition: str | None = None  # id of the definition that was met (none when not assessable)
    because: Because = Field(default_factory=dict)
    reason: str | None = None  # why not assessable
    cites: tuple[str, ...] = ()


class Milestone(PlanModel):
    """A treatment milestone (e.g. EULAR: >= 25 % UPCR fall by 3 months): met, missed, due or unknown."""

    id: str  # definition id
    label: str
    due: date
    status: Literal["met", "missed", "due", "not_assessable"]
    because: Because = Field(default_factory=dict)


class Flare(PlanModel):
    """A renal flare: proteinuric or nephritic, with a severity where the definition grades it.

    ``kind`` is None when the profile's definitions grade a flare without typing it (KDIGO 2012 Table 29
    grades mild, moderate and severe flares; the Moroni definitions type them nephritic or proteinuric).
    """

    kind: Literal["proteinuric", "nephritic"] | None
    severity: str | None = None
    definition: str
    because: Because = Field(default_factory=dict)
    cites: tuple[str, ...] = ()


class Egfr(PlanModel):
    value: float
    equation: str
    on: date
    ckd_stage: str
    slope_per_year: float | None = None  # mL/min/1.73 m2 per year over the last 12 months


class GlucocorticoidExposure(PlanModel):
    """Prednisone-equivalent exposure (methylprednisolone 4 mg = prednisone 5 mg, knowledge base)."""

    current_mg_per_day: float
    cumulative_mg: float
    weeks_above_5: float
    weeks_above_7_5: float
    pulses_mg: float  # IV methylprednisolone given as pulses, counted apart from the oral dose


class Missing(PlanModel):
    """A datum the engine needed and did not have, and what its absence prevents."""

    item: str
    prevents: tuple[str, ...]


class Assessment(PlanModel):
    phase: Phase
    weeks_on_treatment: float | None
    induction_start: date | None
    renal_response: RenalResponse
    milestones: tuple[Milestone, ...] = ()
    flare: Flare | None = None
    refractory: Finding | None = None
    egfr: Egfr | None = None
    glucocorticoids: GlucocorticoidExposure | None = None
    hcq_mg_per_kg_day: float | None = None
    findings: tuple[Finding, ...] = ()
    missing: tuple[str, ...] = ()
    missing_detail: tuple[Missing, ...] = ()


class DoseStep(PlanModel):
    """One dated step of a schedule (a glucocorticoid taper, an infusion calendar)."""

    start: date
    end: date | None
    amount: float
    unit: Literal["mg", "g"]
    frequency: str


class Dose(PlanModel):
    """A dose computed for this patient, rounded to what can be given, with how it was reached."""

    amount: float
    unit: Literal["mg", "g"]
    frequency: str
    route: Literal["oral", "iv", "sc"]
    basis: str  # e.g. "<= 5 mg/kg/day of actual body weight (62 kg), rounded to 200 mg tablets"
    schedule: tuple[DoseStep, ...] = ()
    cites: tuple[str, ...] = ()


class Recommendation(PlanModel):
    id: str  # stable per kind of line, e.g. "hcq-start"
    category: Category
    action: Action
    drug: str | None = None  # INN as in the patient record
    dose: Dose | None = None
    strength: Strength
    text: str
    because: Because = Field(default_factory=dict)
    cites: tuple[str, ...] = Field(min_length=1)
    certainty: Certainty = "V"  # "S" when the statement behind it rests on secondary sources

    @classmethod
    def trusted(
        cls, *, id: str, category: Category, action: Action, drug: str | None, dose: Dose | None,
        strength: Strength, text: str, because: Because, cites: tuple[str, ...], certainty: Certainty,
    ) -> Recommendation:
        """A line built from typed values without re-validating them; ``because`` must be the caller's
        own fresh dict. A line citing nothing is validated, so it fails as it always has."""
        values = {
            "id": id, "category": category, "action": action, "drug": drug, "dose": dose,
            "strength": strength, "text": text, "because": because, "cites": cites, "certainty": certainty,
        }
        return _trusted(cls, values) if cites else cls(**values)


class Warning(PlanModel):
    code: str
    severity: Severity
    message: str
    because: Because = Field(default_factory=dict)
    cites: tuple[str, ...] = ()

    @classmethod
    def trusted(cls, *, code: str, severity: Severity, message: str, because: Because,
                cites: tuple[str, ...] = ()) -> Warning:
        """A warning built from typed values without re-validating them (``because``: a fresh dict)."""
        return _trusted(cls, {"code": code, "severity": severity, "message": message, "because": because,
                              "cites": cites})


class Exclusion(PlanModel):
    """A drug the plan will not give, and why (contraindication, interaction, missing safety data)."""

    drug: str
    reason: str
    because: Because = Field(default_factory=dict)
    cites: tuple[str, ...] = ()

    @classmethod
    def trusted(cls, *, drug: str, reason: str, because: Because, cites: tuple[str, ...] = ()) -> Exclusion:
        """An exclusion built from typed values without re-validating them (``because``: a fresh dict)."""
        return _trusted(cls, {"drug": drug, "reason": reason, "because": because, "cites": cites})


class MonitoringItem(PlanModel):
    test: str
    every_weeks: float
    because: Because = Field(default_factory=dict)
    cites: tuple[str, ...] = ()

    @classmethod
    def trusted(cls, *, test: str, every_weeks: float, because: Because,
                cites: tuple[str, ...] = ()) -> MonitoringItem:
        """An item built from typed values without re-validating them (``because``: a fresh dict).
        ``every_weeks`` is made a float, as validation would make it."""
        return _trusted(cls, {"test": test, "every_weeks": float(every_weeks), "because": because,
                              "cites": cites})


class TrialEvidence(PlanModel):
    """One trial result that applies to this patient for a candidate regimen."""

    trial: str
    endpoint: str
    definition: str
    timepoint_weeks: float
    rate_treatment: float
    rate_control: float
    difference: float
    difference_ci: tuple[float, float]
    nnt: float | None
    nnt_ci: tuple[float, float] | None
    population_match: str  # how the patient matches the trial's population, or what is extrapolated


class Option(PlanModel):
    regimen: tuple[str, ...]
    expected: tuple[TrialEvidence, ...] = ()
    note: str | None = None


class Plan(PlanModel):
    patient_id: str
    as_of: date
    guideline: str
    knowledge_version: str
    assessment: Assessment
    recommendations: tuple[Recommendation, ...] = ()
    warnings: tuple[Warning, ...] = ()
    excluded: tuple[Exclusion, ...] = ()
    monitoring: tuple[MonitoringItem, ...] = ()
    options: tuple[Option, ...] = ()
