"""What a rule reads: the patient, the date, the profile, the knowledge base and the assessment.

A :class:`Context` is built once per plan. It answers the small questions every rule asks (what does the
patient take now, the latest UPCR, the weight) in canonical units, resolving the patient's drug names to
knowledge-base therapy ids once, so rules stay short and never touch raw records, the clock or files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from lncare.engine.kidney import Kidney
from lncare.engine.profile import Profile
from lncare.knowledge import KnowledgeBase
from lncare.knowledge.load import name_key
from lncare.knowledge.schema.therapy import Therapy
from lncare.model.medication import Medication
from lncare.model.patient import Patient
from lncare.model.plan import Assessment


@dataclass(frozen=True)
class Context:
    patient: Patient
    as_of: date
    profile: Profile
    kb: KnowledgeBase
    assessment: Assessment
    shared_kidney: Kidney | None = None  # the assessment's lab series and eGFR cache, when it has them

    @cached_property
    def kidney(self) -> Kidney:
        """Lab series and eGFR by date, shared with the assessment so each date is computed once."""
        return self.shared_kidney or Kidney.of(self.patient, self.as_of)

    def therapy(self, drug: str) -> Therapy | None:
        """The knowledge-base therapy a drug name (INN, synonym, class member) resolves to."""
        return self.kb.therapy_names.get(name_key(drug))

    @cached_property
    def current(self) -> dict[str, Medication]:
        """Therapy id -> the medication taken on ``as_of`` (the last listed when several are)."""
        taken: dict[str, Medication] = {}
        for medication in self.patient.active_medications(self.as_of):
            therapy = self.therapy(medication.drug)
            taken[therapy.id if therapy else name_key(medication.drug)] = medication
        return taken

    @cached_property
    def ever(self) -> dict[str, list[Medication]]:
        """Therapy id -> every medication of it started on or before ``as_of``, oldest first."""
        history: dict[str, list[Medication]] = {}
        for medication in sorted(self.patient.medications, key=lambda m: m.start):
            if medication.start <= self.as_of:
                therapy = self.therapy(medication.drug)
                key = therapy.id if therapy else name_key(medication.drug)
                history.setdefault(key, []).append(medication)
        return history

    def takes(self, therapy_id: str) -> Medication | None:
        """The current medication of ``therapy_id`` (e.g. 'ace-inhibitor' matches ramipril), or None."""
        return self.current.get(therapy_id)

    def latest(self, test: str) -> float | None:
        """The latest canonical value of a lab test on or before ``as_of``."""
        point = self.kidney.observations.latest(test)
        return point[1] if point is not None else None

    @cached_property
    def age(self) -> int:
        return self.patient.age_at(self.as_of)

    def has(self, condition: str) -> bool:
        return condition in self.patient.conditions

    @cached_property
    def allergies(self) -> frozenset[str]:
        """Therapy ids the patient's allergies name; an allergy to one member of a class (ramipril)
        names the class (ace-inhibitor). Names lncare does not know are kept as written."""
        ids = set()
        for allergy in self.patient.allergies:
            therapy = self.therapy(allergy)
            ids.add(therapy.id if therapy else name_key(allergy))
        return frozenset(ids)

    def allergic_to(self, therapy_id: str) -> bool:
        return therapy_id in self.allergies
