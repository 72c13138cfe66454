"""Record loading and eGFR on generated patients: the foundation every later benchmark builds on.

The loading cost (parse, validate, convert units) is the baseline the engine benchmark compares with.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from benchmarks.records import generate_records
from benchmarks.timing import summary, time_each
from lncare.calc import estimate_egfr
from lncare.model import Patient, load_patient

N_PATIENTS = 10_000
AS_OF = date(2026, 11, 27)


def _egfr(patient: Patient) -> float | None:
    creatinine = patient.latest("creatinine", AS_OF)
    if creatinine is None:
        return None
    age = patient.age_at(AS_OF)
    return estimate_egfr(age=age, sex=patient.sex, creatinine=creatinine.canonical,
                         height_cm=patient.height_cm).value


def run() -> dict[str, Any]:
    records = generate_records(N_PATIENTS, seed=1)
    patients: list[Patient] = []
    loading = time_each(records, lambda r: patients.append(load_patient(r)))
    egfr = time_each(patients, _egfr)
    load_summary, egfr_summary = summary(loading), summary(egfr)
    return {
        "what": f"load + validate {N_PATIENTS} generated records; default eGFR for each at {AS_OF}",
        "load": load_summary,
        "egfr": egfr_summary,
        "summary": {
            "load_per_second": load_summary["per_second"],
            "egfr_over_load_ratio": round(egfr_summary["seconds"] / load_summary["seconds"], 4),
        },
    }
