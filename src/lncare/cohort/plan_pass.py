"""The per-patient plan pass: the full clinical engine over every cohort member, listing guideline gaps.

Each patient's OMOP rows become a patient record (:func:`lncare.cohort.records.patient_records`,
contract 1), the engine plans it (:func:`lncare.recommend`), and the plan's lines that ask for a change
are the patient's gaps: recommendations whose action is start, increase or stop, and every warning.
A record the engine refuses (an InputError) is listed as the gap ``record_error`` with the reason, so one
messy patient never stops a population run.

Locally the work is spread over processes in chunks (``spawn``ed workers: the parent may hold a JVM or
a DuckDB connection that must not be forked); on Spark it is one ``applyInPandas`` job whose executors
need lncare installed. Without ``as_of`` a patient is planned at the end of their cohort era.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import nullcontext
from datetime import date
from functools import partial
from itertools import islice
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from lncare.errors import InputError

if TYPE_CHECKING:
    from lncare.cohort.run import Step

GAP_ACTIONS = frozenset({"start", "increase", "stop"})
RECORD_ERROR = "record_error"
GAPS = pa.schema([("person_id", pa.int64()), ("gap", pa.string()), ("detail", pa.string())])
CHUNK = 250  # patients per task: large enough to amortise pickling, small enough to balance cores

# (person_id, patient record, as_of ISO date)
Item = tuple[int, dict[str, Any], str]
Gap = tuple[int, str, str]


def gaps_of(plan: Any) -> list[tuple[str, str]]:
    """(gap, detail) for each line of ``plan`` (a contract-2 Plan) that asks for a change."""
    out = [(line.id, line.text) for line in plan.recommendations if line.action in GAP_ACTIONS]
    out += [(f"warning:{warning.code}", warning.message) for warning in plan.warnings]
    return out


def known_on(record: dict[str, Any], day: str) -> dict[str, Any]:
    """``record`` as it stood on ``day`` (ISO date): later labs, biopsies and drug starts removed, and a
    drug that ended later still running. The engine refuses data dated after its as-of date."""
    known = dict(record)
    known["labs"] = [lab for lab in record.get("labs", []) if lab["date"] <= day]
    known["medications"] = [
        {**med, "end": None} if med.get("end") and med["end"] > day else med
        for med in record.get("medications", []) if med["start"] <= day
    ]
    if record.get("biopsy") and record["biopsy"]["date"] > day:
        known["biopsy"] = None
    return known


def plan_items(items: list[Item], profile: str) -> list[Gap]:
    """The gaps of each (person_id, record, as_of) item: the unit of work of a worker."""
    from lncare import recommend

    gaps: list[Gap] = []
    for person_id, record, as_of in items:
        try:
            plan = recommend(known_on(record, as_of), date.fromisoformat(as_of), profile)
        except InputError as err:
            gaps.append((person_id, RECORD_ERROR, str(err)))
            continue
        gaps += [(person_id, gap, detail) for gap, detail in gaps_of(plan)]
    return gaps


def plan_gaps(
    con: Any, cohort: pa.Table, *, as_of: date | None, profile: str, engine: str = "duckdb",
    workers: int | None = None, step: Step | None = None, chunk: int = CHUNK,
) -> pa.Table:
    """The gap table (person_id, gap, detail; sorted) of every subject of ``cohort`` read from ``con``."""
    from lncare.cohort.records import patient_records

    dates = _plan_dates(cohort, as_of)
    items = ((pid, record, dates[pid]) for pid, record in patient_records(con, sorted(dates)))
    if engine == "spark":
        rows = _spark(con, items, profile, chunk)
    else:
        rows = _local(items, profile, workers or os.cpu_count() or 1, chunk, len(dates), step)
    table = pa.Table.from_pylist([dict(zip(GAPS.names, row, strict=True)) for row in rows], schema=GAPS)
    return table.sort_by([(name, "ascending") for name in GAPS.names])


def _plan_dates(cohort: pa.Table, as_of: date | None) -> dict[int, str]:
    """person_id -> the ISO date to plan at: ``as_of``, else the end of the person's latest cohort era."""
    dates: dict[int, str] = {}
    for pid, end in zip(cohort["subject_id"].to_pylist(), cohort["cohort_end_date"].to_pylist(), strict=True):
        day = (as_of or end).isoformat()
        dates[pid] = max(dates.get(pid, day), day)
    return dates


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _local(items: Iterable[Item], profile: str, workers: int, chunk: int, total: int,
           step: Step | None) -> list[Gap]:
    rows: list[Gap] = []
    bar = step("planning each patient", total) if step else nullcontext(_ignore)
    with bar as advance:
        if workers == 1:
            for batch in _chunks(items, chunk):
                rows += plan_items(batch, profile)
                advance(len(batch))
            return rows
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            # At most two chunks per worker in flight, so a million records are never all in memory.
            pending: dict[Future[list[Gap]], int] = {}
            for batch in _chunks(items, chunk):
                if len(pending) >= 2 * workers:
                    rows += _collect(pending, advance)
                pending[pool.submit(plan_items, batch, profile)] = len(batch)
            while pending:
                rows += _collect(pending, advance)
    return rows


def _ignore(_done: int) -> None:
    """A progress callback that shows nothing."""


def _collect(pending: dict[Future[list[Gap]], int], advance: Callable[[int], None]) -> list[Gap]:
    done, _ = wait(pending, return_when=FIRST_COMPLETED)
    rows: list[Gap] = []
    for future in done:
        rows += future.result()
        advance(pending.pop(future))
    return rows


def _spark(con: Any, items: Iterable[Item], profile: str, chunk: int) -> list[Gap]:
    session = con._session
    rows = [(pid, index // chunk, json.dumps(record), day) for index, (pid, record, day) in enumerate(items)]
    if not rows:
        return []
    frame = session.createDataFrame(rows, schema="person_id long, part long, record string, as_of string")
    gaps = frame.groupBy("part").applyInPandas(
        partial(plan_frame, profile=profile), schema="person_id long, gap string, detail string"
    )
    return [(int(r.person_id), r.gap, r.detail) for r in gaps.collect()]


def plan_frame(frame: Any, *, profile: str) -> Any:
    """applyInPandas's function: one group of (person_id, part, record JSON, as_of) rows -> gap rows.

    ``profile`` is keyword-only because Spark passes the group key too when the function takes two
    positional parameters."""
    import pandas as pd

    columns = (frame["person_id"], frame["record"], frame["as_of"])
    items = [(int(pid), json.loads(record), day) for pid, record, day in zip(*columns, strict=True)]
    return pd.DataFrame(plan_items(items, profile), columns=["person_id", "gap", "detail"])
