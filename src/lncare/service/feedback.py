"""CDS Hooks feedback (2.0.1, domain/interop.md 1.7): what clinicians did with lncare's cards, in DuckDB.

A row holds the service, the card's uuid, the outcome (accepted | overridden), the accepted suggestion
uuids, the override reason's coding and the outcome time: no patient data. The clinician's free-text
``userComment`` may name a patient, so it is never stored; only whether one was given. The spec lets one
card receive the same feedback more than once, so (service, card, outcome, time) is a key and a repeat is
ignored: recording is idempotent.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from lncare.errors import InputError, from_validation_error

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    service VARCHAR NOT NULL,
    card VARCHAR NOT NULL,
    outcome VARCHAR NOT NULL,
    outcome_timestamp TIMESTAMP NOT NULL,  -- UTC (TIMESTAMPTZ would need pytz to read back)
    accepted_suggestions VARCHAR[],
    override_system VARCHAR,
    override_code VARCHAR,
    override_display VARCHAR,
    had_comment BOOLEAN NOT NULL,
    PRIMARY KEY (service, card, outcome, outcome_timestamp)
)
"""


class _Item(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Coding(_Item):
    system: str = Field(min_length=1)
    code: str = Field(min_length=1)
    display: str | None = None


class _Accepted(_Item):
    id: str = Field(min_length=1)


class _OverrideReason(_Item):
    reason: _Coding | None = None
    user_comment: str | None = Field(default=None, alias="userComment")


class FeedbackItem(_Item):
    """One feedback entry as CDS Hooks sends it."""

    card: str = Field(min_length=1)
    outcome: Literal["accepted", "overridden"]
    accepted_suggestions: tuple[_Accepted, ...] = Field(default=(), alias="acceptedSuggestions")
    override_reason: _OverrideReason | None = Field(default=None, alias="overrideReason")
    outcome_timestamp: datetime = Field(alias="outcomeTimestamp")

    @model_validator(mode="after")
    def _consistent(self) -> FeedbackItem:
        # Spec: acceptedSuggestions is required for an accepted card; a timestamp is RFC 3339 UTC.
        if self.outcome == "accepted" and not self.accepted_suggestions:
            raise ValueError("an accepted card needs acceptedSuggestions")
        if self.outcome_timestamp.tzinfo is None:
            raise ValueError("outcomeTimestamp needs a time zone (RFC 3339, UTC)")
        return self


class _Body(_Item):
    feedback: tuple[FeedbackItem, ...] = Field(min_length=1)


def parse(body: Any) -> tuple[FeedbackItem, ...]:
    """The feedback entries of a request body; bad input is an InputError naming the field."""
    try:
        return _Body.model_validate(body).feedback
    except ValidationError as err:
        raise from_validation_error(err) from None


class FeedbackStore:
    """Feedback rows in one DuckDB file (``:memory:`` for tests); safe to share between threads."""

    def __init__(self, path: Path | str) -> None:
        self._lock = threading.Lock()
        try:
            self._db = duckdb.connect(str(path))
        except duckdb.Error as err:
            raise InputError("feedback database", str(path), f"cannot be opened ({err})") from None
        self._db.execute(_SCHEMA)

    def record(self, service: str, items: tuple[FeedbackItem, ...]) -> int:
        """Store ``items``; returns how many were new (a repeat of stored feedback is ignored)."""
        rows = [_row(service, item) for item in items]
        with self._lock:
            before = self.count_locked()
            self._db.executemany(
                "INSERT OR IGNORE INTO feedback VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
            )
            return self.count_locked() - before

    def summary(self) -> list[dict[str, Any]]:
        """Counts per service, outcome and override reason code, for review of the cards' usefulness."""
        with self._lock:
            found = self._db.execute(
                "SELECT service, outcome, override_code, count(*) FROM feedback "
                "GROUP BY ALL ORDER BY ALL"
            ).fetchall()
        return [{"service": s, "outcome": o, "override_code": c, "count": n} for s, o, c, n in found]

    def rows(self) -> list[dict[str, Any]]:
        """Every stored row, oldest outcome first."""
        with self._lock:
            cursor = self._db.execute("SELECT * FROM feedback ORDER BY outcome_timestamp, card")
            names = [d[0] for d in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def count_locked(self) -> int:
        found = self._db.execute("SELECT count(*) FROM feedback").fetchone()
        return int(found[0]) if found else 0

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _row(service: str, item: FeedbackItem) -> tuple[Any, ...]:
    reason = item.override_reason.reason if item.override_reason else None
    comment = bool(item.override_reason and item.override_reason.user_comment)
    return (
        service, item.card, item.outcome, item.outcome_timestamp.astimezone(UTC).replace(tzinfo=None),
        [s.id for s in item.accepted_suggestions],
        reason.system if reason else None, reason.code if reason else None,
        reason.display if reason else None, comment,
    )
