"""A "continue" line carries the dose the patient takes, never a different one.

Example p07 takes azathioprine 100 mg/day; EULAR 2019 maintenance is 2 mg/kg/day (guidelines.md section 5),
136 mg for 68 kg. Example p10 (a child of 12) takes mycophenolate 600 mg/m2 twice daily; the adult
1-1.5 g twice daily must not appear under "continue".
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from lncare.engine import recommend

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
AS_OF = date(2026, 11, 27)


def _continue_line(example: str, drug: str, guideline: str):  # type: ignore[no-untyped-def]
    plan = recommend(EXAMPLES / example, AS_OF, guideline)
    return next(r for r in plan.recommendations if r.drug == drug and r.action == "continue")


def test_adult_continue_shows_the_current_dose_and_states_the_guideline_dose() -> None:
    line = _continue_line("p07-pregnant-active-ln.json", "azathioprine", "eular2023")
    assert line.dose is not None and line.dose.amount == 100 and line.dose.frequency == "daily"
    assert "guideline_dose" in line.because


def test_child_on_a_per_m2_dose_gets_no_adult_dose_under_continue() -> None:
    for guideline in ("eular2023", "kdigo2024", "acr2024"):
        line = _continue_line("p10-child-12-class-iv.json", "mycophenolate mofetil", guideline)
        assert line.dose is None
        assert "guideline_dose" in line.because
