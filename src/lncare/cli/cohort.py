"""``lncare cohort synth|run``: synthetic OMOP data and population analytics (DESIGN.md contract 3).

``run`` reads SOURCE (a DuckDB file, a Parquet folder, a ``postgresql://`` URL, or with ``--engine
spark`` also a ``spark://``/``sc://`` cluster URL; see :mod:`lncare.cohort.source`). A bad source,
engine, profile or date raises :class:`~lncare.errors.InputError`; ``lncare.cli.main`` prints it as one
line and exits with 2.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from lncare.errors import InputError

app = typer.Typer(help="Population analytics on OMOP CDM: synthetic cohorts and cohort runs.",
                  no_args_is_help=True)


@app.command("synth")
def synth(
    patients: Annotated[int, typer.Option("--patients", help="Number of synthetic patients.")],
    out: Annotated[Path, typer.Option("--out", help="DB.duckdb, or a folder for Parquet tables.")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same data).")] = 0,
) -> None:
    """Write a synthetic lupus nephritis population as OMOP CDM v5.4 tables."""
    from lncare.cohort.synth import write_synthetic

    if patients < 1:
        raise InputError("--patients", patients, "must be at least 1")
    written = write_synthetic(patients, out, seed=seed, progress=sys.stderr.isatty())
    typer.echo(f"wrote {patients:,} synthetic patients to {written}")


@app.command("run")
def run(
    source: Annotated[str, typer.Argument(help="DuckDB file, Parquet folder or database URL.")],
    engine: Annotated[str, typer.Option("--engine", help="duckdb (default) or spark.")] = "duckdb",
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for tables, figures, summary.json, report.html.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    profile: Annotated[
        str, typer.Option("--profile", help="Guideline profile: eular2023, kdigo2024 or acr2024.")
    ] = "eular2023",
    plan_pass: Annotated[
        bool, typer.Option("--plan-pass", help="Also plan every patient and list guideline gaps.")
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Date to read the data to, YYYY-MM-DD (default: end of each "
                                     "patient's data)."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Processes for the plan pass (default: all cores).")
    ] = None,
) -> None:
    """Cohort, response rates, quality measures and time to response of an OMOP source."""
    from lncare.cohort.run import run as run_cohort

    day = _date(as_of)
    if workers is not None and workers < 1:
        raise InputError("--workers", workers, "must be at least 1")
    result = run_cohort(source, engine=engine, out=out, profile=profile, plan_pass=plan_pass,
                        progress=sys.stderr.isatty(), as_of=day, workers=workers)
    if as_json:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        typer.echo("\n".join(summary_text(result, out)))


def summary_text(result: dict[str, Any], out: Path | None) -> list[str]:
    """The summary as a few lines a clinician or analyst reads at the terminal."""
    lines = [f"source {result['source']} on {result['engine']}, profile {result['profile']}"]
    lines += [f"cohort {c['cohort_definition_id']}: {c['subjects']:,} patients" for c in result["cohorts"]]
    lines.append("complete response (assessable patients, Wilson 95% CI):")
    for row in result["response_rates"]:
        rate = row["complete_rate"]
        shown = "-" if rate is None else (
            f"{rate:.1%} ({row['complete_ci_low']:.1%}-{row['complete_ci_high']:.1%})")
        lines.append(f"  {row['regimen']:<24} {row['landmark_months']:>3} mo  "
                     f"{row['complete']:>7,}/{row['assessable']:<7,} {shown}")
    lines.append("quality measures:")
    for row in result["quality_measures"]:
        rate = "-" if row["rate"] is None else f"{row['rate']:.1%}"
        lines.append(f"  {row['measure']:<40} {row['numerator']:>7,}/{row['denominator']:<7,} {rate}")
    if "plan_pass" in result:
        plan = result["plan_pass"]
        lines.append(f"plan pass: {plan['patients_with_gaps']:,} of {plan['patients']:,} patients with gaps")
    if out is not None:
        lines.append(f"outputs in {out} (report.html, summary.json, tables/, figures/)")
    return lines


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError("--as-of", text, "is not a date (use YYYY-MM-DD, e.g. 2026-11-27)") from None
