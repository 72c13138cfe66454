"""Hand-built patient records for the safety and dosing tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from lncare.engine import context
from lncare.engine.context import Context
from lncare.model.plan import Recommendation

AS_OF = date(2026, 11, 27)


def record(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "t", "sex": "female", "age": 32, "weight_kg": 62.0, "height_cm": 164.0, "pregnancy": "none",
        "labs": [
            {"test": "egfr", "value": 90, "unit": "mL/min/{1.73_m2}", "date": "2026-11-20"},
            {"test": "systolic_bp", "value": 128, "unit": "mm[Hg]", "date": "2026-11-20"},
            {"test": "diastolic_bp", "value": 80, "unit": "mm[Hg]", "date": "2026-11-20"},
        ],
        "medications": [], "conditions": [], "allergies": [],
    }
    return {**base, **changes}


def lab(test: str, value: float, unit: str, on: str = "2026-11-20") -> dict[str, Any]:
    return {"test": test, "value": value, "unit": unit, "date": on}


def med(
    drug: str, dose: float, frequency: str, route: str = "oral", start: str = "2026-09-01"
) -> dict[str, Any]:
    return {"drug": drug, "dose": dose, "unit": "mg", "frequency": frequency, "route": route, "start": start,
            "end": None}


def ctx_for(patient: dict[str, Any], guideline: str = "kdigo2024", as_of: date = AS_OF) -> Context:
    return context(patient, as_of, guideline)


def start(drug: str, action: str = "start") -> Recommendation:
    return Recommendation(id=f"{drug}-{action}", category="induction", action=action,  # type: ignore[arg-type]
                          drug=drug, strength="recommended", text=f"{action} {drug}",
                          cites=("kdigo2024-rec-10.2.3.1.1",))
