"""Estimated GFR (mL/min/1.73 m2): the CKD-EPI, CKiD U25 and bedside Schwartz equations, a default
chooser, and the KDIGO GFR category.

Equations (restated in shared/domain/calculators.md sections 1-2, checked against the vectors in
shared/vectors/egfr.csv):

- ``ckd-epi-2021-cr``, ``ckd-epi-2021-cr-cys``: Inker et al., N Engl J Med 2021;385:1737-49 (race-free).
- ``ckd-epi-2012-cys``: Inker et al., N Engl J Med 2012;367:20-9 (no race term, unchanged in 2021).
- ``ckid-u25-cr``, ``ckid-u25-cys`` and their mean ``ckid-u25-avg``: Pierce et al., Kidney Int
  2021;99:948-56; coefficients as in the CKiD study group's own code (github.com/ckidstudy/CKiD_U25).
- ``schwartz-bedside``: 0.413 x height[cm] / Scr[mg/dL], Schwartz et al., J Am Soc Nephrol
  2009;20:629-37.

Creatinine must be IDMS-traceable and cystatin C IFCC-calibrated (mg/L); creatinine in umol/L is
converted with 88.4 umol/L per mg/dL (:mod:`lncare.model.units`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from lncare.calc.body import HEIGHT_CM_RANGE
from lncare.errors import InputError, one_of
from lncare.model.units import CREATININE_UMOL_PER_MG_DL, lab_test, to_canonical

EQUATIONS: Final[dict[str, str]] = {
    "ckd-epi-2021-cr": "CKD-EPI 2021 creatinine",
    "ckd-epi-2021-cr-cys": "CKD-EPI 2021 creatinine-cystatin C",
    "ckd-epi-2012-cys": "CKD-EPI 2012 cystatin C",
    "ckid-u25-cr": "CKiD U25 creatinine",
    "ckid-u25-cys": "CKiD U25 cystatin C",
    "ckid-u25-avg": "CKiD U25 mean of creatinine and cystatin C",
    "schwartz-bedside": "bedside Schwartz 2009",
}

AGE_PLAUSIBLE: Final = (0.0, 120.0)
# NIDDK: the CKD-EPI equations apply from age 18.
ADULT_AGE: Final = 18.0
# CKiD U25 official code: age 1-25 years, height 0.6-2 m, Scr 0.1-10 mg/dL, cystatin C 0.2-8 mg/L.
U25_AGE: Final = (1.0, 25.0)
U25_HEIGHT_CM: Final = (60.0, 200.0)
U25_CREATININE_MG_DL: Final = (0.1, 10.0)
U25_CYSTATIN_MG_L: Final = (0.2, 8.0)
# Bedside Schwartz was derived in children aged 1-16 with CKD; lncare accepts it for 1 to under 18.
SCHWARTZ_AGE: Final = (1.0, 18.0)

_CREATININE = lab_test("creatinine")
_CYSTATIN_C = lab_test("cystatin_c")
# The messages of the plausibility checks, formatted once: eGFR is estimated for every lab date of
# every patient the engine sees, and the checks pass almost always.
_CREATININE_RANGE: Final = (
    f"the plausible range {_CREATININE.low:g} to {_CREATININE.high:g} mg/dL "
    f"({_CREATININE.low * CREATININE_UMOL_PER_MG_DL:g} to "
    f"{_CREATININE.high * CREATININE_UMOL_PER_MG_DL:g} umol/L)"
)
_CYSTATIN_C_RANGE: Final = f"the plausible range {_CYSTATIN_C.low:g} to {_CYSTATIN_C.high:g} mg/L"
_HEIGHT_RANGE: Final = f"the plausible range {HEIGHT_CM_RANGE[0]:g} to {HEIGHT_CM_RANGE[1]:g} cm"


@dataclass(frozen=True)
class _Inputs:
    """Validated inputs in canonical units; ``None`` where the caller gave nothing."""

    age: float
    female: bool | None
    scr: float | None
    cys: float | None
    height_cm: float | None


@dataclass(frozen=True)
class EgfrEstimate:
    """An eGFR with the equation that produced it and why that equation was chosen."""

    value: float
    equation: str
    reason: str


# ---- the equations, on validated canonical inputs ------------------------------------------------


# CKD-EPI 2021 creatinine equation (Inker et al., N Engl J Med 2021;385:1737-49). Named, because the
# vectorised population path (lncare.cohort.compile) builds the same expression from them.
CKD_EPI_2021_CR_KAPPA_ALPHA = {True: (0.7, -0.241), False: (0.9, -0.302)}  # female -> (kappa, alpha)
CKD_EPI_2021_CR_CONSTANT = 142.0
CKD_EPI_2021_CR_ABOVE_KAPPA = -1.200
CKD_EPI_2021_CR_AGE_BASE = 0.9938
CKD_EPI_2021_CR_FEMALE = 1.012


def _ckd_epi_2021_cr(age: float, female: bool, scr: float) -> float:
    kappa, alpha = CKD_EPI_2021_CR_KAPPA_ALPHA[female]
    ratio = scr / kappa
    value: float = (
        CKD_EPI_2021_CR_CONSTANT * min(ratio, 1.0) ** alpha * max(ratio, 1.0) ** CKD_EPI_2021_CR_ABOVE_KAPPA
        * CKD_EPI_2021_CR_AGE_BASE**age
    )
    return value * CKD_EPI_2021_CR_FEMALE if female else value


def _ckd_epi_2021_cr_cys(age: float, female: bool, scr: float, cys: float) -> float:
    kappa, alpha = (0.7, -0.219) if female else (0.9, -0.144)
    ratio, cys_ratio = scr / kappa, cys / 0.8
    value: float = (
        135.0
        * min(ratio, 1.0) ** alpha
        * max(ratio, 1.0) ** -0.544
        * min(cys_ratio, 1.0) ** -0.323
        * max(cys_ratio, 1.0) ** -0.778
        * 0.9961**age
    )
    return value * 0.963 if female else value


def _ckd_epi_2012_cys(age: float, female: bool, cys: float) -> float:
    ratio = cys / 0.8
    value: float = 133.0 * min(ratio, 1.0) ** -0.499 * max(ratio, 1.0) ** -1.328 * 0.996**age
    return value * 0.932 if female else value


def _u25_k_creatinine(age: float, female: bool) -> float:
    # Bands are half-open: 12 belongs to the middle band and 18 to the adult constant.
    base, child, teen, adult = (36.1, 1.008, 1.023, 41.4) if female else (39.0, 1.008, 1.045, 50.8)
    if age >= 18.0:
        return adult
    return base * math.pow(child if age < 12.0 else teen, age - 12.0)


def _u25_k_cystatin(age: float, female: bool) -> float:
    # The female curve bends at 12 years, the male one at 15.
    knot, base, child, teen, adult = (
        (12.0, 79.9, 1.004, 0.974, 68.3) if female else (15.0, 87.2, 1.011, 0.960, 77.1)
    )
    if age >= 18.0:
        return adult
    return base * math.pow(child if age < knot else teen, age - knot)


def _ckid_u25_cr(age: float, female: bool, scr: float, height_cm: float) -> float:
    return _u25_k_creatinine(age, female) * (height_cm / 100.0) / scr


def _ckid_u25_cys(age: float, female: bool, cys: float) -> float:
    return _u25_k_cystatin(age, female) / cys


def _schwartz_bedside(scr: float, height_cm: float) -> float:
    return 0.413 * height_cm / scr


# ---- validation ----------------------------------------------------------------------------------


def _number(field: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InputError(field, value, "is not a number")
    try:
        number = float(value)
    except ValueError:
        raise InputError(field, value, "is not a number") from None
    if not math.isfinite(number):
        raise InputError(field, value, "is not a finite number")
    return number


def _within(field: str, shown: object, value: float, bounds: tuple[float, float], what: str) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise InputError(field, shown, f"is outside {what}")


def _sex(sex: str | None) -> bool | None:
    """``True`` for female, ``False`` for male, ``None`` when not given."""
    if sex is None:
        return None
    folded = sex.strip().lower() if isinstance(sex, str) else sex
    if folded not in ("female", "male"):
        raise InputError("sex", sex, "is not accepted (use female or male)")
    return folded == "female"


def _validate(
    age: float,
    sex: str | None,
    creatinine: float | None,
    creatinine_unit: str,
    cystatin_c: float | None,
    height_cm: float | None,
) -> _Inputs:
    years = _number("age", age)
    _within("age", age, years, AGE_PLAUSIBLE, "the plausible range 0 to 120 years")
    scr = None
    if creatinine is not None:
        scr = to_canonical("creatinine", _number("creatinine", creatinine), creatinine_unit,
                           field="creatinine_unit")
        _within("creatinine", creatinine, scr, (_CREATININE.low, _CREATININE.high), _CREATININE_RANGE)
    cys = None
    if cystatin_c is not None:
        cys = _number("cystatin_c", cystatin_c)
        _within("cystatin_c", cystatin_c, cys, (_CYSTATIN_C.low, _CYSTATIN_C.high), _CYSTATIN_C_RANGE)
    height = None
    if height_cm is not None:
        height = _number("height_cm", height_cm)
        _within("height_cm", height_cm, height, HEIGHT_CM_RANGE, _HEIGHT_RANGE)
    return _Inputs(years, _sex(sex), scr, cys, height)


def _require(value: float | None, field: str, equation: str) -> float:
    if value is None:
        raise InputError(field, None, f"is required by {equation}")
    return value


def _require_sex(inputs: _Inputs, equation: str) -> bool:
    if inputs.female is None:
        raise InputError("sex", None, f"is required by {equation} (use female or male)")
    return inputs.female


def _check_age(inputs: _Inputs, equation: str, bounds: tuple[float, float], upper_open: bool) -> None:
    low, high = bounds
    inside = low <= inputs.age < high if upper_open else low <= inputs.age <= high
    if not inside:
        span = f"{low:g} to under {high:g}" if upper_open else f"{low:g} to {high:g}"
        raise InputError("age", inputs.age, f"is outside the ages {equation} is validated for ({span} years)")


def _compute(equation: str, x: _Inputs) -> float:
    if equation == "schwartz-bedside":
        _check_age(x, equation, SCHWARTZ_AGE, upper_open=True)
        scr = _require(x.scr, "creatinine", equation)
        return _schwartz_bedside(scr, _require(x.height_cm, "height_cm", equation))
    female = _require_sex(x, equation)
    if equation.startswith("ckd-epi"):
        _check_age(x, equation, (ADULT_AGE, AGE_PLAUSIBLE[1]), upper_open=False)
    if equation == "ckd-epi-2021-cr":
        return _ckd_epi_2021_cr(x.age, female, _require(x.scr, "creatinine", equation))
    if equation == "ckd-epi-2021-cr-cys":
        scr = _require(x.scr, "creatinine", equation)
        return _ckd_epi_2021_cr_cys(x.age, female, scr, _require(x.cys, "cystatin_c", equation))
    if equation == "ckd-epi-2012-cys":
        return _ckd_epi_2012_cys(x.age, female, _require(x.cys, "cystatin_c", equation))
    return _ckid_u25(equation, x, female)


def _ckid_u25(equation: str, x: _Inputs, female: bool) -> float:
    """The CKiD U25 equation named, or the mean of both for ``ckid-u25-avg``."""
    _check_age(x, equation, U25_AGE, upper_open=False)
    estimates = []
    if equation in ("ckid-u25-cr", "ckid-u25-avg"):
        scr = _require(x.scr, "creatinine", equation)
        height = _require(x.height_cm, "height_cm", equation)
        _within("creatinine", scr, scr, U25_CREATININE_MG_DL, "the 0.1 to 10 mg/dL CKiD U25 accepts")
        _within("height_cm", height, height, U25_HEIGHT_CM, "the 60 to 200 cm CKiD U25 accepts")
        estimates.append(_ckid_u25_cr(x.age, female, scr, height))
    if equation in ("ckid-u25-cys", "ckid-u25-avg"):
        cys = _require(x.cys, "cystatin_c", equation)
        _within("cystatin_c", cys, cys, U25_CYSTATIN_MG_L, "the 0.2 to 8 mg/L CKiD U25 accepts")
        estimates.append(_ckid_u25_cys(x.age, female, cys))
    return sum(estimates) / len(estimates)


# ---- public API ----------------------------------------------------------------------------------


def egfr(
    equation: str,
    *,
    age: float,
    sex: str | None,
    creatinine: float | None = None,
    creatinine_unit: str = "mg/dL",
    cystatin_c: float | None = None,
    height_cm: float | None = None,
) -> float:
    """eGFR in mL/min/1.73 m2 by the named equation (one of :data:`EQUATIONS`), unrounded.

    ``sex`` is ``"female"`` or ``"male"``; only ``schwartz-bedside`` works without it. Inputs an
    equation does not use are ignored. Missing inputs, ages outside the equation's validated range
    and implausible values raise :class:`~lncare.errors.InputError` naming the argument.
    """
    if equation not in EQUATIONS:
        raise InputError("equation", equation, f"is not an eGFR equation (use {one_of(list(EQUATIONS))})")
    return _compute(equation, _validate(age, sex, creatinine, creatinine_unit, cystatin_c, height_cm))


# Why the chooser picks what it picks. Adults: the NKF-ASN Task Force (Delgado et al., Am J Kidney
# Dis 2022;79:268-88) and the KDIGO 2024 CKD guideline (Kidney Int 2024;105(4S):S117-S314, chapter
# 1.2) use the race-free CKD-EPI 2021 creatinine equation first and the creatinine-cystatin C equation
# as the more accurate estimate when cystatin C is measured. Under 18: KDIGO 2024 (chapter 1.2) asks
# for an equation validated in children; CKiD U25 (Pierce 2021) covers ages 1-25 and its authors give
# the mean of the creatinine and cystatin C estimates as the combined value. Bedside Schwartz has no
# sex term, so it is the fallback only for a child whose sex is not recorded. [The KDIGO practice-
# point numbers were not checked against the guideline text, so they are not quoted here.]
_WHY = {
    "ckd-epi-2021-cr-cys": "adult with creatinine and cystatin C: the combined CKD-EPI 2021 equation is the "
    "more accurate estimate (NKF-ASN Task Force 2021; KDIGO 2024 CKD guideline, chapter 1.2)",
    "ckd-epi-2021-cr": "adult with creatinine: race-free CKD-EPI 2021 creatinine equation "
    "(NKF-ASN Task Force 2021; KDIGO 2024 CKD guideline, chapter 1.2)",
    "ckd-epi-2012-cys": "adult with cystatin C only: CKD-EPI 2012 cystatin C equation "
    "(NKF-ASN Task Force 2021; KDIGO 2024 CKD guideline, chapter 1.2)",
    "ckid-u25-avg": "under 18 with creatinine, height and cystatin C: mean of the CKiD U25 creatinine and "
    "cystatin C estimates (Pierce et al., Kidney Int 2021; KDIGO 2024 CKD guideline, chapter 1.2)",
    "ckid-u25-cr": "under 18 with creatinine and height: CKiD U25 creatinine equation "
    "(Pierce et al., Kidney Int 2021; KDIGO 2024 CKD guideline, chapter 1.2)",
    "ckid-u25-cys": "under 18 with cystatin C: CKiD U25 cystatin C equation "
    "(Pierce et al., Kidney Int 2021; KDIGO 2024 CKD guideline, chapter 1.2)",
    "schwartz-bedside": "under 18 with creatinine and height but no recorded sex: bedside Schwartz 2009, "
    "which has no sex term (fallback; CKiD U25 needs sex)",
}


def _choose(x: _Inputs) -> str:
    has_cr, has_cys = x.scr is not None, x.cys is not None
    if not (has_cr or has_cys):
        raise InputError.missing("creatinine", "or cystatin_c, to estimate GFR")
    if x.age >= ADULT_AGE:
        if x.female is None:
            raise InputError.missing("sex", "to estimate GFR in adults; use female or male")
        if has_cr and has_cys:
            return "ckd-epi-2021-cr-cys"
        return "ckd-epi-2021-cr" if has_cr else "ckd-epi-2012-cys"
    if x.age < U25_AGE[0]:
        raise InputError("age", x.age, "is under 1 year: no eGFR equation is validated there (measure GFR)")
    cr_usable = has_cr and x.height_cm is not None
    if x.female is None:
        if cr_usable:
            return "schwartz-bedside"
        raise InputError.missing("sex", "to estimate GFR under 18; use female or male")
    if cr_usable and has_cys:
        return "ckid-u25-avg"
    if cr_usable:
        return "ckid-u25-cr"
    if has_cys:
        return "ckid-u25-cys"
    raise InputError.missing("height_cm", "to estimate GFR from creatinine under 18 with CKiD U25")


def estimate_egfr(
    *,
    age: float,
    sex: str | None,
    creatinine: float | None = None,
    creatinine_unit: str = "mg/dL",
    cystatin_c: float | None = None,
    height_cm: float | None = None,
) -> EgfrEstimate:
    """eGFR by the equation that fits the patient's age and the data at hand, with the reason.

    Age 18 and over: CKD-EPI 2021 (creatinine-cystatin C when both are given, creatinine alone
    otherwise; CKD-EPI 2012 cystatin C when only cystatin C is given). Age 1 to under 18: CKiD U25
    (the mean of its creatinine and cystatin C equations when both can be computed); bedside
    Schwartz only when sex is not recorded. A young adult in transition care can still ask
    :func:`egfr` for a CKiD U25 equation up to age 25.
    """
    inputs = _validate(age, sex, creatinine, creatinine_unit, cystatin_c, height_cm)
    equation = _choose(inputs)
    return EgfrEstimate(value=_compute(equation, inputs), equation=equation, reason=_WHY[equation])


# KDIGO GFR categories (KDIGO 2012 CKD guideline, Kidney Int Suppl 2013;3:1-150, kept unchanged in
# KDIGO 2024): lower bound of each category in mL/min/1.73 m2.
GFR_CATEGORIES: Final = ((90, "G1"), (60, "G2"), (45, "G3a"), (30, "G3b"), (15, "G4"), (0, "G5"))


def ckd_stage(egfr: float) -> str:
    """KDIGO GFR category (G1, G2, G3a, G3b, G4, G5) of an eGFR in mL/min/1.73 m2.

    The value is first rounded to a whole number, halves up, because eGFR is reported as a whole
    number (KDIGO; NKF calculator; laboratories) and the category should match the number a
    clinician reads: 59.6 is reported as 60 and staged G2, 59.4 as 59 and staged G3a.
    """
    value = _number("egfr", egfr)
    if value < 0:
        raise InputError("egfr", egfr, "is negative (an eGFR is 0 or more)")
    whole = math.floor(value + 0.5)
    return next(stage for lower, stage in GFR_CATEGORIES if whole >= lower)
