"""Schema of a therapy file: one drug, drug class or cell therapy used in lupus nephritis.

A therapy file (``knowledge/data/therapies/<id>.yaml``) holds what the clinical engine reads about a
drug: the names a record may use for it, how it is given and in which strengths, the regimens studied
in LN and the labelled limits, and its safety facts. Each safety fact is its own small record with
``sources`` and a ``certainty`` (V, S or R; see :mod:`lncare.knowledge.schema.common`), so a rule can
cite exactly the fact it acted on and can refuse one that is only R.

Vocabularies follow the patient and plan contracts (shared/DESIGN.md): routes oral | iv | sc and the
frequency words of a medication line; lab measures are the test names of :mod:`lncare.model.units`,
in their canonical units.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from lncare.knowledge.schema.common import Certainty, ItemId, KBItem, KBModel, Link, RefId
from lncare.model.units import LAB_TESTS

Route = Literal["oral", "iv", "sc"]
Frequency = Literal["once", "daily", "bid", "tid", "weekly", "q2w", "q4w", "monthly", "q6months"]
DoseUnit = Literal["mg", "mg/kg", "mg/m2", "g"]
Comparison = Literal["<", "<=", ">", ">="]

# Where a therapy sits in a plan; the same words as the plan's recommendation categories.
Role = Literal[
    "antimalarial", "glucocorticoid", "induction", "maintenance", "add_on", "refractory", "adjunct",
    "supportive", "investigational",
]

# Patient conditions a contraindication or caution can name: the record's documented vocabulary
# (DESIGN.md contract 1) plus states the engine derives from other fields (pregnancy, allergy, labs).
Condition = Literal[
    "hypertension", "diabetes", "osteoporosis", "hbv_infection", "hcv_infection", "hiv_infection",
    "latent_tb", "active_tb", "active_infection", "retinopathy", "maculopathy", "esrd", "dialysis",
    "kidney_transplant", "antiphospholipid_syndrome", "heart_failure", "liver_disease",
    "g6pd_deficiency", "tpmt_deficiency", "hypersensitivity", "pregnancy", "lactation",
    "live_vaccine", "severe_cns_lupus", "qt_prolongation", "hyperkalaemia", "sulfonamide_allergy",
    "active_bleeding", "hypercalcaemia", "hypocalcaemia", "ketoacidosis", "angioedema_history",
    "depression_suicidality", "malignancy", "cytopenia", "hypogammaglobulinaemia",
]

# Tests a therapy asks for before its start or during it. Lab names come from model/units.py; the
# rest are examinations or results that have no number in the patient record.
EXTRA_TESTS = frozenset({
    "hbsag", "anti_hbc", "hbv_dna", "hcv_antibody", "hiv", "tb_igra", "chest_xray", "pregnancy_test",
    "tpmt", "nudt15", "g6pd", "retinal_exam", "bone_density", "ecg", "liver_enzymes", "magnesium",
    "glucose", "lipids", "urinalysis", "vzv_serology", "cbc", "blood_pressure", "mpa_auc", "calcium",
    "vitamin_d", "bilirubin", "fracture_risk", "mood",
})


class Fact(KBModel):
    """A fact the engine may cite: its sources and how firmly it is known.

    A V or S fact without a source would be a number with nothing behind it, so it is refused here;
    an R fact may lack one (it is kept for review and never drives a rule).
    """

    certainty: Certainty
    sources: tuple[RefId, ...] = ()
    note: str | None = None

    @model_validator(mode="after")
    def _sourced(self) -> Fact:
        if self.certainty in ("V", "S") and not self.sources:
            raise ValueError(f"a certainty {self.certainty} fact needs at least one source")
        return self


class Synonym(KBModel):
    """Another name a record or a person may use: brand, abbreviation, Chinese name, code."""

    name: str = Field(min_length=1)
    kind: Literal["inn_variant", "brand", "abbreviation", "zh", "code", "salt", "other"]
    note: str | None = None


class Code(Fact):
    """A terminology code for the ingredient (RxNorm RXCUI of TTY=IN, OMOP concept id)."""

    system: Literal["rxnorm", "omop"]
    code: str = Field(pattern=r"^\d+$")


class ClassMember(KBModel):
    """A drug inside a class entry (ACE inhibitors, ARBs): its INN, other names and codes."""

    name: str = Field(min_length=1)
    synonyms: tuple[Synonym, ...] = ()
    codes: tuple[Code, ...] = ()


class Formulation(Fact):
    """One marketed presentation: the strength per unit is what a dose is rounded to."""

    form: Literal[
        "tablet", "capsule", "delayed_release_tablet", "oral_solution", "vial", "prefilled_syringe",
        "autoinjector", "cell_suspension",
    ]
    route: Route
    strength_mg: float | None = Field(default=None, gt=0)
    volume_ml: float | None = Field(default=None, gt=0)


class GlucocorticoidEquivalence(Fact):
    """Milligrams of prednisone that one milligram of this glucocorticoid is taken to equal."""

    prednisone_mg_per_mg: float = Field(gt=0)


class DoseStep(KBModel):
    """One step of a regimen: amount (or a range), unit, frequency, route and how long or how often."""

    amount: float = Field(gt=0)
    amount_max: float | None = Field(default=None, gt=0)
    unit: DoseUnit
    frequency: Frequency
    route: Route
    doses: int | None = Field(default=None, ge=1)
    doses_max: int | None = Field(default=None, ge=1)
    at_weeks: tuple[float, ...] = ()
    duration_weeks: float | None = Field(default=None, gt=0)
    max_mg: float | None = Field(default=None, gt=0)
    note: str | None = None

    @model_validator(mode="after")
    def _ranges(self) -> DoseStep:
        if self.amount_max is not None and self.amount_max < self.amount:
            raise ValueError("amount_max is below amount")
        if self.doses_max is not None and (self.doses is None or self.doses_max < self.doses):
            raise ValueError("doses_max needs doses and must not be below it")
        return self


class TroughTarget(KBModel):
    """Target whole-blood trough concentration, ng/mL."""

    low: float = Field(gt=0)
    high: float | None = Field(default=None, gt=0)


class Regimen(Fact):
    """A dosing regimen as studied in a trial, as labelled, or as a guideline states it.

    Its steps run in order (a taper is one step per dose level); ``combined_with`` names the other
    therapies the regimen was studied or labelled with.
    """

    id: ItemId
    label: str
    setting: Literal[
        "induction", "maintenance", "pulse", "add_on", "refractory", "class_ii", "class_v",
        "kidney_protection", "prophylaxis", "supportive", "sle",
    ]
    basis: Literal["studied", "labelled", "guideline"]
    steps: tuple[DoseStep, ...] = ()
    duration_weeks: float | None = Field(default=None, gt=0)
    duration_weeks_max: float | None = Field(default=None, gt=0)
    target_trough_ng_ml: TroughTarget | None = None
    combined_with: tuple[ItemId, ...] = ()


class DoseLimit(Fact):
    """A ceiling on the daily dose; ``weight_basis`` says which weight a per-kg limit uses."""

    amount: float = Field(gt=0)
    unit: Literal["mg", "mg/kg", "g"]
    per: Literal["day", "dose", "lifetime"] = "day"
    weight_basis: Literal["actual", "ideal"] | None = None
    basis: Literal["label", "guideline", "trial"]

    @model_validator(mode="after")
    def _weight(self) -> DoseLimit:
        if (self.unit == "mg/kg") != (self.weight_basis is not None):
            raise ValueError("weight_basis is given exactly when the limit is per kg")
        return self


class PregnancyFact(Fact):
    """Use in pregnancy, and how long before conception to stop (for women and, if stated, men)."""

    status: Literal["compatible", "avoid", "contraindicated"]
    washout_weeks: float | None = Field(default=None, ge=0)
    paternal_washout_weeks: float | None = Field(default=None, ge=0)
    contraception_after_weeks: float | None = Field(default=None, ge=0)


class LactationFact(Fact):
    """Use while breastfeeding."""

    status: Literal["compatible", "avoid", "contraindicated"]


class EgfrLimit(Fact):
    """What applies when eGFR (mL/min/1.73 m2) ``comparison`` ``threshold``, at start or on treatment.

    With ``fall_from_baseline_percent`` the rule needs, as well, a fall of that many percent from the
    patient's baseline eGFR (voclosporin's on-treatment table); ``text`` says whether the bound is strict.
    """

    comparison: Comparison
    threshold: float = Field(gt=0)
    fall_from_baseline_percent: float | None = Field(default=None, gt=0, lt=100)
    phase: Literal["start", "ongoing", "any"]
    action: Literal[
        "contraindicated", "not_recommended", "avoid", "do_not_start", "reduce_dose", "caution",
        "monitor", "stop",
    ]
    reduce_by_percent: float | None = Field(default=None, gt=0, le=100)
    text: str


class LabLimit(Fact):
    """A start bar or an on-treatment limit on a lab or vital sign (BP, blood counts, potassium)."""

    measure: str
    comparison: Comparison
    threshold: float
    unit: str
    phase: Literal["start", "ongoing", "any"]
    action: Literal["do_not_start", "hold", "reduce_dose", "stop", "caution", "monitor"]
    text: str

    @model_validator(mode="after")
    def _known_measure(self) -> LabLimit:
        test = LAB_TESTS.get(self.measure)
        if test is None:
            raise ValueError(f"measure {self.measure!r} is not a lab test of lncare.model.units")
        if self.unit != test.canonical:
            raise ValueError(f"unit for {self.measure} must be its canonical unit {test.canonical}")
        return self


class Screening(Fact):
    """A test needed before the first dose."""

    test: str
    text: str | None = None

    @field_validator("test")
    @classmethod
    def _known_test(cls, value: str) -> str:
        return _known_test_name(value)


class Contraindication(Fact):
    """A condition that forbids the drug (absolute) or calls for caution (relative)."""

    condition: Condition
    severity: Literal["absolute", "relative"]
    text: str


class Interaction(Fact):
    """Another therapy (by id) or a group of drugs this one must not be combined with, or only with care."""

    partner: ItemId | None = None
    partner_group: str | None = None
    severity: Literal["contraindicated", "major", "moderate", "minor"]
    action: Literal["avoid", "not_recommended", "adjust_dose", "monitor", "separate_doses"]
    reason: str

    @model_validator(mode="after")
    def _one_partner(self) -> Interaction:
        if (self.partner is None) == (self.partner_group is None):
            raise ValueError("give exactly one of partner (a therapy id) or partner_group")
        return self


class Monitoring(Fact):
    """A test to repeat while on the drug: how often, and in which window of treatment."""

    test: str
    every_weeks: float | None = Field(default=None, gt=0)
    from_week: float | None = Field(default=None, ge=0)
    until_week: float | None = Field(default=None, gt=0)
    text: str | None = None

    @field_validator("test")
    @classmethod
    def _known_test(cls, value: str) -> str:
        return _known_test_name(value)


class Approval(Fact):
    """Regulatory status for one agency and one indication."""

    agency: Literal["fda", "ema", "nmpa"]
    indication: Literal["ln", "sle"]
    status: Literal["approved", "not_approved", "investigational"]
    year: int | None = Field(default=None, ge=1940, le=2100)


class Therapy(KBItem):
    """A lupus nephritis therapy: names, class, mechanism, dosing, approvals and safety facts."""

    name: str = Field(min_length=1, description="INN as written in patient records, lowercase")
    kind: Literal["drug", "drug_class", "cell_therapy"] = "drug"
    synonyms: tuple[Synonym, ...] = ()
    members: tuple[ClassMember, ...] = ()
    drug_class: str
    target: str | None = None
    mechanism: str
    roles: tuple[Role, ...] = ()
    availability: Literal["marketed", "investigational"]
    routes: tuple[Route, ...] = ()
    formulations: tuple[Formulation, ...] = ()
    codes: tuple[Code, ...] = ()
    glucocorticoid_equivalence: GlucocorticoidEquivalence | None = None
    regimens: tuple[Regimen, ...] = ()
    max_dose: tuple[DoseLimit, ...] = ()
    approvals: tuple[Approval, ...] = ()
    pregnancy: PregnancyFact | None = None
    lactation: LactationFact | None = None
    egfr_limits: tuple[EgfrLimit, ...] = ()
    lab_limits: tuple[LabLimit, ...] = ()
    screening: tuple[Screening, ...] = ()
    contraindications: tuple[Contraindication, ...] = ()
    interactions: tuple[Interaction, ...] = ()
    monitoring: tuple[Monitoring, ...] = ()
    references: tuple[RefId, ...] = ()
    notes: str | None = None

    @field_validator("name")
    @classmethod
    def _lowercase(cls, value: str) -> str:
        if value != value.lower() or value != value.strip():
            raise ValueError("name is the lowercase INN with no surrounding spaces")
        return value

    @model_validator(mode="after")
    def _shape(self) -> Therapy:
        if self.members and self.kind != "drug_class":
            raise ValueError("only a drug_class lists members")
        if self.kind == "drug_class" and not self.members:
            raise ValueError("a drug_class lists its members")
        if any(i.partner == self.id for i in self.interactions):
            raise ValueError("an interaction partner cannot be the therapy itself")
        return self

    def all_names(self) -> Iterator[str]:
        """Every name that resolves to this therapy: INN, synonyms, class members and theirs."""
        yield self.name
        yield from (s.name for s in self.synonyms)
        for member in self.members:
            yield member.name
            yield from (s.name for s in member.synonyms)

    def cited_references(self) -> Iterator[str]:
        yield from self.references
        yield from _sources(self)

    def links(self) -> Iterator[Link]:
        partners = {i.partner for i in self.interactions if i.partner is not None}
        partners.update(t for r in self.regimens for t in r.combined_with)
        for partner in sorted(partners):
            yield Link(kind="therapy", id=partner)


def _known_test_name(value: str) -> str:
    if value not in LAB_TESTS and value not in EXTRA_TESTS:
        raise ValueError(f"{value!r} is not a lab test of lncare.model.units nor a known examination")
    return value


def _sources(model: BaseModel) -> Iterator[str]:
    """The ``sources`` of every fact nested anywhere inside ``model``."""
    if isinstance(model, Fact):
        yield from model.sources
    for field in type(model).model_fields:
        value = getattr(model, field)
        children = value if isinstance(value, tuple) else (value,)
        for child in children:
            if isinstance(child, BaseModel):
                yield from _sources(child)
