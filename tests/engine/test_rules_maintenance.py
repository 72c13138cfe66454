"""Maintenance: agent and duration per profile, from the guideline text (shared/domain/guidelines.md 5).

KDIGO 2024 rec 10.2.3.2.1: MPAA; >= 36 months of therapy in total. EULAR: MMF or azathioprine,
azathioprine when pregnancy is planned; >= 3 years after kidney response. ACR 2024: MPAA over
azathioprine after dual therapy; 3-5 years in total. Dosing is stubbed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from lncare.engine import dosing
from lncare.engine.context import Context
from lncare.engine.profile import PROFILES, profile
from lncare.engine.rules.maintenance import maintenance_immunosuppression
from lncare.knowledge import load
from lncare.model.load import load_patient
from lncare.model.plan import Assessment, Dose, Flare, Recommendation, RenalResponse

AS_OF = date(2026, 11, 27)
STUB = Dose(amount=1, unit="mg", frequency="daily", route="oral", basis="stub")
MMF = {"drug": "mycophenolate mofetil", "dose": 500, "unit": "mg", "frequency": "bid", "route": "oral",
       "start": "2025-01-01"}


@pytest.fixture(autouse=True)
def _stub_dosing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dosing, "dose_for", lambda *args, **kwargs: STUB)


def ctx_for(
    guideline: str, meds: list[dict[str, Any]], pregnancy: str = "none", **assessment: Any
) -> Context:
    data = {
        "id": "t", "sex": "female", "age": 30, "weight_kg": 60.0, "height_cm": 165.0, "pregnancy": pregnancy,
        "biopsy": {"date": "2024-12-20", "classes": ["IV"]}, "medications": meds,
    }
    kb = load()
    base: dict[str, Any] = {
        "phase": "maintenance", "weeks_on_treatment": 99.0, "induction_start": date(2025, 1, 1),
        "renal_response": RenalResponse(status="complete"),
    }
    return Context(load_patient(data, as_of=AS_OF), AS_OF, profile(guideline, kb), kb,
                   Assessment(**{**base, **assessment}))


def lines(ctx: Context) -> list[Recommendation]:
    return [line for line in maintenance_immunosuppression(ctx) if isinstance(line, Recommendation)]


def test_kdigo_continues_mpaa_for_36_months_from_the_start() -> None:
    (line,) = lines(ctx_for("kdigo2024", [MMF]))
    assert (line.drug, line.action, line.category) == ("mycophenolate mofetil", "continue", "maintenance")
    assert "kdigo2024-rec-10.2.3.2.1" in line.cites
    assert line.because["minimum_until"] == "2028-01-01"  # 36 months after 2025-01-01


def test_acr_duration_is_3_to_5_years() -> None:
    (line,) = lines(ctx_for("acr2024", [MMF]))
    assert "36 months to 60 months" in line.text
    assert "acr2024-text-duration" in line.cites


def test_eular_duration_counts_from_kidney_response() -> None:
    (line,) = lines(ctx_for("eular2023", [MMF]))
    assert "after kidney response" in line.text
    assert "eular2023-text-ln-duration" in line.cites


@pytest.mark.parametrize("guideline", PROFILES)
def test_no_maintenance_drug_starts_mmf(guideline: str) -> None:
    assert [(r.drug, r.action) for r in lines(ctx_for(guideline, []))] == [("mycophenolate mofetil", "start")]


def test_eular_pregnancy_planned_starts_azathioprine() -> None:
    found = [(r.drug, r.action) for r in lines(ctx_for("eular2023", [], pregnancy="planning"))]
    assert found == [("azathioprine", "start")]


def test_a_flare_is_left_to_the_flare_rules() -> None:
    flare = Flare(kind="proteinuric", definition="x")
    assert lines(ctx_for("kdigo2024", [MMF], flare=flare)) == []


def test_not_in_induction() -> None:
    assert lines(ctx_for("kdigo2024", [MMF], phase="induction")) == []


def test_eular_pregnancy_planned_on_mmf_brings_in_azathioprine() -> None:
    # EULAR 2019: azathioprine for maintenance when pregnancy is planned; safety stops the MMF.
    found = {(r.drug, r.action) for r in lines(ctx_for("eular2023", [MMF], pregnancy="planning"))}
    assert ("azathioprine", "start") in found
