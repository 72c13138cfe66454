"""``lncare kb``: the acceptance checks of the knowledge-base issue, run through the real command line."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lncare.cli import main

REPO = Path(__file__).resolve().parents[2]
DOMAIN = Path(os.environ.get("LNCARE_SHARED_DOMAIN", REPO.parent / "shared" / "domain"))
CSV_PATH = DOMAIN / "trials.csv"

# trials.md index number -> trial id (the fixed ids of the knowledge-base issue).
SEED_INDEX = {
    1: "bandhan-2022-prednisolone-dose",
    2: "hcq-reduced-vs-full-dose-2021",
    3: "pedrosa-2021-hcq-obesity",
    4: "gheet-2023-pediatric-hcq",
    5: "you-2024-mmf-new-onset-sle",
    6: "win-lupus",
    7: "zheng-2022-tacrolimus-vs-ivcy",
    8: "mok-2020-mmf-vs-tacrolimus-10y",
    9: "tac-mmf-vs-cyc-mmf-2020",
    10: "aura-lv",
    11: "aurora-1",
    12: "aurora-1-high-proteinuria",
    13: "aurora-2",
    14: "fu-2022-leflunomide-vs-azathioprine",
    15: "explorer",
    16: "lunar",
    17: "calibrate",
    18: "nobility",
    19: "nobility-kidney-outcomes",
    20: "regency",
    21: "bliss-ln",
    22: "bliss-ln-ole",
    23: "bliss-ln-kidney-function",
    24: "bliss-ln-new-vs-relapsed",
    25: "bliss-ln-east-asia",
    26: "gomez-belimumab-antimalarials",
    27: "belimumab-mmf-remission",
    28: "telitacicept-ln-24w",
    29: "telitacicept-ln-multicentre",
    30: "fan-2024-telitacicept-vs-belimumab",
    31: "feng-2025-telitacicept-vs-belimumab",
    32: "wang-2022-dapagliflozin-sle",
    33: "dapagliflozin-sle-pilot-2",
    34: "bi-655064-ln",
    35: "tulip-ln",
    36: "tulip-ln-year-2",
    37: "roccatello-2023-daratumumab",
    38: "filgotinib-lanraplenib-membranous",
    39: "zanubrutinib-ln",
    40: "schett-2021-cd19-car-t-case",
    41: "mackensen-2022-cd19-car-t",
    42: "muller-2024-cd19-car-t",
    43: "tur-2024-lymph-node-car-t",
    44: "krickau-2024-car-t-dialysis",
    45: "bcma-cd19-ccar-t-sle",
    46: "allogeneic-cd19-car-t",
    47: "alexander-2024-teclistamab",
    48: "vision-dmd-vamorolone",
}


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as done:
        code = int(done.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _seed_statuses() -> dict[str, str]:
    statuses = {}
    for line in (DOMAIN / "trials.md").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\| (\d+) \| .* \| (yes|partial|no)\b", line)
        if match:
            statuses[SEED_INDEX[int(match[1])]] = match[2]
    return statuses


def test_trials_json_lists_every_study_of_the_seed_digest_with_its_status(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(capsys, "kb", "trials", "--json")
    assert code == 0
    listed = {row["id"]: row["verified"] for row in json.loads(out)}
    expected = _seed_statuses()
    assert len(expected) == 48
    assert {trial: listed.get(trial) for trial in expected} == expected


def test_show_bliss_ln_gives_perr_and_crr_exactly_as_trials_csv(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "kb", "show", "bliss-ln", "--json")
    assert code == 0
    endpoints = {e["id"]: e for e in json.loads(out)["endpoints"]}
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        rows = {row["trial"]: row for row in csv.DictReader(handle)}
    for endpoint_id, row_name in (("perr-104w", "BLISS-LN"), ("crr-104w", "BLISS-LN - CRR")):
        row, effect = rows[row_name], endpoints[endpoint_id]["effect"]
        assert effect["type"] == row["effect_type"] == "OR"
        assert (effect["value"], effect["ci_low"], effect["ci_high"]) == (
            float(row["effect"]),
            float(row["ci_low"]),
            float(row["ci_high"]),
        )
        assert endpoints[endpoint_id]["p"] == float(row["p_value"])
        percents = [r["percent"] for r in endpoints[endpoint_id]["results"]]
        assert percents == [float(row["pct_treat"]), float(row["pct_control"])]


def test_trials_filtered_by_drug_name_and_phase(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "kb", "trials", "--drug", "voclosporin", "--phase", "3", "--json")
    assert code == 0
    assert [row["id"] for row in json.loads(out)] == ["aurora-1", "aurora-2"]


def test_therapies_by_target_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "kb", "therapies", "--target", "CD20", "--json")
    assert code == 0
    assert {row["id"] for row in json.loads(out)} >= {"rituximab", "obinutuzumab"}


def test_show_prints_a_readable_page(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "kb", "show", "tulip-ln")
    assert code == 0
    assert "TULIP-LN" in out and "phase II" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("kb", "trials", "--drug", "belimumb"),
            "error: --drug: 'belimumb' is not a known therapy name (did you mean belimumab?)",
        ),
        (("kb", "trials", "--phase", "5"), "error: --phase: '5' is not a known phase (use 1, 2, 3 or 4)"),
        (
            ("kb", "statements", "--guideline", "kdigo2023"),
            "error: --guideline: 'kdigo2023' is not a known guideline (did you mean kdigo2024",
        ),
        (
            ("kb", "show", "blissln"),
            "error: ID: 'blissln' is not a therapy, trial, statement, definition or "
            "reference id (did you mean bliss-ln",
        ),
        (
            ("kb", "show", "allogeneic-cd19-car-t"),
            "error: ID: 'allogeneic-cd19-car-t' names several items; use "
            "therapy:allogeneic-cd19-car-t or trial:allogeneic-cd19-car-t",
        ),
        (("kb", "export", "--out", "x"), "error: --fhir: None is required"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    code, _out, err = _run(capsys, *args)
    assert code == 2
    assert err.startswith(message)
    assert err.count("\n") == 1 and "Traceback" not in err


def test_show_with_a_kind_prefix(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "kb", "show", "trial:allogeneic-cd19-car-t", "--json")
    assert code == 0
    assert json.loads(out)["study_type"] == "case-series"


def test_version_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "kb", "version", "--json")
    assert code == 0
    assert set(json.loads(out)) == {"version", "released"}


def test_command_line_works_in_a_fresh_process() -> None:
    code = "from lncare.cli import main; main(['kb', 'trials', '--verified', 'no', '--json'])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=REPO)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert rows and all(row["verified"] == "no" for row in rows)


def test_lncare_version_names_the_knowledge_content(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--version")
    assert code == 0
    kb_yaml = (REPO / "src" / "lncare" / "knowledge" / "data" / "kb.yaml").read_text(encoding="utf-8")
    version = re.search(r"^version: (\S+)$", kb_yaml, re.M)
    assert version is not None and f"knowledge base {version[1]}" in out
