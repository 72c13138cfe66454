"""``lncare patient check|schema``: a summary on good input; exit 2 and one line naming the field on bad."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lncare.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GOOD = {"id": "c-1", "sex": "female", "birth_date": "1994-03-02", "weight_kg": 62.0,
        "labs": [{"test": "creatinine", "value": 97, "unit": "umol/L", "date": "2026-09-18"}]}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 0), out, err


def write(tmp_path: Path, data: Any) -> str:
    path = tmp_path / "patient.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def test_check_prints_a_readable_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "patient", "check", str(EXAMPLES / "p03-class-iii-induction.json"),
                       "--as-of", "2026-11-27")
    assert code == 0
    assert "41 years on 2026-11-27" in out  # born 1985-01-23
    assert "class III" in out
    assert "mycophenolate mofetil 1000 mg bid" in out
    assert "prednisone 7.5 mg daily" in out and "prednisone 30 mg" not in out  # ended taper steps hidden


def test_check_shows_canonical_and_original_values(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "patient", "check", write(tmp_path, GOOD), "--as-of", "2026-11-27")
    assert code == 0
    line = next(line for line in out.splitlines() if "creatinine" in line)
    assert "1.097 mg/dL" in line and "(97 umol/L, 2026-09-18)" in line  # 97 / 88.4


def test_check_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "patient", "check", write(tmp_path, GOOD), "--as-of", "2026-11-27", "--json")
    assert code == 0
    facts = json.loads(out)
    assert facts["age"] == 32
    assert facts["latest_labs"]["creatinine"]["canonical_unit"] == "mg/dL"
    assert facts["latest_labs"]["creatinine"]["value"] == 97
    assert facts["patient"]["id"] == "c-1"


def test_check_reports_notices(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    twice = dict(GOOD, labs=GOOD["labs"] * 2)
    code, out, _ = run(capsys, "patient", "check", write(tmp_path, twice), "--as-of", "2026-11-27")
    assert code == 0 and "labs[1] repeats labs[0]" in out


def test_schema_to_stdout_and_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "patient", "schema")
    assert code == 0
    assert out == (Path(__file__).resolve().parents[2] / "docs" / "patient.schema.json").read_text()
    target = tmp_path / "schema.json"
    code, _, _ = run(capsys, "patient", "schema", "--out", str(target))
    assert code == 0 and target.read_text() == out


BAD: list[tuple[str, Any, str]] = [
    ("malformed JSON", '{"id": "x",\n "sex": "female"\n "age": 3}', ":3:2"),
    ("unknown field value", dict(GOOD, sex="f"), "sex: 'f'"),
    ("missing required field", {k: v for k, v in GOOD.items() if k != "sex"}, "sex:"),
    ("unknown unit", dict(GOOD, labs=[dict(GOOD["labs"][0], unit="mmol/L")]), "labs[0].unit: 'mmol/L'"),
    ("creatinine 40 mg/dL", dict(GOOD, labs=[dict(GOOD["labs"][0], value=40, unit="mg/dL")]),
     "labs[0].value: 40"),
    ("weight 500 kg", dict(GOOD, weight_kg=500), "weight_kg: 500"),
    ("unknown top-level key", dict(GOOD, weight=62), "weight: 62"),
    ("FHIR bundle without a Patient", {"resourceType": "Bundle", "entry": []}, "Bundle.entry"),
    ("lab from the future", dict(GOOD, labs=[dict(GOOD["labs"][0], date="2026-12-01")]), "labs[0].date"),
]


@pytest.mark.parametrize(("case", "data", "named"), BAD, ids=[case for case, _, _ in BAD])
def test_bad_input_exits_2_with_one_line_naming_the_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str, data: Any, named: str
) -> None:
    code, out, err = run(capsys, "patient", "check", write(tmp_path, data), "--as-of", "2026-11-27")
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert named in err


def test_bad_as_of_and_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "patient", "check", write(tmp_path, GOOD), "--as-of", "27/11/2026")
    assert code == 2 and "--as-of: '27/11/2026'" in err
    code, _, err = run(capsys, "patient", "check", str(tmp_path / "none.json"))
    assert code == 2 and err.startswith("error: file:")
