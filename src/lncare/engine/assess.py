"""The assessment at ``as_of``: treatment phase, renal response and milestones, flare, refractory status,
kidney findings, glucocorticoid and HCQ exposure, and the missing data (contract 2, ``assessment``).

Pure and deterministic: it reads only the record, the date, the profile and the knowledge base. The lab
series are built once (:mod:`lncare.engine.observations`) and every question below is a lookup in them.
"""

from __future__ import annotations

from datetime import date

from lncare.engine import glucocorticoids, kidney, response
from lncare.engine.kidney import Kidney
from lncare.engine.missing import missing_data
from lncare.engine.profile import Profile
from lncare.engine.treatment import INITIAL_PHASE, prescribed, treatment_on
from lncare.knowledge import KnowledgeBase
from lncare.model.patient import Patient
from lncare.model.plan import Assessment, Finding


def assess_patient(
    patient: Patient, as_of: date, profile: Profile, kb: KnowledgeBase, kid: Kidney | None = None
) -> Assessment:
    """Where the patient stands on ``as_of`` under ``profile``.

    ``kid`` shares the lab series and eGFR cache with the rules (built here when not given).
    """
    kid = kid or Kidney.of(patient, as_of)
    obs = kid.observations
    medications = prescribed(patient, as_of, kb)
    treatment = treatment_on(medications, as_of)
    start = treatment.induction_start
    # Untreated: the baseline is the biopsy-time value; treated: the value at the current induction start.
    baseline_day = start or (
        patient.biopsy.date if patient.biopsy and treatment.phase == "untreated" else None
    )
    if treatment.phase == "off_treatment" and treatment.courses:
        baseline_day = treatment.courses[-1].inductions[-1]
    judge = response.Judge(profile, kb, obs, kid, baseline_day)

    egfr = kid.current()
    findings = [
        *kidney.proteinuria_findings(obs),
        *kidney.egfr_findings(egfr),
        *kidney.serology_findings(obs),
    ]

    flare = None
    if profile.definitions_for("flare"):
        flare = response.flare(judge, as_of)
    elif treatment.phase in ("maintenance", "off_treatment"):
        findings.append(
            Finding(
                code="flare_definition_unavailable",
                message=f"{profile.name} has no usable renal flare definition in the knowledge base; "
                "no flare is graded",
            )
        )

    refractory, open_question = None, None
    if treatment.phase in ("induction", "maintenance"):
        if profile.definitions_for("refractory"):

            def judge_for(day: date) -> response.Judge:
                return response.Judge(profile, kb, obs, kid, day)

            refractory, open_question = response.refractory(
                judge, lambda: response.failed_courses(judge_for, treatment, as_of), as_of
            )
        elif treatment.weeks_on_treatment is not None and treatment.weeks_on_treatment >= INITIAL_PHASE.weeks:
            findings.append(
                Finding(
                    code="refractory_definition_unavailable",
                    message=f"{profile.name} has no usable refractory-disease definition "
                    "in the knowledge base",
                )
            )
    if open_question is not None:
        findings.append(open_question)

    treated = treatment.phase in ("induction", "maintenance")
    missing = missing_data(
        patient,
        obs,
        patient.age_at(as_of),
        treated,
        any(t in judge.baseline for t in response.PROTEINURIA),
    )
    return Assessment(
        phase=treatment.phase,
        weeks_on_treatment=None
        if treatment.weeks_on_treatment is None
        else round(treatment.weeks_on_treatment, 1),
        induction_start=start,
        renal_response=response.renal_response(judge, start, as_of, treatment.phase),
        milestones=response.milestones(judge, start, as_of),
        flare=flare,
        refractory=refractory,
        egfr=egfr,
        glucocorticoids=glucocorticoids.exposure(medications, patient.weight_kg, as_of),
        hcq_mg_per_kg_day=glucocorticoids.hcq_mg_per_kg_day(medications, patient.weight_kg, as_of),
        findings=tuple(findings),
        missing=tuple(m.item for m in missing),
        missing_detail=missing,
    )
