"""``cohort run`` on 1,000,000 synthetic patients on DuckDB, beside a plain DuckDB baseline (issue 8).

The baseline groups the same measurement rows per patient and concept, first and last value by date
(``arg_min``/``arg_max``), the query domain/scale.md section 5 times as task (c). Targets (issue 8): the
population metrics (the definitions executed and summarised) within 5x of the baseline's wall time, peak
memory under 8 GB. Each step runs in its own fresh process, so its peak RSS (``ru_maxrss``) is its own.
The per-patient plan pass is reported apart, in patients/s per core, on a sample of the cohort.

The synthetic DuckDB file is cached in ``benchmarks/.cache/`` (it takes minutes to generate); delete it
to regenerate. The per-table execution times name where the metrics spend their time.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PATIENTS = 1_000_000
SEED = 0
PLAN_SAMPLE = 20_000
RATIO_TARGET = 5.0  # issue 8: population metrics within 5x of the baseline
PEAK_TARGET_GB = 8.0  # issue 8
HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"

BASELINE_SQL = """
SELECT person_id, measurement_concept_id,
       arg_min(value_as_number, measurement_date) AS first_value,
       arg_max(value_as_number, measurement_date) AS last_value,
       count(*) AS n
FROM measurement
GROUP BY person_id, measurement_concept_id
"""


def run() -> dict[str, Any]:
    """Run the benchmark and return the result (``python -m benchmarks cohort`` writes it)."""
    db, generation = _synthetic(CACHE / f"omop-{PATIENTS}-seed{SEED}.duckdb")
    rows = _in_child(_count_measurements, db)["value"]
    baseline = _in_child(_baseline, db)
    metrics = _in_child(_metrics, db)
    full = _in_child(_full_run, db)
    plan = _in_child(_plan_pass, db)
    ratio = metrics["seconds"] / baseline["seconds"]
    peak_gb = max(metrics["peak_gb"], full["peak_gb"])
    result: dict[str, Any] = {
        "what": (f"lncare cohort run on {PATIENTS:,} synthetic patients ({rows:,} measurement rows) on "
                 "DuckDB; baseline: DuckDB grouping the same measurement rows per patient and concept, "
                 "first/last value by date (arg_min/arg_max); each step in a fresh process"),
        "generation": generation,
        "measurement_rows": rows,
        "baseline": baseline,
        "population_metrics": metrics,
        "full_run_with_outputs": full,
        "plan_pass": plan,
        "summary": {
            "baseline_seconds": baseline["seconds"],
            "metrics_seconds": metrics["seconds"],
            "metrics_over_baseline": round(ratio, 2),
            "full_run_seconds": full["seconds"],
            "patients_per_second": round(PATIENTS / metrics["seconds"]),
            "peak_gb": peak_gb,
            "plan_pass_patients_per_second_per_core": plan["patients_per_second_per_core"],
            "targets": f"metrics <= {RATIO_TARGET:g}x baseline, peak < {PEAK_TARGET_GB:g} GB",
            "targets_met": ratio <= RATIO_TARGET and peak_gb < PEAK_TARGET_GB,
        },
    }
    return result


def _synthetic(path: Path) -> tuple[Path, dict[str, Any]]:
    if path.exists():
        return path, {"cached": str(path.relative_to(HERE.parent))}
    from lncare.cohort.synth import write_synthetic

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.duckdb")
    partial.unlink(missing_ok=True)
    start = time.perf_counter()
    write_synthetic(PATIENTS, partial, seed=SEED, progress=True)
    partial.rename(path)  # only a complete file is ever cached
    seconds = round(time.perf_counter() - start, 1)
    return path, {"seconds": seconds, "cached": str(path.relative_to(HERE.parent))}


def _in_child(job: Callable[[Path], dict[str, Any]], db: Path) -> dict[str, Any]:
    """``job(db)`` in a fresh process, with its wall time and that process's peak RSS."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_measured, job, db).result()


def _measured(job: Callable[[Path], dict[str, Any]], db: Path) -> dict[str, Any]:
    start = time.perf_counter()
    out = job(db)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return {"seconds": round(seconds, 3), "peak_gb": round(peak_kb / 1024**2, 3), **out}


def _count_measurements(db: Path) -> dict[str, Any]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute("SELECT count(*) FROM measurement").fetchone()
    return {"value": int(row[0]) if row else 0}


def _baseline(db: Path) -> dict[str, Any]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        groups = con.execute(BASELINE_SQL).to_arrow_table().num_rows
    return {"groups": groups}


def _metrics(db: Path) -> dict[str, Any]:
    """The definitions executed (per-table times) and summarised, as run() does without writing."""
    from lncare.cohort import summary
    from lncare.cohort.population import population_tables
    from lncare.cohort.run import TABLES, execute
    from lncare.cohort.source import open_source

    marks: list[float] = []

    @contextmanager
    def timer(_label: str, _total: int) -> Any:
        marks.append(time.perf_counter())
        yield lambda _n: marks.append(time.perf_counter())

    with open_source(db) as con:
        tables = execute(population_tables(con), timer)
    start = time.perf_counter()
    summary.response_rates(tables["response"])
    summary.quality_measures(tables["measures"])
    summary.km_curves(tables["time_to_response"])
    per_table = {name: round(b - a, 3) for name, a, b in zip(TABLES, marks, marks[1:], strict=False)}
    return {"per_table_seconds": per_table, "summaries_seconds": round(time.perf_counter() - start, 3),
            "rows": {name: table.num_rows for name, table in tables.items()}}


def _full_run(db: Path) -> dict[str, Any]:
    from lncare.cohort.run import run

    with tempfile.TemporaryDirectory(prefix="lncare-bench-") as out:
        result = run(db, out=Path(out))
    return {"cohort_rows": result["counts"]["cohort"]}


def _plan_pass(db: Path) -> dict[str, Any]:
    """The plan pass on the first PLAN_SAMPLE cohort members, on one core and on all cores."""
    import pyarrow.compute as pc

    from lncare.cohort.plan_pass import plan_gaps
    from lncare.cohort.population import population_tables
    from lncare.cohort.source import open_source

    cores = os.cpu_count() or 1
    out: dict[str, Any] = {"sample": PLAN_SAMPLE, "cores": cores}
    with open_source(db) as con:
        cohort = population_tables(con)["cohort"].to_pyarrow()
        subjects = pc.unique(cohort["subject_id"]).sort()[:PLAN_SAMPLE]
        sample = cohort.filter(pc.is_in(cohort["subject_id"], subjects))
        for workers in sorted({1, cores}):
            start = time.perf_counter()
            gaps = plan_gaps(con, sample, as_of=None, profile="eular2023", workers=workers)
            seconds = time.perf_counter() - start
            out[f"workers_{workers}"] = {"seconds": round(seconds, 2), "gap_rows": gaps.num_rows,
                                         "patients_per_second": round(len(subjects) / seconds, 1)}
    out["patients_per_second_per_core"] = out["workers_1"]["patients_per_second"]
    return out
