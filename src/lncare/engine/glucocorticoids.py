"""Glucocorticoid exposure in prednisone equivalents, and the hydroxychloroquine dose per kg.

- The prednisone equivalent of each glucocorticoid is the knowledge base's ``glucocorticoid_equivalence``
  (e.g. methylprednisolone 4 mg = prednisone 5 mg), used only when that fact is V or S.
- Oral and subcutaneous glucocorticoids make the daily dose, the cumulative dose and the weeks above
  5 and 7.5 mg/day: the EULAR 2023 maintenance ceiling (<= 5 mg/day), the ACR 2024 goal (<= 5 mg/day by
  6 months) and the EULAR 2019 taper target (<= 7.5 mg/day by 3-6 months), shared/domain/guidelines.md
  section 3.2. "Above" is strictly above, as those targets allow the threshold dose itself.
- IV glucocorticoid is counted apart, as pulses, in milligrams of the drug as given (the guidelines
  write pulses as methylprednisolone mg), and never enters the oral figures.
- A dose written per kg needs the weight; without it the exposure is not computed (no guessed weights).
- HCQ mg/kg/day uses actual body weight (AAO 2016; shared/domain/calculators.md, HCQ section).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from lncare.engine.treatment import DOSES_PER_DAY, Prescribed
from lncare.model.medication import Medication
from lncare.model.plan import GlucocorticoidExposure

LOW_DOSE_MG = 5.0  # EULAR 2023 maintenance ceiling; ACR 2024 goal by 6 months
TAPER_TARGET_MG = 7.5  # EULAR 2019 taper target by 3-6 months
HCQ = "hydroxychloroquine"


@dataclass(frozen=True)
class _Line:
    start: date
    end: date  # last day taken, clipped to as_of
    mg_per_day: float  # prednisone equivalent
    once_mg: float  # a single dose (frequency "once"), prednisone equivalent


def exposure(
    medications: list[Prescribed], weight_kg: float | None, as_of: date
) -> GlucocorticoidExposure | None:
    """Prednisone-equivalent exposure up to ``as_of``; None when a dose cannot be converted."""
    lines: list[_Line] = []
    pulses_mg = 0.0
    any_gc = False
    for medication, therapy in medications:
        if "glucocorticoid" not in therapy.roles:
            continue
        any_gc = True
        mg = _dose_mg(medication, weight_kg)
        end = min(medication.end or as_of, as_of)
        if medication.route == "iv":
            if mg is None:
                return None
            pulses_mg += mg * _administrations(medication, end)
            continue
        factor = therapy.glucocorticoid_equivalence
        if mg is None or factor is None or factor.certainty not in ("V", "S"):
            return None
        equivalent = mg * factor.prednisone_mg_per_mg
        once = equivalent if medication.frequency == "once" else 0.0
        lines.append(_Line(medication.start, end, equivalent * DOSES_PER_DAY[medication.frequency], once))
    if not any_gc:
        return GlucocorticoidExposure(
            current_mg_per_day=0, cumulative_mg=0, weeks_above_5=0, weeks_above_7_5=0, pulses_mg=0
        )
    return _summarise(lines, as_of, pulses_mg)


def hcq_mg_per_kg_day(medications: list[Prescribed], weight_kg: float | None, as_of: date) -> float | None:
    """Current HCQ dose per kg of actual body weight per day; None when not taken or no weight."""
    if weight_kg is None:
        return None
    total = 0.0
    for medication, therapy in medications:
        if therapy.id != HCQ or not medication.active_on(as_of):
            continue
        mg = _dose_mg(medication, weight_kg)
        if mg is None:
            return None
        total += mg * DOSES_PER_DAY[medication.frequency]
    return round(total / weight_kg, 2) if total else None


def _dose_mg(medication: Medication, weight_kg: float | None) -> float | None:
    if medication.dose_mg is not None:
        return medication.dose_mg
    if medication.unit == "mg/kg" and weight_kg is not None:
        return medication.dose * weight_kg
    return None  # mg/m2 needs a body surface area; glucocorticoids are not dosed that way


def _administrations(medication: Medication, end: date) -> float:
    days = (end - medication.start).days + 1
    if medication.frequency == "once":
        return 1.0
    per_day = DOSES_PER_DAY[medication.frequency]
    if per_day >= 1:
        return days * per_day
    interval = round(1 / per_day)
    return float((days - 1) // interval + 1)


def _summarise(lines: list[_Line], as_of: date, pulses_mg: float) -> GlucocorticoidExposure:
    # Sweep the days where the total daily dose changes; between two changes it is constant.
    changes: dict[date, float] = {}
    cumulative = 0.0
    for line in lines:
        cumulative += line.once_mg
        if line.mg_per_day:
            changes[line.start] = changes.get(line.start, 0.0) + line.mg_per_day
            stop = line.end + timedelta(days=1)
            changes[stop] = changes.get(stop, 0.0) - line.mg_per_day
    days_above_5 = days_above_7_5 = 0
    level = 0.0
    current = 0.0
    points = sorted(changes)
    for here, after in zip(points, [*points[1:], as_of + timedelta(days=1)][: len(points)], strict=True):
        level += changes[here]
        span = (min(after, as_of + timedelta(days=1)) - here).days
        if span <= 0:
            continue
        cumulative += level * span
        days_above_5 += span if level > LOW_DOSE_MG + 1e-9 else 0
        days_above_7_5 += span if level > TAPER_TARGET_MG + 1e-9 else 0
        if here <= as_of < after:
            current = level
    return GlucocorticoidExposure(
        current_mg_per_day=round(max(current, 0.0), 2),
        cumulative_mg=round(cumulative, 1),
        weeks_above_5=round(days_above_5 / 7, 1),
        weeks_above_7_5=round(days_above_7_5 / 7, 1),
        pulses_mg=round(pulses_mg, 1),
    )
