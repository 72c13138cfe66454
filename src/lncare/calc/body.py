"""Body size: body surface area, ideal and adjusted body weight, body-mass index.

Formulas and their sources (restated in shared/domain/calculators.md section 4):

- Mosteller BSA: sqrt(height[cm] x weight[kg] / 3600) m2 (Mosteller, N Engl J Med 1987;317:1098).
- DuBois BSA: 0.007184 x weight[kg]^0.425 x height[cm]^0.725 m2 (DuBois & DuBois, Arch Intern Med
  1916;17:863).
- Devine ideal body weight: 50 kg (men) or 45.5 kg (women) + 2.3 kg per inch of height over 60 in
  (Devine, Drug Intell Clin Pharm 1974;8:650-5); 1 in = 2.54 cm exactly.
- Adjusted body weight: IBW + factor x (actual - IBW); 0.4 is the usual factor, some drug monographs
  use 0.3, so it is a parameter.
- BMI: weight[kg] / height[m]^2 (WHO definition).

Results are not rounded here; dosing code rounds where its protocol says so (BSA usually to 2 dp).
"""

from __future__ import annotations

import math
from typing import Final

from lncare.errors import InputError, one_of

# Plausibility bars for a living person of any age, from newborn to the tallest or heaviest adults
# seen in clinic; they reject typing and unit errors, they are not clinical limits.
HEIGHT_CM_RANGE: Final = (40.0, 230.0)
WEIGHT_KG_RANGE: Final = (2.0, 300.0)

BSA_FORMULAS: Final = ("mosteller", "dubois")

CM_PER_INCH: Final = 2.54
DEVINE_BASE_KG: Final = {"male": 50.0, "female": 45.5}
DEVINE_KG_PER_INCH: Final = 2.3
DEVINE_BASE_INCHES: Final = 60.0
# Devine's line is defined for adults from 5 ft up. Below 60 in lncare extends the same line downward
# (2.3 kg less per inch) instead of holding the 5 ft weight: holding it would overstate IBW, and so
# any IBW-based dose, for short patients. Below 48 in the extended line gives a small child's weight
# (18-22 kg), where an adult formula means nothing, so it is refused. Both are lncare's choices, not
# part of Devine's publication.
DEVINE_MIN_HEIGHT_CM: Final = 48 * CM_PER_INCH

DEFAULT_ADJUSTMENT_FACTOR: Final = 0.4


def _measure(field: str, value: float, bounds: tuple[float, float], unit: str) -> float:
    """``value`` as a float when it is finite and within ``bounds``; otherwise an InputError."""
    low, high = bounds
    allowed = f"(use {low:g} to {high:g} {unit})"
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(field, value, f"is not a number {allowed}") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise InputError(field, value, f"is not a plausible value {allowed}")
    return number


def _sex(sex: str) -> str:
    folded = sex.strip().lower() if isinstance(sex, str) else ""
    if folded not in DEVINE_BASE_KG:
        raise InputError("sex", sex, "is not accepted (use female or male)")
    return folded


def bsa(height_cm: float, weight_kg: float, formula: str = "mosteller") -> float:
    """Body surface area in m2 by the Mosteller (default) or DuBois formula."""
    height = _measure("height_cm", height_cm, HEIGHT_CM_RANGE, "cm")
    weight = _measure("weight_kg", weight_kg, WEIGHT_KG_RANGE, "kg")
    if formula == "mosteller":
        return math.sqrt(height * weight / 3600.0)
    if formula == "dubois":
        return 0.007184 * math.pow(weight, 0.425) * math.pow(height, 0.725)
    raise InputError("formula", formula, f"is not a BSA formula (use {one_of(BSA_FORMULAS)})")


def ideal_body_weight(sex: str, height_cm: float) -> float:
    """Ideal body weight in kg by Devine's formula (see the module note for heights under 5 ft)."""
    base = DEVINE_BASE_KG[_sex(sex)]
    height = _measure("height_cm", height_cm, HEIGHT_CM_RANGE, "cm")
    if height < DEVINE_MIN_HEIGHT_CM:
        raise InputError(
            "height_cm", height_cm,
            f"is below {DEVINE_MIN_HEIGHT_CM:g} cm (48 in), where Devine's adult formula does not apply",
        )
    return base + DEVINE_KG_PER_INCH * (height / CM_PER_INCH - DEVINE_BASE_INCHES)


def adjusted_body_weight(
    sex: str, height_cm: float, weight_kg: float, factor: float = DEFAULT_ADJUSTMENT_FACTOR
) -> float:
    """Adjusted body weight in kg: IBW + ``factor`` x (actual weight - IBW).

    Meant for patients heavier than their IBW; for lighter ones dosing uses actual weight.
    """
    weight = _measure("weight_kg", weight_kg, WEIGHT_KG_RANGE, "kg")
    share = _measure("factor", factor, (0.0, 1.0), "(a fraction)")
    ideal = ideal_body_weight(sex, height_cm)
    return ideal + share * (weight - ideal)


def bmi(height_cm: float, weight_kg: float) -> float:
    """Body-mass index in kg/m2."""
    height = _measure("height_cm", height_cm, HEIGHT_CM_RANGE, "cm")
    weight = _measure("weight_kg", weight_kg, WEIGHT_KG_RANGE, "kg")
    return weight / (height / 100.0) ** 2
