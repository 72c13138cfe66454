"""The population definitions, declared once: LN cohort entry, induction and regimen, landmarks, quality
measures.

Clinical definitions (renal response, flare) are not restated here: they are the knowledge base's
definitions, compiled by :mod:`lncare.cohort.compile`. What is declared here is how an OMOP record
becomes the engine's inputs (which events enter the cohort, when induction starts, which day a landmark
falls on) and the quality measures, each naming the knowledge-base statements it rests on. Every number is
either imported from the engine (so both executors read one constant) or carries its source.

Cohort definitions, written the OHDSI way (entry event, windows in days relative to the index date,
occurrence counts, first event; shared/domain/scale.md 1.2). ``cohort_definition_id`` values:

- **1 — Lupus nephritis (LN entry).** Entry: the first of (a) a lupus nephritis condition
  (concepts.CONDITION_SETS["lupus_nephritis"]) or (b) a kidney biopsy procedure
  (concepts.KIDNEY_BIOPSY_SET) with an ISN/RPS class III, IV or V on the biopsy date (class measurement
  concepts.BIOPSY_CLASS). Inclusion: at least 1 SLE condition (CONDITION_SETS["sle"]) from any time
  before to :data:`SLE_AFTER_DAYS` days after the index date. Index inside an observation period. End:
  the end of that observation period.
- **2 — LN induction (new users).** Members of cohort 1 whose first course of kidney-directed
  immunosuppression starts on or after the LN index minus :data:`INDUCTION_BEFORE_ENTRY_DAYS` days.
  Index: the induction start. A patient already in a course at that time (a prevalent user, whose
  course started earlier) does not enter: the engine would date the response from that older start.
  Adults only (18 or more at :data:`BASELINE_WINDOW_DAYS` before the induction start), so that every eGFR
  the engine uses is CKD-EPI 2021 (the pediatric equations need height on the same footing).

Induction start agrees with the engine (lncare.engine.treatment): a *course* is a run of kidney-directed
drugs (knowledge-base roles induction, maintenance, add-on, refractory) or IV glucocorticoid pulses with no
gap longer than ``COURSE_GAP_DAYS``; each exposure covers its days plus the dosing interval of its
frequency. The engine re-dates the induction at a re-escalation after the initial phase, or counts the
patient off treatment after a course ends; a landmark at which the engine's current induction is no
longer this one is *censored* (no response row), never answered against another start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from lncare.calc.egfr import ADULT_AGE
from lncare.engine.response import BASELINE_WINDOW_DAYS, MILESTONE_GRACE_DAYS, RECENT_DAYS
from lncare.engine.rules.facts import PROTEINURIA_G_PER_G
from lncare.engine.rules.monitoring import IN_CRR_EVERY_WEEKS, UNTIL_CRR_EVERY_WEEKS
from lncare.engine.treatment import COURSE_GAP_DAYS, INITIAL_PHASE, KIDNEY_DIRECTED_ROLES
from lncare.knowledge.schema.definition import TimePoint

__all__ = [
    "BASELINE_WINDOW_DAYS",
    "COURSE_GAP_DAYS",
    "INITIAL_PHASE",
    "KIDNEY_DIRECTED_ROLES",
    "MILESTONE_GRACE_DAYS",
    "RECENT_DAYS",
]

LN_ENTRY = 1
LN_INDUCTION = 2
COHORTS: dict[int, str] = {LN_ENTRY: "lupus nephritis (entry)", LN_INDUCTION: "lupus nephritis induction"}

# An SLE diagnosis coded up to 90 days after the LN event still counts, as the OHDSI PhenotypeLibrary SLE
# cohort 119 accepts a diagnosis within 90 days after a treatment entry event (shared/domain/scale.md 1.2).
SLE_AFTER_DAYS = 90
# A biopsy is often done a few days after steroid pulses begin: an induction up to 30 days before the LN
# index still belongs to it. lncare's convention (no guideline number).
INDUCTION_BEFORE_ENTRY_DAYS = 30
# Proliferative and membranous classes that mean active LN needing treatment (EULAR 2019, KDIGO 2024,
# ACR 2024: immunosuppression for class III, IV and V; shared/domain/guidelines.md 1.4).
ENTRY_CLASSES = (3, 4, 5)
# eGFR: CKD-EPI applies from age 18 (NIDDK), the calculator's own bar.
ADULT_YEARS = int(ADULT_AGE)


def months_to_days(months: float) -> int:
    """Days in ``months`` months of treatment, as the engine counts them (TimePoint: 1/12 Julian year)."""
    return round(TimePoint(value=months, unit="months").weeks * 7)


def landmark_delta(months: float) -> timedelta:
    return timedelta(days=months_to_days(months))


# ---- regimens ------------------------------------------------------------------------------------------

# The induction regimen is named from the kidney-directed drugs started in the first weeks of the course:
# add-ons (belimumab, a calcineurin inhibitor, obinutuzumab) start with the backbone in the trials
# (BLISS-LN, AURORA 1, REGENCY). lncare's window; no guideline number.
REGIMEN_WINDOW_DAYS = 28


@dataclass(frozen=True)
class Regimen:
    """A regimen label and the knowledge-base therapies that make it (all must be present)."""

    name: str
    therapies: frozenset[str]
    trial: str  # the trial or guideline statement that defines the combination


# Most specific first: a course with MMF and belimumab is "mmf+belimumab", not "mmf".
REGIMENS: tuple[Regimen, ...] = (
    Regimen("voclosporin+mmf", frozenset({"voclosporin", "mycophenolate-mofetil"}), "AURORA 1"),
    Regimen("obinutuzumab+mmf", frozenset({"obinutuzumab", "mycophenolate-mofetil"}), "REGENCY"),
    Regimen("mmf+belimumab", frozenset({"belimumab", "mycophenolate-mofetil"}), "BLISS-LN"),
    Regimen("tacrolimus-multitarget", frozenset({"tacrolimus", "mycophenolate-mofetil"}), "Liu 2015"),
    Regimen("euro-lupus-cyc", frozenset({"cyclophosphamide"}), "Euro-Lupus Nephritis Trial"),
    Regimen("mmf", frozenset({"mycophenolate-mofetil"}), "ALMS"),
    Regimen("mpa", frozenset({"mycophenolic-acid"}), "ALMS (enteric-coated MPA)"),
)
OTHER_REGIMEN = "other"

# ---- landmarks -----------------------------------------------------------------------------------------

# The landmarks issue 8 names; 6 and 12 months are the guidelines' response time points (EULAR 2019
# milestones, KDIGO 2024 6-12 months), 24 months BLISS-LN's primary endpoint (week 104, trials/bliss-ln.yaml).
LANDMARK_MONTHS: tuple[int, ...] = (6, 12, 24)

# ---- quality measures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QualityMeasure:
    """One quality measure: who is counted (denominator), who has the gap (numerator), and its sources."""

    id: str
    title: str
    denominator: str
    numerator: str
    statements: tuple[str, ...]  # knowledge-base statement ids behind it
    months: int  # judged this many months after the induction start


# ACR/CDC SLE quality measures named in issue 8 (HCQ use, glucocorticoid above 5 mg/day by 6 months,
# RAAS blockade with proteinuria, monitoring), judged at the 6-month landmark: the end of the initial
# phase the engine uses (INITIAL_PHASE, KDIGO 2024 / ACR 2024 "by 6 months of therapy").
MEASURE_MONTHS = 6

MEASURES: tuple[QualityMeasure, ...] = (
    QualityMeasure(
        "hcq_not_in_use",
        "No hydroxychloroquine",
        "induction cohort, observed at 6 months",
        "no hydroxychloroquine exposure covering the day",
        ("eular2023-rec-1", "kdigo2024-rec-10.2.1.1", "acr2024-rec-hcq"),
        MEASURE_MONTHS,
    ),
    QualityMeasure(
        "gc_above_target_6_months",
        "Prednisone-equivalent above 5 mg/day at 6 months",
        "induction cohort, observed at 6 months, glucocorticoid dose known",
        "oral prednisone-equivalent dose on the day misses acr2024-text-gc-target (<= 5 mg/day)",
        ("acr2024-text-gc-target",),
        MEASURE_MONTHS,
    ),
    QualityMeasure(
        "proteinuric_without_raas",
        f"UPCR >= {PROTEINURIA_G_PER_G:g} g/g without RAAS blockade",
        f"latest UPCR on or before the day >= {PROTEINURIA_G_PER_G:g} g/g",
        "no ACE inhibitor or ARB exposure covering the day",
        ("acr2024-rec-raas", "kdigo2024-pp-10.2.1.1", "eular2019-text-raas"),
        MEASURE_MONTHS,
    ),
    QualityMeasure(
        "upcr_monitoring_overdue",
        "Proteinuria not quantified within the ACR 2024 interval",
        "induction cohort, observed at 6 months",
        f"no UPCR in the last {round(UNTIL_CRR_EVERY_WEEKS, 1):g} weeks (until complete response; "
        f"{round(IN_CRR_EVERY_WEEKS, 1):g} weeks in complete response by acr2024-response-complete)",
        ("acr2024-rec-monitor-not-crr", "acr2024-rec-monitor-crr"),
        MEASURE_MONTHS,
    ),
)

# The profile whose definitions decide "complete response" for the monitoring interval: the interval is an
# ACR 2024 recommendation, so ACR 2024's own complete-response definition is used.
MONITORING_PROFILE = "acr2024"


def monitoring_interval_days(weeks: float) -> float:
    """Days after which a test is overdue, as the plan shows the interval (weeks to one decimal)."""
    return round(weeks, 1) * 7
