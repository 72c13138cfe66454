"""The unvalidated constructors of findings, warnings, exclusions and monitoring items give exactly what
validated construction gives."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from lncare.model.plan import Exclusion, Finding, MonitoringItem, PlanModel, Warning

CASES: list[tuple[type[PlanModel], dict[str, Any]]] = [
    (Finding, {"code": "c3_falling", "message": "C3 falling: 0.9 -> 0.7 (-22 %)",
               "because": {"c3": 0.7, "c3_date": "2026-11-01"}, "cites": ()}),
    (Finding, {"code": "hypoalbuminaemia", "message": "Serum albumin 2.8 g/dL",
               "because": {"albumin": 2.8}, "cites": ("kdigo2024-text-monitoring",)}),
    (Warning, {"code": "pregnancy-stop-mmf", "severity": "critical", "message": "Stop mycophenolate",
               "because": {"pregnancy": "planning"}, "cites": ("acr2020-text-mmf-stop",)}),
    (Warning, {"code": "unconfirmed-label-x", "severity": "info", "message": "Unconfirmed",
               "because": {}, "cites": ()}),
    (Exclusion, {"drug": "mycophenolate mofetil", "reason": "pregnancy planning: contraindicated",
                 "because": {"pregnancy": "planning", "washout_weeks": 6}, "cites": ("a", "b")}),
    # an int interval: validation makes it a float, and so must the fast constructor
    (MonitoringItem, {"test": "wbc", "every_weeks": 4, "because": {"drug": "azathioprine",
                                                                   "sources": ["label"]}, "cites": ()}),
    (MonitoringItem, {"test": "upcr", "every_weeks": 13.0, "because": {"renal_response": "partial"},
                      "cites": ("acr2024-rec-monitor-not-crr",)}),
]


@pytest.mark.parametrize(("cls", "values"), CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_trusted_equals_validated(cls: type[PlanModel], values: dict[str, Any]) -> None:
    fast = cls.trusted(**dict(values, because=dict(values["because"])))  # type: ignore[attr-defined]
    checked = cls(**values)
    assert type(fast) is cls
    assert fast == checked
    assert fast.model_dump(mode="json") == checked.model_dump(mode="json")
    assert fast.model_dump_json() == checked.model_dump_json()
    assert cls.model_validate(fast.model_dump()) == checked


def test_trusted_interval_is_a_float() -> None:
    item = MonitoringItem.trusted(test="wbc", every_weeks=4, because={})
    assert isinstance(item.every_weeks, float)
    assert item.model_dump_json() == '{"test":"wbc","every_weeks":4.0,"because":{},"cites":[]}'


@pytest.mark.parametrize(("cls", "values"), CASES[:3], ids=lambda c: getattr(c, "__name__", ""))
def test_trusted_item_is_frozen(cls: type[PlanModel], values: dict[str, Any]) -> None:
    fast = cls.trusted(**values)  # type: ignore[attr-defined]
    with pytest.raises(pydantic.ValidationError):
        fast.because = {}
