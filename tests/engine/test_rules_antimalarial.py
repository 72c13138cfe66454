"""Hydroxychloroquine for everyone, at no more than 5 mg/kg/day of actual body weight.

EULAR 2023 rec 1, KDIGO 2024 rec 10.2.1.1 and ACR 2024 (HCQ for all with LN unless contraindicated); the
5 mg/kg/day actual-weight ceiling is AAO 2016 (shared/domain/guidelines.md section 4). Doses are the
dosing module's; here it is stubbed so the tests judge the rule alone.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from lncare.engine import dosing
from lncare.engine.context import Context
from lncare.engine.profile import PROFILES, profile
from lncare.engine.rules.antimalarial import hydroxychloroquine_for_all
from lncare.knowledge import load
from lncare.model.load import load_patient
from lncare.model.plan import Assessment, Dose, Recommendation, RenalResponse, Warning

AS_OF = date(2026, 11, 27)
STUB = Dose(amount=300, unit="mg", frequency="daily", route="oral", basis="stub")


def record(weight: float | None, hcq_mg: float | None) -> dict[str, Any]:
    meds = [] if hcq_mg is None else [{
        "drug": "hydroxychloroquine", "dose": hcq_mg, "unit": "mg", "frequency": "daily", "route": "oral",
        "start": "2024-01-01",
    }]
    data: dict[str, Any] = {
        "id": "t", "sex": "female", "age": 40, "height_cm": 165.0, "pregnancy": "none",
        "biopsy": {"date": "2023-11-01", "classes": ["III"]}, "medications": meds,
    }
    if weight is not None:
        data["weight_kg"] = weight
    return data


def ctx_for(data: dict[str, Any], guideline: str, mg_per_kg: float | None) -> Context:
    kb = load()
    assessment = Assessment(
        phase="maintenance", weeks_on_treatment=100.0, induction_start=date(2024, 11, 1),
        renal_response=RenalResponse(status="not_assessable", reason="test"), hcq_mg_per_kg_day=mg_per_kg,
    )
    return Context(load_patient(data, as_of=AS_OF), AS_OF, profile(guideline, kb), kb, assessment)


def hcq_lines(ctx: Context) -> list[Recommendation]:
    return [line for line in hydroxychloroquine_for_all(ctx) if isinstance(line, Recommendation)]


@pytest.mark.parametrize("guideline", PROFILES)
def test_every_profile_starts_hcq_when_not_taken(guideline: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dosing, "dose_for", lambda *args, **kwargs: STUB)
    (line,) = hcq_lines(ctx_for(record(62.0, None), guideline, None))
    assert (line.drug, line.action, line.category) == ("hydroxychloroquine", "start", "antimalarial")
    assert line.dose == STUB


def test_kdigo_and_acr_grades_read_recommended(monkeypatch: pytest.MonkeyPatch) -> None:
    # KDIGO rec 10.2.1.1 is grade 1C; ACR's HCQ recommendation is strong.
    monkeypatch.setattr(dosing, "dose_for", lambda *args, **kwargs: STUB)
    for guideline in ("kdigo2024", "acr2024"):
        assert hcq_lines(ctx_for(record(62.0, None), guideline, None))[0].strength == "recommended"


def test_above_5_mg_per_kg_is_lowered_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dosing, "dose_for", lambda *args, **kwargs: STUB)
    ctx = ctx_for(record(62.0, 400), "eular2023", 400 / 62)  # 6.5 mg/kg/day
    lines = list(hydroxychloroquine_for_all(ctx))
    assert [(r.action, r.dose) for r in lines if isinstance(r, Recommendation)] == [("decrease", STUB)]
    assert any(isinstance(w, Warning) and w.code == "hcq_dose_above_ceiling" for w in lines)


def test_at_or_below_5_mg_per_kg_continues(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dosing, "dose_for", lambda *args, **kwargs: STUB)
    lines = list(hydroxychloroquine_for_all(ctx_for(record(62.0, 300), "kdigo2024", 300 / 62)))
    assert [r.action for r in lines if isinstance(r, Recommendation)] == ["continue"]
    assert not any(isinstance(w, Warning) for w in lines)


def test_missing_weight_gives_no_dose_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    no_dose = dosing.NoDose("hydroxychloroquine", "weight missing", ("weight_kg",))
    monkeypatch.setattr(dosing, "dose_for", lambda *args, **kwargs: no_dose)
    lines = list(hydroxychloroquine_for_all(ctx_for(record(None, 200), "acr2024", None)))
    (line,) = [r for r in lines if isinstance(r, Recommendation)]
    assert line.action == "continue" and line.dose is None
    assert line.because["missing"] == ["weight_kg"]
    assert line.because["mg_per_kg_day"] == "not known: weight missing"
    assert any(isinstance(w, Warning) and "weight missing" in w.message for w in lines)
