"""Small patient records for the assessment tests, built in canonical units (g/g, mg/dL)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from lncare.engine.profile import profile
from lncare.engine.recommend import assess
from lncare.knowledge import load
from lncare.model.plan import Assessment

KB = load()
START = date(2025, 1, 6)  # induction start of the standard case


def day(weeks: float) -> str:
    """ISO date ``weeks`` after START."""
    return (START + timedelta(days=round(weeks * 7))).isoformat()


def lab(test: str, value: float, on: str) -> dict[str, Any]:
    units = {"upcr": "g/g", "creatinine": "mg/dL", "albumin": "g/dL", "c3": "mg/dL", "c4": "mg/dL",
             "anti_dsdna": "[IU]/mL", "protein_24h": "g/(24.h)", "urine_rbc": "/[HPF]",
             "egfr": "mL/min/{1.73_m2}",
             "systolic_bp": "mm[Hg]", "wbc": "10*9/L", "platelets": "10*9/L"}
    return {"test": test, "value": float(value), "unit": units[test], "date": on}


def med(drug: str, dose: float, start: str, end: str | None = None, *, unit: str = "mg",
        frequency: str = "daily", route: str = "oral") -> dict[str, Any]:
    return {"drug": drug, "dose": float(dose), "unit": unit, "frequency": frequency, "route": route,
            "start": start, "end": end}


def patient(labs: list[dict[str, Any]], meds: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": "t", "sex": "female", "birth_date": "1990-01-01", "weight_kg": 60.0, "height_cm": 165.0,
        "pregnancy": "none", "labs": labs, "medications": meds,
    }
    record.update(extra)
    return record


def mmf_course(start: str = day(0), end: str | None = None) -> list[dict[str, Any]]:
    return [med("mycophenolate mofetil", 1000, start, end, frequency="bid")]


def run(record: dict[str, Any], as_of: str | date, guideline: str = "kdigo2024") -> Assessment:
    when = as_of if isinstance(as_of, date) else date.fromisoformat(as_of)
    return assess(record, when, guideline, KB)


__all__ = ["KB", "START", "day", "lab", "med", "mmf_course", "patient", "profile", "run"]
