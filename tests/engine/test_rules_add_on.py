"""Add-on belimumab or a calcineurin inhibitor: the profiles' differences, from the guideline text.

KDIGO 2024 rec 10.2.3.1.1: belimumab triple therapy when eGFR >= 30, MPAA + CNI when eGFR > 45 (erratum);
ACR 2024: UPCR >= 3 g/g -> triple therapy with MPAA + CNI; EULAR 2023: add belimumab or a CNI "should be
considered", with no eGFR number of its own (shared/domain/guidelines.md section 1.2). Dosing is stubbed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from lncare.engine import dosing
from lncare.engine.context import Context
from lncare.engine.profile import PROFILES, profile
from lncare.engine.rules.add_on import add_on_to_initial_therapy, continue_add_on
from lncare.knowledge import load
from lncare.model.load import load_patient
from lncare.model.plan import Assessment, Dose, Exclusion, Recommendation, RenalResponse, Warning

AS_OF = date(2026, 11, 27)
STUB = Dose(amount=1, unit="mg", frequency="daily", route="oral", basis="stub")
CNIS = {"voclosporin", "tacrolimus"}


@pytest.fixture(autouse=True)
def _stub_dosing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dosing, "dose_for", lambda *args, **kwargs: STUB)


def record(egfr: float | None, upcr: float = 1.5, **extra: Any) -> dict[str, Any]:
    labs = [{"test": "upcr", "value": upcr, "unit": "g/g", "date": "2026-11-20"}]
    if egfr is not None:
        labs.append({"test": "egfr", "value": egfr, "unit": "mL/min/{1.73_m2}", "date": "2026-11-20"})
    return {
        "id": "t", "sex": "female", "age": 30, "weight_kg": 60.0, "height_cm": 165.0, "pregnancy": "none",
        "biopsy": {"date": "2026-11-01", "classes": ["IV"]}, "labs": labs, **extra,
    }


def ctx_for(data: dict[str, Any], guideline: str, **assessment: Any) -> Context:
    kb = load()
    base: dict[str, Any] = {
        "phase": "untreated", "weeks_on_treatment": None, "induction_start": None,
        "renal_response": RenalResponse(status="not_assessable", reason="test"),
    }
    return Context(load_patient(data, as_of=AS_OF), AS_OF, profile(guideline, kb), kb,
                   Assessment(**{**base, **assessment}))


def considered(ctx: Context) -> set[str]:
    """Add-ons proposed and not barred by the rule's own exclusions (recommend() drops those)."""
    return {
        line.drug for line in add_on_to_initial_therapy(ctx)
        if isinstance(line, Recommendation) and line.action == "consider" and line.drug
    } - excluded(ctx)


def excluded(ctx: Context) -> set[str]:
    return {line.drug for line in add_on_to_initial_therapy(ctx) if isinstance(line, Exclusion)}


def test_kdigo_egfr_35_bars_cni_but_keeps_belimumab() -> None:
    ctx = ctx_for(record(egfr=35), "kdigo2024")
    assert considered(ctx) == {"belimumab"}
    assert excluded(ctx) == CNIS


@pytest.mark.parametrize(("egfr", "cni_allowed"), [(45, False), (46, True)])
def test_kdigo_cni_gate_is_strictly_above_45(egfr: float, cni_allowed: bool) -> None:
    assert (considered(ctx_for(record(egfr=egfr), "kdigo2024")) >= CNIS) is cni_allowed


@pytest.mark.parametrize(("egfr", "belimumab_allowed"), [(29, False), (30, True)])
def test_kdigo_belimumab_gate_is_30_or_more(egfr: float, belimumab_allowed: bool) -> None:
    assert ("belimumab" in considered(ctx_for(record(egfr=egfr), "kdigo2024"))) is belimumab_allowed


def test_kdigo_unknown_egfr_proposes_no_gated_add_on_and_says_why() -> None:
    ctx = ctx_for(record(egfr=None), "kdigo2024")
    assert considered(ctx) == set()
    warnings = [w for w in add_on_to_initial_therapy(ctx) if isinstance(w, Warning)]
    assert any(w.code == "add_on_egfr_unknown" for w in warnings)


def test_acr_heavy_proteinuria_asks_for_a_cni() -> None:
    ctx = ctx_for(record(egfr=80, upcr=3.4), "acr2024")
    assert considered(ctx) == CNIS
    cni = next(line for line in add_on_to_initial_therapy(ctx) if isinstance(line, Recommendation))
    assert "acr2024-rec-proteinuria-3-cni" in cni.cites


def test_acr_below_3_g_offers_belimumab_and_cni() -> None:
    assert considered(ctx_for(record(egfr=80, upcr=2.0), "acr2024")) == {"belimumab", *CNIS}


def test_eular_has_no_egfr_number_of_its_own() -> None:
    ctx = ctx_for(record(egfr=35), "eular2023")
    assert considered(ctx) == {"belimumab", *CNIS}
    assert excluded(ctx) == set()


@pytest.mark.parametrize("guideline", PROFILES)
def test_add_on_lines_cite_usable_statements(guideline: str) -> None:
    ctx = ctx_for(record(egfr=80), guideline)
    for line in add_on_to_initial_therapy(ctx):
        if isinstance(line, Recommendation):
            assert line.category == "add_on"
            assert all(ctx.profile.statement(i) is not None for i in line.cites)


def test_not_for_class_v_alone() -> None:
    data = record(egfr=80) | {"biopsy": {"date": "2026-11-01", "classes": ["V"]}}
    assert considered(ctx_for(data, "acr2024")) == set()


def test_belimumab_taken_continues_through_induction() -> None:
    data = record(egfr=80, medications=[{
        "drug": "belimumab", "dose": 10, "unit": "mg/kg", "frequency": "q4w", "route": "iv",
        "start": "2026-09-01",
    }])
    ctx = ctx_for(data, "kdigo2024", phase="induction", weeks_on_treatment=12.0)
    assert [(r.drug, r.action) for r in continue_add_on(ctx) if isinstance(r, Recommendation)] == [
        ("belimumab", "continue")
    ]
