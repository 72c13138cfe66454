"""The assessment at ``as_of`` (placeholder while the assessment modules are written)."""

from __future__ import annotations

from datetime import date

from lncare.engine.profile import Profile
from lncare.knowledge import KnowledgeBase
from lncare.model.patient import Patient
from lncare.model.plan import Assessment, RenalResponse


def assess_patient(patient: Patient, as_of: date, profile: Profile, kb: KnowledgeBase) -> Assessment:
    """Where the patient stands on ``as_of`` under ``profile``."""
    return Assessment(
        phase="untreated",
        weeks_on_treatment=None,
        induction_start=None,
        renal_response=RenalResponse(status="not_assessable", reason="assessment not written yet"),
    )
