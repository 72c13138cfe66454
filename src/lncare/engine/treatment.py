"""Treatment phase from the medication history: courses, the current induction, weeks on treatment.

Kidney-directed immunosuppression is every knowledge-base therapy whose roles include induction,
maintenance, add-on or refractory treatment, plus IV glucocorticoid pulses (which open an induction in
EULAR, KDIGO and ACR alike; oral glucocorticoids alone do not, since SLE without nephritis uses them too).

- A *course* is a run of such drugs with no gap longer than :data:`COURSE_GAP_DAYS`; an intermittent drug
  (cyclophosphamide pulses, rituximab) covers the interval until its next dose would be due.
- An *induction* starts with a course, and again inside a course at a re-escalation once the previous
  induction has reached maintenance: an IV glucocorticoid pulse, a kidney-directed drug with an
  induction, add-on or refractory role that does not simply replace one of its own class, or a higher daily
  dose of a drug already taken. This is how a flare on maintenance starts a new induction.
- Phase: induction for the first :data:`INITIAL_PHASE` after the induction start, then maintenance. KDIGO
  2024 calls about 6 months the initial phase (shared/domain/guidelines.md section 2, [S]); EULAR 2019
  expects at least a partial response by 6 months (eular2019-text-targets); ACR 2024 sets its prednisone
  goal "by 6 months of therapy" (section 3.2, [V]). The 6 months are months of treatment, not calendar
  labels: a course started on 2026-01-10 enters maintenance on 2026-07-11 (26.09 weeks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from lncare.knowledge import KnowledgeBase
from lncare.knowledge.load import name_key
from lncare.knowledge.schema.definition import TimePoint
from lncare.knowledge.schema.therapy import Therapy
from lncare.model.medication import Medication
from lncare.model.patient import Patient
from lncare.model.plan import Phase

KIDNEY_DIRECTED_ROLES = frozenset({"induction", "maintenance", "add_on", "refractory"})
ESCALATING_ROLES = frozenset({"induction", "add_on", "refractory"})
INITIAL_PHASE = TimePoint(value=6, unit="months")
# lncare's convention, not a guideline number: a pause of up to 8 weeks (an infection, a surgery) does
# not end a course; a longer one does, and treatment after it is a new induction.
COURSE_GAP_DAYS = 56
# Days between doses, so an intermittent drug covers the time until its next dose is due.
DOSE_INTERVAL_DAYS: dict[str, int] = {
    "once": 28,
    "daily": 1,
    "bid": 1,
    "tid": 1,
    "weekly": 7,
    "q2w": 14,
    "q4w": 28,
    "monthly": 31,
    "q6months": 183,
}
# Doses a day for each frequency (an intermittent dose is spread over its interval).
DOSES_PER_DAY: dict[str, float] = {
    "once": 0.0,
    "daily": 1.0,
    "bid": 2.0,
    "tid": 3.0,
    "weekly": 1 / 7,
    "q2w": 1 / 14,
    "q4w": 1 / 28,
    "monthly": 12 / 365.25,
    "q6months": 2 / 365.25,
}


@dataclass(frozen=True)
class Course:
    start: date
    end: date  # last day covered (never after as_of)
    inductions: tuple[date, ...]  # the course start, then each re-escalation


@dataclass(frozen=True)
class Treatment:
    """Where the patient stands in treatment on ``as_of``."""

    phase: Phase
    induction_start: date | None
    weeks_on_treatment: float | None
    courses: tuple[Course, ...]
    current: Course | None  # the course running on as_of

    @property
    def inductions(self) -> tuple[date, ...]:
        """Every induction start in the record, oldest first."""
        return tuple(day for course in self.courses for day in course.inductions)


@dataclass(frozen=True)
class _Exposure:
    medication: Medication
    therapy: Therapy
    start: date
    end: date  # last covered day, clipped to as_of
    pulse: bool


def weeks_between(start: date, end: date) -> float:
    return (end - start).days / 7


def daily_amount(medication: Medication) -> float:
    """The prescribed amount per day in the medication's own unit (mg, g, mg/kg or mg/m2)."""
    return medication.dose * DOSES_PER_DAY[medication.frequency]


Prescribed = tuple[Medication, Therapy]


def prescribed(patient: Patient, as_of: date, kb: KnowledgeBase) -> list[Prescribed]:
    """Medications started on or before ``as_of`` that resolve to a knowledge-base therapy (resolved once
    per assessment; a drug lncare does not know is left to the safety checks)."""
    found = []
    for medication in patient.medications:
        if medication.start <= as_of:
            therapy = kb.therapy_names.get(name_key(medication.drug))
            if therapy is not None:
                found.append((medication, therapy))
    return found


def treatment_on(medications: list[Prescribed], as_of: date) -> Treatment:
    exposures = _exposures(medications, as_of)
    courses = tuple(_courses(exposures))
    if not courses:
        return Treatment("untreated", None, None, (), None)
    last = courses[-1]
    if last.end < as_of:
        return Treatment("off_treatment", None, None, courses, None)
    start = last.inductions[-1]
    weeks = weeks_between(start, as_of)
    phase: Phase = "induction" if weeks < INITIAL_PHASE.weeks else "maintenance"
    return Treatment(phase, start, weeks, courses, last)


def _exposures(medications: list[Prescribed], as_of: date) -> list[_Exposure]:
    found = []
    for medication, therapy in medications:
        pulse = "glucocorticoid" in therapy.roles and medication.route == "iv"
        if not (pulse or KIDNEY_DIRECTED_ROLES & set(therapy.roles)):
            continue
        last_dose = medication.end or as_of
        covered = last_dose + timedelta(days=DOSE_INTERVAL_DAYS[medication.frequency] - 1)
        found.append(_Exposure(medication, therapy, medication.start, min(covered, as_of), pulse))
    found.sort(key=lambda e: e.start)
    return found


def _courses(exposures: list[_Exposure]) -> list[Course]:
    courses: list[Course] = []
    group: list[_Exposure] = []
    end = date.min
    for exposure in exposures:
        if group and exposure.start > end + timedelta(days=COURSE_GAP_DAYS):
            courses.append(_course(group, end))
            group = []
        end = exposure.end if not group else max(end, exposure.end)
        group.append(exposure)
    if group:
        courses.append(_course(group, end))
    return courses


def _course(group: list[_Exposure], end: date) -> Course:
    inductions = [group[0].start]
    for exposure in group[1:]:
        if exposure.start - inductions[-1] < timedelta(weeks=INITIAL_PHASE.weeks):
            continue
        if _escalates(exposure, group):
            inductions.append(exposure.start)
    return Course(group[0].start, end, tuple(dict.fromkeys(inductions)))


def _escalates(new: _Exposure, group: list[_Exposure]) -> bool:
    if new.pulse:
        return True
    earlier = [e for e in group if e is not new and e.start <= new.start]
    same = [e for e in earlier if e.therapy.id == new.therapy.id]
    if same:
        # The same drug again (after a pause or a taper): a re-escalation only at a higher daily dose.
        previous = max(same, key=lambda e: e.start).medication
        return previous.unit == new.medication.unit and daily_amount(new.medication) > daily_amount(previous)
    if not ESCALATING_ROLES & set(new.therapy.roles):
        return False
    # A switch within one class (MMF to mycophenolic acid, tacrolimus to voclosporin) replaces a drug
    # taken until two weeks before; it is not a re-escalation.
    replaced = [e for e in earlier if e.end >= new.start - timedelta(days=14)]
    return not any(_same_class(new.therapy, e.therapy) for e in replaced)


def _same_class(a: Therapy, b: Therapy) -> bool:
    return "induction" in a.roles and "induction" in b.roles and _base(a) == _base(b)


def _base(therapy: Therapy) -> str:
    return therapy.drug_class.split(" (")[0]
