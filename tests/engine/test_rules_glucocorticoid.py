"""Glucocorticoids: start for active LN, and the taper targets of each profile at their time points.

Targets from the guideline text (shared/domain/guidelines.md section 3.2-3.3): ACR 2024 <= 5 mg/day by 6
months; KDIGO 2024 reduced-dose scheme 5 mg/day by weeks 11-12; EULAR 2019 <= 7.5 mg/day by 3-6 months
and EULAR 2023 <= 5 mg/day in maintenance. Six months are 26.1 weeks. Dosing is stubbed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from lncare.engine import dosing
from lncare.engine.context import Context
from lncare.engine.profile import PROFILES, profile
from lncare.engine.rules.glucocorticoid import glucocorticoid_taper, glucocorticoids_for_active_ln
from lncare.knowledge import load
from lncare.model.load import load_patient
from lncare.model.plan import (
    Assessment,
    Dose,
    DoseStep,
    GlucocorticoidExposure,
    Phase,
    Recommendation,
    RenalResponse,
    ResponseStatus,
    Warning,
)

AS_OF = date(2026, 11, 27)
STUB = Dose(amount=1, unit="mg", frequency="daily", route="oral", basis="stub")


@pytest.fixture(autouse=True)
def _stub_dosing(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("glucocorticoid_plan", "methylprednisolone_pulses"):
        monkeypatch.setattr(dosing, name, lambda *args, **kwargs: STUB)


def record(prednisone_mg: float | None) -> dict[str, Any]:
    meds = [] if prednisone_mg is None else [{
        "drug": "prednisone", "dose": prednisone_mg, "unit": "mg", "frequency": "daily", "route": "oral",
        "start": "2026-05-01",
    }]
    return {
        "id": "t", "sex": "female", "age": 30, "weight_kg": 60.0, "height_cm": 165.0, "pregnancy": "none",
        "biopsy": {"date": "2026-04-20", "classes": ["IV"]}, "medications": meds,
    }


def ctx_for(guideline: str, prednisone_mg: float | None, weeks: float | None, phase: Phase = "induction",
            response: ResponseStatus = "partial") -> Context:
    kb = load()
    exposure = None if prednisone_mg is None else GlucocorticoidExposure(
        current_mg_per_day=prednisone_mg, cumulative_mg=0, weeks_above_5=0, weeks_above_7_5=0, pulses_mg=0,
    )
    assessment = Assessment(
        phase=phase, weeks_on_treatment=weeks, induction_start=date(2026, 5, 1),
        renal_response=RenalResponse(status=response), glucocorticoids=exposure,
    )
    patient = load_patient(record(prednisone_mg), as_of=AS_OF)
    return Context(patient, AS_OF, profile(guideline, kb), kb, assessment)


def actions(ctx: Context) -> list[str]:
    return [line.action for line in glucocorticoid_taper(ctx) if isinstance(line, Recommendation)]


@pytest.mark.parametrize(("guideline", "mg", "weeks", "lowered"), [
    ("acr2024", 10, 27, True),     # above 5 mg after 6 months
    ("acr2024", 5, 27, False),     # at target
    ("acr2024", 10, 20, False),    # 6-month target not yet due
    ("kdigo2024", 7.5, 13, True),  # above 5 mg after week 12
    ("kdigo2024", 7.5, 10, False),  # week 10: 7.5 mg is the schedule's own step
    ("eular2023", 10, 27, True),   # above 7.5 mg by 6 months
    ("eular2023", 7.5, 27, False),  # at the 7.5 mg target in induction
])
def test_taper_target_at_its_time_point(guideline: str, mg: float, weeks: float, lowered: bool) -> None:
    assert ("decrease" in actions(ctx_for(guideline, mg, weeks))) is lowered


def test_eular_maintenance_ceiling_is_5_mg() -> None:
    ctx = ctx_for("eular2023", 7.5, 80, phase="maintenance")
    lines = list(glucocorticoid_taper(ctx))
    (decrease,) = [r for r in lines if isinstance(r, Recommendation)]
    assert (decrease.action, decrease.drug, decrease.dose) == ("decrease", "prednisone", STUB)
    assert "eular2023-text-gc" in decrease.cites
    assert any(isinstance(w, Warning) and w.code == "gc_above_target" for w in lines)


def test_kdigo_lasting_complete_response_keeps_the_lowest_dose_and_cites_withdrawal() -> None:
    ctx = ctx_for("kdigo2024", 2.5, 80, phase="maintenance", response="complete")
    (line,) = [r for r in glucocorticoid_taper(ctx) if isinstance(r, Recommendation)]
    assert line.action == "continue" and line.cites == ("kdigo2024-pp-gc-withdrawal",)


def test_no_glucocorticoid_no_taper_line() -> None:
    assert list(glucocorticoid_taper(ctx_for("acr2024", None, 40))) == []


@pytest.mark.parametrize("guideline", PROFILES)
def test_untreated_class_iv_starts_pulses_then_oral(guideline: str) -> None:
    ctx = ctx_for(guideline, None, None, phase="untreated")
    lines = [r for r in glucocorticoids_for_active_ln(ctx) if isinstance(r, Recommendation)]
    assert {(r.drug, r.action) for r in lines} == {("methylprednisolone", "start"), ("prednisone", "start")}
    assert all(ctx.profile.statement(i) is not None for r in lines for i in r.cites)


def test_a_decrease_never_carries_a_dose_above_the_current_one(monkeypatch: pytest.MonkeyPatch) -> None:
    higher = Dose(amount=20, unit="mg", frequency="daily", route="oral", basis="taper restarted")
    monkeypatch.setattr(dosing, "glucocorticoid_plan", lambda *args, **kwargs: higher)
    lines = list(glucocorticoid_taper(ctx_for("kdigo2024", 7.5, 14)))
    (decrease,) = [r for r in lines if isinstance(r, Recommendation)]
    assert decrease.action == "decrease" and decrease.dose is None
    assert any(isinstance(w, Warning) and w.code == "no_dose:prednisone" for w in lines)


def test_a_taper_holding_the_dose_now_and_lowering_later_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    steps = (
        DoseStep(start=date(2026, 11, 18), end=date(2026, 12, 1), amount=10, unit="mg", frequency="daily"),
        DoseStep(start=date(2026, 12, 2), end=None, amount=5, unit="mg", frequency="daily"),
    )
    taper = Dose(amount=10, unit="mg", frequency="daily", route="oral", basis="taper", schedule=steps)
    monkeypatch.setattr(dosing, "glucocorticoid_plan", lambda *args, **kwargs: taper)
    lines = glucocorticoid_taper(ctx_for("acr2024", 10, 30))
    (decrease,) = [r for r in lines if isinstance(r, Recommendation)]
    assert decrease.dose == taper
