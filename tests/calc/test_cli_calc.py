"""``lncare calc egfr|bsa|ibw|convert``: output shape, CSV batches, and one-line errors with exit 2."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from lncare.cli import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    code, out, err = run([*args, "--json"], capsys)
    assert code == 0, err
    payload = json.loads(out)
    assert isinstance(payload, dict)
    return payload


# ---- eGFR, one patient --------------------------------------------------------------------------


def test_egfr_json_shape_and_value(capsys: pytest.CaptureFixture[str]) -> None:
    # NKF online calculator (via pharmaverse/admiral tests): 1.09 mg/dL, 55 y, male -> 80.
    payload = run_json(["calc", "egfr", "--age", "55", "--sex", "male", "--creatinine", "1.09"], capsys)
    assert set(payload) == {"egfr", "unit", "equation", "ckd_stage", "reason", "inputs"}
    assert round(payload["egfr"]) == 80  # type: ignore[call-overload]
    assert payload["unit"] == "mL/min/1.73m2"
    assert payload["equation"] == "ckd-epi-2021-cr"
    assert payload["ckd_stage"] == "G2"
    assert payload["inputs"] == {"age": 55.0, "sex": "male", "creatinine": 1.09, "creatinine_unit": "mg/dL",
                                 "cystatin_c": None, "height_cm": None}


def test_egfr_umol_per_litre(capsys: pytest.CaptureFixture[str]) -> None:
    # NKF: 85 umol/L, 65 y, female -> 66.
    payload = run_json(["calc", "egfr", "--age", "65", "--sex", "female", "--creatinine", "85",
                        "--creatinine-unit", "umol/L"], capsys)
    assert round(payload["egfr"]) == 66  # type: ignore[call-overload]


def test_egfr_explicit_equation(capsys: pytest.CaptureFixture[str]) -> None:
    # Official CKiD calculator: male, 11 y, 1.2 m, Scr 0.9, CysC 1.3 -> 51.6 / 64.2 / 57.9.
    base = ["calc", "egfr", "--age", "11", "--sex", "male", "--creatinine", "0.9", "--cystatin-c", "1.3",
            "--height-cm", "120"]
    for equation, expected in (("ckid-u25-cr", 51.6), ("ckid-u25-cys", 64.2), ("ckid-u25-avg", 57.9)):
        payload = run_json([*base, "--equation", equation], capsys)
        assert payload["egfr"] == expected
        assert payload["equation"] == equation
    assert run_json(base, capsys)["equation"] == "ckid-u25-avg"


def test_egfr_text_is_one_readable_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["calc", "egfr", "--age", "60", "--sex", "female", "--creatinine", "0.9",
                        "--cystatin-c", "0.8"], capsys)
    assert code == 0
    assert out.count("\n") == 1
    # calculators.md 1b worked value 89.6937, reported as 90 and so staged G1 (ckd_stage's rule).
    assert out.startswith("eGFR 89.7 mL/min/1.73m2 (CKD-EPI 2021 creatinine-cystatin C; KDIGO G1)")


# ---- eGFR, a CSV of patients --------------------------------------------------------------------

PATIENTS = [
    {"id": "a", "age": "55", "sex": "male", "creatinine": "1.09", "creatinine_unit": "", "cystatin_c": "",
     "height_cm": "", "note": "kept, as is"},
    {"id": "b", "age": "65", "sex": "female", "creatinine": "85", "creatinine_unit": "umol/L",
     "cystatin_c": "", "height_cm": "", "note": ""},
    {"id": "c", "age": "11", "sex": "male", "creatinine": "0.9", "creatinine_unit": "", "cystatin_c": "",
     "height_cm": "120", "note": "child"},
]


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_egfr_csv_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _write(tmp_path / "patients.csv", PATIENTS)
    code, out, err = run(["calc", "egfr", "--csv", str(source)], capsys)
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == [*PATIENTS[0], "egfr", "egfr_equation"]
    for row, patient in zip(rows, PATIENTS, strict=True):
        assert {key: row[key] for key in patient} == patient
    assert [round(float(row["egfr"])) for row in rows[:2]] == [80, 66]  # NKF values
    assert float(rows[2]["egfr"]) == 51.6  # CKiD official calculator
    assert [row["egfr_equation"] for row in rows] == ["ckd-epi-2021-cr", "ckd-epi-2021-cr", "ckid-u25-cr"]


def test_egfr_csv_to_file_with_equation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _write(tmp_path / "adults.csv", PATIENTS[:2])
    target = tmp_path / "out.csv"
    code, out, err = run(["calc", "egfr", "--csv", str(source), "--out", str(target),
                          "--equation", "ckd-epi-2021-cr"], capsys)
    assert (code, out) == (0, ""), err
    rows = list(csv.DictReader(target.open()))
    assert [row["egfr_equation"] for row in rows] == ["ckd-epi-2021-cr"] * 2


def test_egfr_csv_large_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _write(tmp_path / "many.csv", [PATIENTS[0]] * 1500)
    target = tmp_path / "out.csv"
    code, _, err = run(["calc", "egfr", "--csv", str(source), "--out", str(target)], capsys)
    assert code == 0, err
    rows = list(csv.DictReader(target.open()))
    assert len(rows) == 1500 and {round(float(row["egfr"])) for row in rows} == {80}


@pytest.mark.parametrize(
    ("change", "row", "column"),
    [
        ({"age": "abc"}, 3, "age"),
        ({"age": ""}, 3, "age"),
        ({"sex": "x"}, 3, "sex"),
        ({"creatinine": "3000"}, 3, "creatinine"),
        ({"creatinine_unit": "mmol/L"}, 3, "creatinine_unit"),
    ],
)
def test_egfr_csv_bad_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, str], row: int, column: str
) -> None:
    rows = [PATIENTS[0], {**PATIENTS[1], **change}, PATIENTS[2]]
    source = _write(tmp_path / "bad.csv", rows)
    target = tmp_path / "out.csv"
    code, _, err = run(["calc", "egfr", "--csv", str(source), "--out", str(target)], capsys)
    assert code == 2
    assert err.count("\n") == 1
    assert f"row {row}, column {column}" in err
    assert not target.exists()  # nothing half-written


def test_egfr_csv_child_without_height(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _write(tmp_path / "bad.csv", [{**PATIENTS[2], "height_cm": ""}])
    code, _, err = run(["calc", "egfr", "--csv", str(source)], capsys)
    assert code == 2 and "row 2, column height_cm" in err


def test_egfr_csv_missing_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _write(tmp_path / "bad.csv", [{"age": "50", "creatinine": "1.0"}])
    code, _, err = run(["calc", "egfr", "--csv", str(source)], capsys)
    assert code == 2 and err.startswith("error: --csv:") and "'sex'" in err


# ---- body size and conversion -------------------------------------------------------------------


def test_bsa(capsys: pytest.CaptureFixture[str]) -> None:
    # admiral test expressions: 170 cm, 75 kg -> Mosteller 1.88193, DuBois 1.864.
    payload = run_json(["calc", "bsa", "--height-cm", "170", "--weight-kg", "75"], capsys)
    assert payload == {"bsa": 1.88, "unit": "m2", "formula": "mosteller", "height_cm": 170.0,
                       "weight_kg": 75.0}
    dubois = run_json(["calc", "bsa", "--height-cm", "170", "--weight-kg", "75", "--formula", "dubois"],
                      capsys)
    assert dubois["bsa"] == 1.86


def test_ibw(capsys: pytest.CaptureFixture[str]) -> None:
    # MedCalc-Bench: female 160 cm, 78 kg -> IBW 52.38, adjusted 62.63; BMI 78 / 1.6^2 = 30.47.
    payload = run_json(["calc", "ibw", "--sex", "female", "--height-cm", "160", "--weight-kg", "78"], capsys)
    assert payload == {"ideal_body_weight": 52.4, "unit": "kg", "sex": "female", "height_cm": 160.0,
                       "weight_kg": 78.0, "adjusted_body_weight": 62.6, "adjustment_factor": 0.4, "bmi": 30.5}
    alone = run_json(["calc", "ibw", "--sex", "male", "--height-cm", "152.4"], capsys)
    assert alone == {"ideal_body_weight": 50.0, "unit": "kg", "sex": "male", "height_cm": 152.4}


def test_convert(capsys: pytest.CaptureFixture[str]) -> None:
    # UPCR: mg/mmol = mg/g x 0.11312 (1 mmol creatinine = 113.12 mg).
    payload = run_json(["calc", "convert", "--test", "upcr", "--value", "300", "--from", "mg/g",
                        "--to", "mg/mmol"], capsys)
    assert payload == {"test": "upcr", "value": 300.0, "from": "mg/g", "to": "mg/mmol", "result": 33.936}
    code, out, _ = run(["calc", "convert", "--test", "creatinine", "--value", "1.1", "--from", "mg/dL",
                        "--to", "umol/L"], capsys)
    assert code == 0 and out == "1.1 mg/dL = 97.24 umol/L (creatinine)\n"


# ---- bad input: exit 2, one line on stderr naming the option ------------------------------------

EGFR = ["calc", "egfr", "--age", "50", "--sex", "female", "--creatinine", "1.0"]


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["calc", "egfr", "--sex", "female", "--creatinine", "1.0"], "--age"),
        ([*EGFR[:3], "fifty", *EGFR[4:]], "--age"),
        ([*EGFR[:5], "woman", *EGFR[6:]], "--sex"),
        ([*EGFR, "--creatinine-unit", "mmol/L"], "--creatinine-unit"),
        ([*EGFR[:7], "100"], "--creatinine"),
        ([*EGFR[:7], "1,0"], "--creatinine"),
        ([*EGFR, "--cystatin-c", "50"], "--cystatin-c"),
        ([*EGFR, "--equation", "mdrd"], "--equation"),
        (["calc", "egfr", "--age", "17", "--sex", "female", "--creatinine", "1.0", "--equation",
          "ckd-epi-2021-cr"], "--age"),
        (["calc", "egfr", "--age", "10", "--sex", "female", "--creatinine", "0.6"], "--height-cm"),
        (["calc", "egfr", "--age", "50", "--sex", "female"], "--creatinine"),
        ([*EGFR, "--out", "x.csv"], "--out"),
        (["calc", "egfr", "--csv", "no-such-file.csv"], "--csv"),
        (["calc", "egfr", "--csv", "x.csv", "--age", "50"], "--age"),
        (["calc", "bsa", "--height-cm", "170"], "--weight-kg"),
        (["calc", "bsa", "--height-cm", "500", "--weight-kg", "70"], "--height-cm"),
        (["calc", "bsa", "--height-cm", "170", "--weight-kg", "70", "--formula", "boyd"], "--formula"),
        (["calc", "ibw", "--height-cm", "170"], "--sex"),
        (["calc", "ibw", "--sex", "male"], "--height-cm"),
        (["calc", "ibw", "--sex", "male", "--height-cm", "170", "--weight-kg", "0.5"], "--weight-kg"),
        (["calc", "ibw", "--sex", "male", "--height-cm", "170", "--weight-kg", "90", "--factor", "2"],
         "--factor"),
        (["calc", "convert", "--test", "urea", "--value", "5", "--from", "mmol/L", "--to", "mg/dL"],
         "--test"),
        (["calc", "convert", "--test", "upcr", "--value", "5", "--from", "g/L", "--to", "g/g"], "--from"),
        (["calc", "convert", "--test", "upcr", "--value", "5", "--from", "g/g", "--to", "g/L"], "--to"),
        (["calc", "convert", "--test", "upcr", "--from", "g/g", "--to", "mg/g"], "--value"),
        (["calc", "convert", "--test", "upcr", "--value", "-5", "--from", "g/g", "--to", "mg/g"], "--value"),
    ],
)
def test_bad_input(args: list[str], option: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(args, capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"error: {option}:")


def test_installed_script_has_no_traceback() -> None:
    script = Path(sys.executable).with_name("lncare")
    done = subprocess.run([str(script), *EGFR[:3], "fifty", *EGFR[4:]], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 2
    assert done.stderr == "error: --age: 'fifty' is not a number\n"
