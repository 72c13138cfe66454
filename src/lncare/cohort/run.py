"""``lncare cohort run``: the population tables of an OMOP source, their summaries and the report.

Flow: open SOURCE (:mod:`lncare.cohort.source`) -> build the definitions' Ibis expressions
(:func:`lncare.cohort.population.population_tables`) -> execute each once on the engine -> cast to the
contract's Arrow schema and sort -> summarise in Python (:mod:`lncare.cohort.summary`) -> write tables,
figures, the JSON summary and the HTML report. Per-patient rows are fetched once and every summary is
computed from them, so DuckDB and Spark agree on every output whenever they agree on the rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from lncare.cohort import summary as summaries
from lncare.cohort.source import open_source, redact
from lncare.errors import InputError, one_of

DEFAULT_PROFILE = "eular2023"  # lncare.engine.profile.DEFAULT_PROFILE
LANDMARKS_MONTHS = (6, 12, 24)

# The population tables' columns (cohort-common contract) and the types every engine's result is cast
# to: Spark and DuckDB return the same values with different integer widths.
TABLES: dict[str, pa.Schema] = {
    "cohort": pa.schema([("cohort_definition_id", pa.int64()), ("subject_id", pa.int64()),
                         ("cohort_start_date", pa.date32()), ("cohort_end_date", pa.date32())]),
    "induction": pa.schema([("person_id", pa.int64()), ("induction_start", pa.date32()),
                            ("regimen", pa.string())]),
    "response": pa.schema([("person_id", pa.int64()), ("regimen", pa.string()),
                           ("landmark_months", pa.int64()), ("landmark_date", pa.date32()),
                           ("status", pa.string())]),
    "flare": pa.schema([("person_id", pa.int64()), ("flare_date", pa.date32()), ("kind", pa.string())]),
    "measures": pa.schema([("person_id", pa.int64()), ("measure", pa.string()), ("denominator", pa.bool_()),
                           ("numerator", pa.bool_())]),
    "time_to_response": pa.schema([("person_id", pa.int64()), ("regimen", pa.string()), ("days", pa.int64()),
                                   ("event", pa.bool_())]),
}



class Step(Protocol):
    """Opens a progress bar of ``total`` units; the context yields the function that advances it."""

    def __call__(self, label: str, total: int) -> AbstractContextManager[Callable[[int], None]]: ...


def run(
    source: str | Path,
    *,
    engine: str = "duckdb",
    out: Path | None = None,
    profile: str = DEFAULT_PROFILE,
    plan_pass: bool = False,
    progress: bool = False,
    as_of: date | None = None,
    landmarks_months: Sequence[int] = LANDMARKS_MONTHS,
    workers: int | None = None,
) -> dict[str, Any]:
    """Run the cohort definitions over ``source`` and return the JSON summary; with ``out``, also write
    the tables (CSV and Parquet), figures (PNG and SVG), ``summary.json`` and ``report.html`` there.

    ``as_of`` None reads each patient's data to its end; the plan pass then plans each patient at the
    end of their cohort era. ``workers`` bounds the plan pass's processes (default: all cores).
    """
    from lncare.engine.profile import PROFILES

    if profile not in PROFILES:
        raise InputError("--profile", profile, f"is not a guideline profile (use {one_of(PROFILES)})")
    _check_landmarks(landmarks_months)
    bar = _Progress(progress)
    with bar, open_source(source, engine=engine) as con:
        from lncare.cohort.population import population_tables

        expressions = population_tables(con, profile=profile, landmarks_months=landmarks_months, as_of=as_of)
        tables = execute(expressions, bar.step)
        if plan_pass:
            from lncare.cohort.plan_pass import plan_gaps

            tables["plan_gaps"] = plan_gaps(con, tables["cohort"], as_of=as_of, profile=profile,
                                            engine=engine, workers=workers, step=bar.step)
    derived = {
        "response_rates": summaries.response_rates(tables["response"]),
        "quality_measures": summaries.quality_measures(tables["measures"]),
        "km_complete_response": summaries.km_curves(tables["time_to_response"]),
    }
    result = _summary(source, engine, profile, as_of, landmarks_months, tables, derived)
    if out is not None:
        result["outputs"] = _write(out, {**tables, **derived}, derived, result, bar.step)
    return result


def execute(expressions: Mapping[str, Any], step: Step | None = None) -> dict[str, pa.Table]:
    """Each population expression executed once, cast to :data:`TABLES` and sorted on all columns."""
    tables = {}
    bar = step("executing the cohort definitions", len(TABLES)) if step else nullcontext(_ignore)
    with bar as advance:
        for name, schema in TABLES.items():
            result = expressions[name].select(*schema.names).to_pyarrow()
            tables[name] = _sorted(result.cast(schema))
            advance(1)
    return tables


def _sorted(table: pa.Table) -> pa.Table:
    return table.sort_by([(name, "ascending") for name in table.column_names]).combine_chunks()


def _summary(
    source: str | Path, engine: str, profile: str, as_of: date | None, landmarks_months: Sequence[int],
    tables: dict[str, pa.Table], derived: dict[str, pa.Table],
) -> dict[str, Any]:
    cohort = tables["cohort"]
    subjects = cohort.group_by("cohort_definition_id").aggregate([("subject_id", "count_distinct")])
    flares = tables["flare"].group_by("kind").aggregate([("person_id", "count")]).sort_by("kind")
    result: dict[str, Any] = {
        "source": redact(source),
        "engine": engine,
        "profile": profile,
        "as_of": as_of.isoformat() if as_of else None,
        "landmarks_months": list(landmarks_months),
        "counts": {name: table.num_rows for name, table in tables.items()},
        "cohorts": sorted(
            ({"cohort_definition_id": d, "subjects": n} for d, n in zip(
                subjects["cohort_definition_id"].to_pylist(),
                subjects["subject_id_count_distinct"].to_pylist(), strict=True)),
            key=lambda c: c["cohort_definition_id"],
        ),
        "response_rates": derived["response_rates"].to_pylist(),
        "quality_measures": derived["quality_measures"].to_pylist(),
        "time_to_complete_response": summaries.km_read_outs(tables["time_to_response"], landmarks_months),
        "flares": dict(zip(flares["kind"].to_pylist(), flares["person_id_count"].to_pylist(), strict=True)),
    }
    if "plan_gaps" in tables:
        gaps = tables["plan_gaps"]
        per_gap = gaps.group_by("gap").aggregate([("person_id", "count_distinct")]).sort_by("gap")
        result["plan_pass"] = {
            "patients": len(tables["cohort"]["subject_id"].unique()),
            "patients_with_gaps": len(gaps["person_id"].unique()),
            "gaps": dict(zip(per_gap["gap"].to_pylist(), per_gap["person_id_count_distinct"].to_pylist(),
                             strict=True)),
        }
    return result


def _write(
    out: Path, tables: dict[str, pa.Table], derived: dict[str, pa.Table], result: dict[str, Any], step: Step,
) -> dict[str, Any]:
    from lncare.cohort.report import write_figures, write_html

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError("--out", str(out), f"is not a usable folder ({err.strerror})") from None
    folder = out / "tables"
    folder.mkdir(exist_ok=True)
    written: list[Path] = []
    with step("writing tables", len(tables)) as advance:
        for name, table in tables.items():
            pq.write_table(table, folder / f"{name}.parquet")
            pa_csv.write_csv(table, folder / f"{name}.csv")
            written += [folder / f"{name}.parquet", folder / f"{name}.csv"]
            advance(1)
    with step("drawing figures", 1) as advance:
        written += write_figures(derived, out / "figures")
        advance(1)
    names = sorted(p.relative_to(out).as_posix() for p in written)
    outputs: dict[str, Any] = {"tables": [n for n in names if n.startswith("tables/")],
                               "figures": [n for n in names if n.startswith("figures/")],
                               "summary": "summary.json", "report": "report.html"}
    result["outputs"] = outputs
    text = json.dumps(result, indent=2, ensure_ascii=False)
    (out / "summary.json").write_text(text + "\n", encoding="utf-8")
    write_html(result, derived, out / "figures", out / "report.html")
    return outputs


def _ignore(_done: int) -> None:
    """A progress callback that shows nothing."""


def _check_landmarks(landmarks_months: Sequence[int]) -> None:
    if not landmarks_months or any(not isinstance(m, int) or m <= 0 for m in landmarks_months):
        raise InputError("landmarks_months", list(landmarks_months),
                         "must be whole months above 0, e.g. 6, 12, 24")


class _Progress:
    """rich progress bars on stderr for the long steps, or nothing when progress is off."""

    def __init__(self, enabled: bool) -> None:
        self._bars: Any = None
        if enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bars = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                  TimeElapsedColumn(), console=Console(stderr=True))

    def __enter__(self) -> _Progress:
        if self._bars is not None:
            self._bars.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bars is not None:
            self._bars.__exit__(*exc)

    @contextmanager
    def step(self, label: str, total: int) -> Iterator[Callable[[int], None]]:
        if self._bars is None:
            yield lambda _n: None
            return
        task = self._bars.add_task(label, total=total)
        yield lambda n: self._bars.advance(task, n)
