"""A patient mid-taper is placed at the right row of the KDIGO 2024 reduced-dose table, not restarted.

KDIGO 2024 reduced-dose prednisone (guidelines.md section 3.3, [S]): weeks 0-2 0.5-0.6 mg/kg (max 40),
weeks 3-4 0.3-0.4 mg/kg, 5-6 15 mg, 7-8 10 mg, 9-10 7.5 mg, 11-12 5 mg, 13-24 2.5 mg.
"""

from __future__ import annotations

from datetime import date

from lncare.engine import recommend

AS_OF = date(2026, 11, 27)


def _patient(steps: list[tuple[str, str | None, float]]) -> dict[str, object]:
    return {
        "id": "taper", "sex": "female", "age": 35, "weight_kg": 60.0, "height_cm": 165.0, "pregnancy": "none",
        "biopsy": {"date": "2026-08-01", "classes": ["IV"]},
        "labs": [{"test": "creatinine", "value": 0.8, "unit": "mg/dL", "date": "2026-11-20"},
                 {"test": "upcr", "value": 0.9, "unit": "g/g", "date": "2026-11-20"}],
        "medications": [
            {"drug": "mycophenolate mofetil", "dose": 1000, "unit": "mg", "frequency": "bid", "route": "oral",
             "start": "2026-08-20", "end": None},
            *({"drug": "prednisone", "dose": mg, "unit": "mg", "frequency": "daily", "route": "oral",
               "start": start, "end": end} for start, end, mg in steps),
        ],
    }


def test_taper_is_dated_from_the_first_step_of_the_course() -> None:
    # Course started 2026-08-21 (week 0); on 2026-11-27 the patient is in week 14, where the table says
    # 2.5 mg/day. The current 10 mg step started only on 2026-11-13: restarting there would give 30 mg.
    steps = [
        ("2026-08-21", "2026-09-17", 30.0), ("2026-09-18", "2026-11-12", 15.0), ("2026-11-13", None, 10.0),
    ]
    plan = recommend(_patient(steps), AS_OF, "kdigo2024")
    prednisone = [r for r in plan.recommendations if r.drug == "prednisone"]
    assert prednisone and prednisone[0].action == "decrease"
    assert prednisone[0].dose is not None and prednisone[0].dose.amount == 2.5
    assert prednisone[0].dose.schedule[0].start == date(2026, 8, 21)


def test_a_gap_starts_a_new_course() -> None:
    # A course that ended in June is not the current one: the current course starts 2026-11-13.
    steps = [("2026-03-01", "2026-06-01", 10.0), ("2026-11-13", None, 30.0)]
    plan = recommend(_patient(steps), AS_OF, "kdigo2024")
    doses = [r.dose for r in plan.recommendations if r.drug == "prednisone" and r.dose is not None]
    assert doses and all(d.schedule[0].start == date(2026, 11, 13) for d in doses)
    # Day 14 of the course is week 3 of the table: 0.3 mg/kg x 60 kg = 18 mg, rounded down to 17.5 mg.
    assert doses[0].amount == 17.5


def test_a_raised_dose_is_a_new_bridging_course_not_a_missed_target() -> None:
    # On 5 mg/day for two years, raised to 20 mg two days ago for renal activity: the maintenance ceiling
    # (EULAR 2023: <= 5 mg/day) and the 6-month target (ACR 2024) count from the raise, so no profile
    # tells the patient to drop straight back to 5 mg (guidelines.md section 3.2).
    steps = [("2024-06-01", "2026-11-24", 5.0), ("2026-11-25", None, 20.0)]
    for guideline in ("eular2023", "kdigo2024", "acr2024"):
        plan = recommend(_patient(steps), AS_OF, guideline)
        assert not [r for r in plan.recommendations if r.drug == "prednisone" and r.action == "decrease"]
        assert "gc_above_target" not in {w.code for w in plan.warnings}
