"""Feedback records (CDS Hooks 2.0.1 feedback, domain/interop.md 1.7): validation, idempotence, privacy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lncare.errors import InputError
from lncare.service.feedback import FeedbackStore, parse

OVERRIDDEN = {
    "card": "card-1", "outcome": "overridden", "outcomeTimestamp": "2026-11-27T10:00:00Z",
    "overrideReason": {"reason": {"system": "https://lncare.org/fhir/CodeSystem/override-reason",
                                  "code": "benefit-outweighs-risk", "display": "Benefit outweighs the risk"},
                       "userComment": "Mrs Jane Roe, MRN 12345, discussed"},
}
ACCEPTED = {"card": "card-2", "outcome": "accepted", "outcomeTimestamp": "2026-11-27T11:00:00+01:00",
            "acceptedSuggestions": [{"id": "sugg-1"}]}


def test_feedback_is_stored_once_however_often_it_is_sent(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "fb.duckdb")
    items = parse({"feedback": [OVERRIDDEN, ACCEPTED]})
    assert store.record("lncare-order-sign", items) == 2
    assert store.record("lncare-order-sign", items) == 0
    store.close()
    reopened = FeedbackStore(tmp_path / "fb.duckdb")
    rows = reopened.rows()
    assert [(r["card"], r["outcome"]) for r in rows] == [("card-1", "overridden"), ("card-2", "accepted")]
    assert rows[0]["override_code"] == "benefit-outweighs-risk"
    assert rows[1]["accepted_suggestions"] == ["sugg-1"]
    assert rows[1]["outcome_timestamp"].hour == 10  # 11:00+01:00 stored as 10:00 UTC
    assert reopened.summary() == [
        {"service": "lncare-order-sign", "outcome": "accepted", "override_code": None, "count": 1},
        {"service": "lncare-order-sign", "outcome": "overridden", "override_code": "benefit-outweighs-risk",
         "count": 1},
    ]


def test_the_free_text_comment_is_never_stored() -> None:
    store = FeedbackStore(":memory:")
    store.record("lncare-patient-view", parse({"feedback": [OVERRIDDEN]}))
    (row,) = store.rows()
    assert row["had_comment"] is True
    assert not any("Roe" in str(value) or "12345" in str(value) for value in row.values())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"feedback": [{**ACCEPTED, "acceptedSuggestions": []}]}, "feedback[0]"),
        ({"feedback": [{k: v for k, v in ACCEPTED.items() if k != "outcomeTimestamp"}]},
         "feedback[0].outcomeTimestamp"),
        ({"feedback": [{**ACCEPTED, "outcome": "ignored"}]}, "feedback[0].outcome"),
        ({"feedback": [{**ACCEPTED, "outcomeTimestamp": "2026-11-27T10:00:00"}]}, "feedback[0]"),
        ({"feedback": []}, "feedback"),
        ({}, "feedback"),
    ],
)
def test_bad_feedback_names_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as err:
        parse(body)
    assert err.value.field == field
