"""Initial therapy of active class III/IV LN: which anchor drugs each profile offers, and when it steps aside.

Expected values come from the guideline text (shared/domain/guidelines.md sections 1.2 and 2): MPAA or
low-dose IV cyclophosphamide as anchors in EULAR 2023, KDIGO 2024 and ACR 2024; the Euro-Lupus regimen is
500 mg every 2 weeks for 6 doses. Dosing is stubbed so these tests judge the rule alone.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from lncare.engine import dosing
from lncare.engine.context import Context
from lncare.engine.profile import PROFILES, profile
from lncare.engine.rules.facts import meets
from lncare.engine.rules.induction import continue_initial_immunosuppression, initial_immunosuppression
from lncare.engine.rules.lines import strength_of
from lncare.knowledge import load
from lncare.knowledge.schema.definition import ValueCriterion
from lncare.model.load import load_patient
from lncare.model.plan import Assessment, Dose, Milestone, Recommendation, RenalResponse

AS_OF = date(2026, 11, 27)
STUB = Dose(amount=1, unit="mg", frequency="daily", route="oral", basis="stub")


@pytest.fixture(autouse=True)
def _stub_dosing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dosing, "dose_for", lambda *args, **kwargs: STUB)


def record(classes: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "id": "t", "sex": "female", "age": 30, "weight_kg": 60.0, "height_cm": 165.0, "pregnancy": "none",
        "biopsy": {"date": "2026-11-01", "classes": classes},
        "labs": [{"test": "egfr", "value": 80, "unit": "mL/min/{1.73_m2}", "date": "2026-11-20"}],
        **extra,
    }


def ctx_for(data: dict[str, Any], guideline: str, **assessment: Any) -> Context:
    kb = load()
    base: dict[str, Any] = {
        "phase": "untreated", "weeks_on_treatment": None, "induction_start": None,
        "renal_response": RenalResponse(status="not_assessable", reason="test"),
    }
    return Context(load_patient(data, as_of=AS_OF), AS_OF, profile(guideline, kb), kb,
                   Assessment(**{**base, **assessment}))


def lines(ctx: Context, decide: Any) -> list[Recommendation]:
    return [line for line in decide(ctx) if isinstance(line, Recommendation)]


@pytest.mark.parametrize("guideline", PROFILES)
def test_untreated_class_iv_starts_mpaa_with_cyclophosphamide_as_alternative(guideline: str) -> None:
    found = {(r.drug, r.action) for r in lines(ctx_for(record(["IV"]), guideline), initial_immunosuppression)}
    assert ("mycophenolate mofetil", "start") in found
    assert ("cyclophosphamide", "consider") in found


@pytest.mark.parametrize("guideline", PROFILES)
def test_cites_are_usable_statements_of_the_profile(guideline: str) -> None:
    ctx = ctx_for(record(["III", "V"]), guideline)
    for line in lines(ctx, initial_immunosuppression):
        assert line.cites and all(ctx.profile.statement(i) is not None for i in line.cites)


def test_acr_cyclophosphamide_line_rests_on_its_euro_lupus_preference() -> None:
    ctx = ctx_for(record(["IV"]), "acr2024")
    cyc = next(r for r in lines(ctx, initial_immunosuppression) if r.drug == "cyclophosphamide")
    # ACR 2024: Euro-Lupus over high-dose IV (conditional) and over oral cyclophosphamide (strong).
    assert {"acr2024-rec-elnt-over-high-dose-cyc", "acr2024-rec-elnt-over-oral-cyc"} <= set(cyc.cites)


def test_kdigo_lines_rest_on_secondary_sources() -> None:
    # KDIGO rec 10.2.3.1.1 is encoded from two secondary sources (guidelines.md 1.2, [S]).
    ctx = ctx_for(record(["IV"]), "kdigo2024")
    assert {r.certainty for r in lines(ctx, initial_immunosuppression)} == {"S"}


@pytest.mark.parametrize("classes", [["II"], ["V"], ["I"], ["VI"]])
def test_steps_aside_for_non_proliferative_or_sclerosed_classes(classes: list[str]) -> None:
    assert lines(ctx_for(record(classes), "eular2023"), initial_immunosuppression) == []


def test_steps_aside_on_dialysis() -> None:
    ctx = ctx_for(record(["IV"], conditions=["dialysis"]), "kdigo2024")
    assert lines(ctx, initial_immunosuppression) == []


def test_continues_the_anchor_while_induction_goes_well() -> None:
    data = record(["IV"], medications=[{
        "drug": "mycophenolate mofetil", "dose": 1000, "unit": "mg", "frequency": "bid", "route": "oral",
        "start": "2026-09-01",
    }])
    ctx = ctx_for(data, "eular2023", phase="induction", weeks_on_treatment=12.4)
    assert [(r.drug, r.action) for r in lines(ctx, continue_initial_immunosuppression)] == [
        ("mycophenolate mofetil", "continue")
    ]


def test_a_missed_milestone_leaves_the_decision_to_refractory_rules() -> None:
    data = record(["IV"], medications=[{
        "drug": "mycophenolate mofetil", "dose": 1000, "unit": "mg", "frequency": "bid", "route": "oral",
        "start": "2026-05-01",
    }])
    missed = Milestone(id="m", label="25% fall by 3 months", due=date(2026, 8, 1), status="missed")
    ctx = ctx_for(data, "eular2023", phase="induction", weeks_on_treatment=30.0, milestones=(missed,))
    assert lines(ctx, continue_initial_immunosuppression) == []


def test_strength_follows_the_grade() -> None:
    kb = load()
    # KDIGO 1B reads "we recommend"; ACR conditional reads "we suggest"; KDIGO practice points are ungraded.
    assert strength_of([kb.statements["kdigo2024-rec-10.2.3.1.1"]], "start") == "recommended"
    assert strength_of([kb.statements["acr2024-rec-mpaa-over-cyc"]], "start") == "suggested"
    assert strength_of([kb.statements["kdigo2024-pp-cyc-adherence"]], "consider") == "practice_point"


def test_a_range_bound_is_indeterminate() -> None:
    ranged = ValueCriterion(measure="upcr", comparator="<", value=(0.5, 0.7), unit="g/g")
    assert meets(0.6, ranged) is None
    assert meets(0.4, ValueCriterion(measure="upcr", comparator="<", value=0.5, unit="g/g")) is True
