"""Clinical calculators: kidney function, body size, unit conversion, disease scores and pathology.

``from lncare.calc import egfr`` is the public entry (DESIGN.md, contract 3); each calculator lives
in its own module and is re-exported here.
"""

from __future__ import annotations

import math

from lncare.calc.body import adjusted_body_weight, bmi, bsa, ideal_body_weight
from lncare.calc.criteria import EularAcr2019, eular_acr_2019
from lncare.calc.egfr import EQUATIONS, EgfrEstimate, ckd_stage, egfr, estimate_egfr
from lncare.calc.pathology import (
    NihIndex,
    is_advanced_sclerosing,
    is_proliferative,
    is_pure_membranous,
    isn_rps_classes,
    nih_activity_index,
    nih_chronicity_index,
)
from lncare.calc.sledai import sledai2k, sledai2k_on
from lncare.errors import InputError
from lncare.model.units import from_canonical, to_canonical


def convert(test: str, value: float, from_unit: str, to_unit: str) -> float:
    """``value`` of lab ``test`` expressed in ``from_unit``, converted to ``to_unit``.

    Tests, units and factors are those of :mod:`lncare.model.units` (each factor sourced there);
    an unknown test or a unit that test does not take is an InputError naming it.
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError("value", value, "is not a number") from None
    if not math.isfinite(number) or number < 0:
        raise InputError("value", value, "is not a finite number of 0 or more")
    canonical = to_canonical(test, number, from_unit, field="from_unit")
    return from_canonical(test, canonical, to_unit, field="to_unit")


__all__ = [
    "EQUATIONS",
    "EgfrEstimate",
    "EularAcr2019",
    "NihIndex",
    "adjusted_body_weight",
    "bmi",
    "bsa",
    "ckd_stage",
    "convert",
    "egfr",
    "estimate_egfr",
    "eular_acr_2019",
    "ideal_body_weight",
    "is_advanced_sclerosing",
    "is_proliferative",
    "is_pure_membranous",
    "isn_rps_classes",
    "nih_activity_index",
    "nih_chronicity_index",
    "sledai2k",
    "sledai2k_on",
]
