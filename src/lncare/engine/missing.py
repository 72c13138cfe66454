"""Data the assessment and the plan need and the record lacks, and what each absence prevents.

A lab counts as missing when it has no value in the :data:`STALE_AFTER_DAYS` before ``as_of``: ACR 2024
asks for proteinuria every 3-6 months even in sustained complete response (acr2024-rec-monitor-crr
statement), so a value older than about 6 months no longer describes the patient.
"""

from __future__ import annotations

from lncare.engine.observations import Observations
from lncare.model.patient import Patient
from lncare.model.plan import Missing

STALE_AFTER_DAYS = 183
# Women of reproductive age: 15-49 years (WHO's definition of women of reproductive age).
REPRODUCTIVE_AGE = (15, 49)
CHILD_UNDER = 18  # the age from which the adult CKD-EPI equations apply (NIDDK; calc/egfr.py)

_LABS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "creatinine",
        ("eGFR and CKD stage", "kidney-function criteria of the renal response", "eGFR limits of drugs"),
    ),
    ("upcr", ("renal response", "nephrotic-range check", "milestones")),
    ("albumin", ("hypoalbuminaemia check",)),
    ("c3", ("serology trend",)),
    ("c4", ("serology trend",)),
    ("anti_dsdna", ("serology trend",)),
    ("systolic_bp", ("blood-pressure target and start bars (voclosporin)",)),
    ("wbc", ("cytopenia limits of immunosuppressants",)),
    ("platelets", ("cytopenia limits of immunosuppressants",)),
)


def missing_data(
    patient: Patient, obs: Observations, age: int, treated: bool, baseline_proteinuria: bool
) -> tuple[Missing, ...]:
    found: list[Missing] = []
    if patient.weight_kg is None:
        found.append(
            Missing(
                item="weight_kg",
                prevents=(
                    "weight-based doses (HCQ, glucocorticoids, belimumab, cyclophosphamide)",
                    "HCQ mg/kg/day",
                ),
            )
        )
    if patient.height_cm is None:
        child = ("CKiD U25 creatinine eGFR in a child",) if age < CHILD_UNDER else ()
        found.append(Missing(item="height_cm", prevents=("BSA-based cyclophosphamide dose", *child)))
    if (
        patient.sex == "female"
        and patient.pregnancy == "unknown"
        and REPRODUCTIVE_AGE[0] <= age <= REPRODUCTIVE_AGE[1]
    ):
        found.append(
            Missing(
                item="pregnancy",
                prevents=(
                    "clearing teratogenic drugs (mycophenolate, cyclophosphamide, ACE inhibitors and others)",
                ),
            )
        )
    if patient.biopsy is None:
        found.append(Missing(item="biopsy", prevents=("class-based choice of treatment",)))
    for test, blocked in _LABS:
        if test == "creatinine" and (
            obs.latest("cystatin_c", STALE_AFTER_DAYS) or obs.latest("egfr", STALE_AFTER_DAYS)
        ):
            continue
        if test == "upcr" and obs.latest("protein_24h", STALE_AFTER_DAYS):
            continue
        if obs.latest(test, STALE_AFTER_DAYS) is None:
            found.append(Missing(item=test, prevents=blocked))
    if treated and not baseline_proteinuria:
        found.append(Missing(item="baseline_upcr", prevents=("renal response", "milestones")))
    return tuple(found)
