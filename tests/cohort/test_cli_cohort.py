"""``lncare cohort synth|run`` through ``lncare.cli.main``: bad input is one line on stderr and exit 2;
a run prints the JSON summary and writes its outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lncare.cli import main


def cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as stop:
        code = int(stop.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(("args", "starts"), [
    (["cohort", "run", "nowhere.duckdb"], "error: SOURCE: 'nowhere.duckdb' does not exist"),
    (["cohort", "run", "README.md"], "error: SOURCE: 'README.md' is not a DuckDB file"),
    (["cohort", "run", "oracle://u:pw@h/omop"], "error: SOURCE: 'oracle://u:***@h/omop' is not a supported"),
    (["cohort", "run", "x.duckdb", "--engine", "polars"], "error: --engine: 'polars' is not an engine"),
    (["cohort", "run", "x.duckdb", "--profile", "who2030"], "error: --profile: 'who2030' is not a guideline"),
    (["cohort", "run", "x.duckdb", "--as-of", "27/11/2026"], "error: --as-of: '27/11/2026' is not a date"),
    (["cohort", "run", "x.duckdb", "--workers", "0"], "error: --workers: 0 must be at least 1"),
    (["cohort", "run", "sc://cluster:15002"], "error: SOURCE: 'sc://cluster:15002' is a Spark cluster URL"),
    (["cohort", "synth", "--patients", "0", "--out", "x.duckdb"], "error: --patients: 0 must be at least 1"),
    (["cohort", "synth", "--out", "x.duckdb"], "error: Missing option '--patients'"),
])
def test_bad_input_is_one_line_exit_2(
    args: list[str], starts: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(args, capsys)
    assert code == 2
    assert out == ""
    assert err.startswith(starts), err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_synth_then_run_json_with_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "small.duckdb"
    code, out, _ = cli(["cohort", "synth", "--patients", "150", "--out", str(db), "--seed", "3"], capsys)
    assert code == 0 and db.exists() and "150" in out

    report = tmp_path / "report"
    code, out, err = cli(["cohort", "run", str(db), "--out", str(report), "--json", "--plan-pass",
                          "--workers", "1"], capsys)
    assert code == 0, err
    result = json.loads(out)
    assert result["engine"] == "duckdb" and result["profile"] == "eular2023"
    assert result["counts"]["cohort"] > 0
    assert (report / "report.html").stat().st_size > 0
    assert (report / "tables" / "plan_gaps.csv").exists()
    plan = result["plan_pass"]
    assert 0 < plan["patients_with_gaps"] <= plan["patients"]

    code, text, _ = cli(["cohort", "run", str(db)], capsys)
    assert code == 0
    assert text.startswith(f"source {db} on duckdb, profile eular2023")
    assert "complete response" in text and "quality measures" in text
