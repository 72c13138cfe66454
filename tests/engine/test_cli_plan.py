"""``lncare recommend`` / ``lncare assess`` and the Python API ``lncare.recommend`` / ``lncare.assess``."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import lncare
from lncare.cli import main
from lncare.cli.plan import compare_text, differences, plan_text
from lncare.model import load_patient
from lncare.model.plan import (
    Assessment,
    Dose,
    Exclusion,
    MonitoringItem,
    Plan,
    Recommendation,
    RenalResponse,
    Warning,
)

ROOT = Path(__file__).resolve().parents[2]
P01 = ROOT / "examples" / "p01-class-iv-new.json"
AS_OF = "2026-11-27"
CONTRACT_2_KEYS = {"patient_id", "as_of", "guideline", "assessment", "recommendations", "warnings",
                   "monitoring", "options"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def test_recommend_prints_a_text_plan(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "recommend", str(P01), "--as-of", AS_OF, "--guideline", "kdigo2024")
    assert code == 0 and not err
    assert out.startswith(f"Plan for p01 on {AS_OF} (guideline kdigo2024")
    assert "Assessment" in out and "Recommendations" in out


def test_recommend_json_is_contract_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "recommend", str(P01), "--as-of", AS_OF, "--json")
    plan = json.loads(out)
    assert code == 0 and plan.keys() >= CONTRACT_2_KEYS
    assert plan["patient_id"] == "p01" and plan["as_of"] == AS_OF and plan["guideline"] == "eular2023"
    assert Plan.model_validate(plan).model_dump(mode="json") == plan


def test_recommend_compare_json_holds_each_profile_and_the_differences(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "recommend", str(P01), "--as-of", AS_OF, "--compare", "--json")
    result = json.loads(out)
    assert code == 0
    assert set(result) == {"eular2023", "kdigo2024", "acr2024", "differences"}
    assert all(result[name]["guideline"] == name for name in ("eular2023", "kdigo2024", "acr2024"))
    for difference in result["differences"]:
        assert len(set(map(json.dumps, difference["plans"].values()))) > 1


def test_recommend_compare_text_names_the_three_profiles(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "recommend", str(P01), "--as-of", AS_OF, "--compare")
    assert code == 0
    header = next(line for line in out.splitlines() if "eular2023" in line)
    assert header.index("eular2023") < header.index("kdigo2024") < header.index("acr2024")


def test_assess_prints_the_assessment(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "assess", str(P01), "--as-of", AS_OF, "--json")
    assessment = json.loads(out)
    assert code == 0 and {"phase", "renal_response", "missing"} <= assessment.keys()
    code, out, _ = run(capsys, "assess", str(P01), "--as-of", AS_OF)
    assert code == 0 and out.startswith(f"Assessment on {AS_OF}") and "phase:" in out


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["recommend", str(P01), "--as-of", "27/11/2026"], "--as-of"),
        (["recommend", str(P01), "--as-of", AS_OF, "--guideline", "eular2019"], "--guideline"),
        (["assess", str(P01), "--as-of", AS_OF, "--guideline", "nice"], "--guideline"),
        (["recommend", "no-such-patient.json", "--as-of", AS_OF], "no-such-patient.json"),
        (["recommend", str(P01), "--as-of", "2026-11-01"], "is after the as-of date"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], names: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and not out
    assert len(err.strip().splitlines()) == 1 and names in err and "Traceback" not in err


def test_a_record_with_a_wrong_unit_names_the_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    record = json.loads(P01.read_text(encoding="utf-8"))
    record["labs"][0]["unit"] = "mmol/L"  # creatinine is mg/dL or umol/L
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(record), encoding="utf-8")
    code, _, err = run(capsys, "recommend", str(bad), "--as-of", AS_OF)
    assert code == 2 and "labs[0].unit" in err and len(err.strip().splitlines()) == 1


# --- text layout, on a plan built here so that every section is present ----------------------------

CITE = "kdigo2024-rec-10.2.1.1"


def _line(drug: str, category: Any, action: Any, **extra: Any) -> Recommendation:
    return Recommendation(id=f"{drug}-{action}", category=category, action=action, drug=drug,
                          strength="recommended", text=f"{action} {drug}", cites=(CITE,), **extra)


def _plan(guideline: str, *lines: Recommendation, **extra: Any) -> Plan:
    assessment = Assessment(phase="untreated", weeks_on_treatment=None, induction_start=None,
                            renal_response=RenalResponse(status="not_assessable", reason="no treatment yet"))
    return Plan(patient_id="p-x", as_of=date(2026, 11, 27), guideline=guideline, knowledge_version="test",
                assessment=assessment, recommendations=lines, **extra)


HCQ = _line("hydroxychloroquine", "antimalarial", "start",
            dose=Dose(amount=300, unit="mg", frequency="daily", route="oral",
                      basis="<= 5 mg/kg/day of actual body weight (62 kg)"),
            because={"weight_kg": 62.0})
MMF = _line("mycophenolate mofetil", "induction", "start")


def test_text_puts_warnings_first_and_groups_by_category() -> None:
    plan = _plan(
        "eular2023", HCQ, MMF,
        warnings=(Warning(code="pregnancy", severity="critical", message="Pregnant: no teratogens"),
                  Warning(code="bp", severity="info", message="BP above target")),
        monitoring=(MonitoringItem(test="upcr", every_weeks=4),),
        excluded=(Exclusion(drug="cyclophosphamide", reason="teratogenic"),),
    )
    text = plan_text(plan)
    joined = "\n".join(text)
    assert text.index("Warnings") < text.index("Assessment") < text.index("Recommendations")
    assert joined.index("CRITICAL") < joined.index("INFO")
    assert joined.index("Induction") < joined.index("Antimalarial")  # what to start first, first
    assert "START    hydroxychloroquine 300 mg daily oral [recommended]" in joined
    assert "dose: <= 5 mg/kg/day of actual body weight (62 kg)" in joined
    assert f"cites: {CITE}" in joined and "because: weight kg 62" in joined
    assert "upcr               every 4 weeks" in joined
    assert "cyclophosphamide: teratogenic" in joined


def test_compare_marks_only_rows_that_differ() -> None:
    plans = {"eular2023": _plan("eular2023", HCQ, MMF), "kdigo2024": _plan("kdigo2024", HCQ),
             "acr2024": _plan("acr2024", HCQ, MMF)}
    text = compare_text(plans)
    hcq = next(line for line in text if "hydroxychloroquine" in line)
    mmf = next(line for line in text if "mycophenolate" in line)
    assert hcq.startswith("    hydroxychloroquine") and hcq.count("start 300 mg daily") == 3
    assert mmf.startswith("  * mycophenolate mofetil") and mmf.split()[3:] == ["start", "-", "start"]
    found = differences(plans)
    assert [(d["section"], d["item"]) for d in found] == [("induction", "mycophenolate mofetil")]
    assert found[0]["plans"] == {"eular2023": "start", "kdigo2024": None, "acr2024": "start"}


# --- the Python API (contract 3) --------------------------------------------------------------------


def test_api_accepts_a_path_a_dict_and_a_model() -> None:
    record = json.loads(P01.read_text(encoding="utf-8"))
    day = date(2026, 11, 27)
    by_path = lncare.recommend(P01, as_of=day, guideline="kdigo2024")
    by_dict = lncare.recommend(record, as_of=day, guideline="kdigo2024")
    by_model = lncare.recommend(load_patient(record), as_of=day, guideline="kdigo2024")
    assert by_path == by_dict == by_model and by_path.guideline == "kdigo2024"
    assert lncare.assess(record, as_of=day) == lncare.recommend(record, as_of=day).assessment


def test_api_default_guideline_is_the_engines() -> None:
    from lncare.engine.profile import DEFAULT_PROFILE

    assert lncare.DEFAULT_GUIDELINE == DEFAULT_PROFILE


def test_import_lncare_does_not_load_the_engine() -> None:
    probe = "import sys, lncare; print(sorted(m for m in sys.modules if m.startswith('lncare.')))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(loaded.stdout.replace("'", '"')) == []
