"""The unvalidated constructor of plan lines gives exactly what validated construction gives."""

from __future__ import annotations

import pydantic
import pytest

from lncare.model.plan import Dose, Recommendation

HCQ_DOSE = Dose(amount=300.0, unit="mg", frequency="daily", route="oral",
                basis="<= 5 mg/kg/day x actual weight 62 kg", cites=("kdigo2024-rec-10.2.1.1",))

LINES = [
    {"id": "hcq-start", "category": "antimalarial", "action": "start", "drug": "hydroxychloroquine",
     "dose": HCQ_DOSE, "strength": "recommended", "text": "Start hydroxychloroquine.",
     "because": {"taking_hcq": False}, "cites": ("eular2023-rec-1",), "certainty": "V"},
    {"id": "raas-blockade", "category": "supportive", "action": "consider", "drug": None, "dose": None,
     "strength": "suggested", "text": "Consider an ACE inhibitor or ARB.",
     "because": {"upcr": 0.8, "missing": ["systolic_bp"]}, "cites": ("kdigo2024-rec-10.2.1.2", "x"),
     "certainty": "S"},
]


@pytest.mark.parametrize("values", LINES, ids=lambda v: v["id"])
def test_trusted_equals_validated(values: dict[str, object]) -> None:
    fast = Recommendation.trusted(**dict(values, because=dict(values["because"])))  # type: ignore[arg-type]
    checked = Recommendation(**values)  # type: ignore[arg-type]
    assert fast == checked
    assert fast.model_dump(mode="json") == checked.model_dump(mode="json")
    assert fast.model_dump_json() == checked.model_dump_json()
    assert Recommendation.model_validate(fast.model_dump()) == checked


def test_trusted_line_is_frozen() -> None:
    fast = Recommendation.trusted(**dict(LINES[0], because={}))  # type: ignore[arg-type]
    with pytest.raises(pydantic.ValidationError):
        fast.action = "stop"  # type: ignore[misc]


def test_trusted_line_citing_nothing_fails_like_a_validated_one() -> None:
    with pytest.raises(pydantic.ValidationError):
        Recommendation.trusted(**dict(LINES[1], because={}, cites=()))  # type: ignore[arg-type]
