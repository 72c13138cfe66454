"""``lncare calc sledai2k|eular-acr-2019|nih-indices|isn-rps`` through the real entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lncare.cli import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> Any:
    code, out, err = run([*args, "--json"], capsys)
    assert (code, err) == (0, "")
    return json.loads(out)


def assert_one_line_error(result: tuple[int, str, str], option: str) -> str:
    code, out, err = result
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(f"error: {option}")
    assert "Traceback" not in err
    return err


# --- sledai2k ---------------------------------------------------------------------------------------


def test_sledai2k_json(capsys: pytest.CaptureFixture[str]) -> None:
    # Vector S03: arthritis (4) + low complement (2) + increased DNA binding (2) = 8.
    payload = run_json(
        ["calc", "sledai2k", "--items", "arthritis,low_complement,increased_dna_binding"], capsys
    )
    assert payload["score"] == 8
    assert [item["name"] for item in payload["items"]] == [
        "arthritis",
        "low_complement",
        "increased_dna_binding",
    ]
    assert payload["window_days"] == 10


def test_sledai2k_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["calc", "sledai2k", "--items", "urinary_casts, hematuria,proteinuria,pyuria"], capsys)
    assert code == 0
    assert out.startswith("SLEDAI-2K: 16 ")


def test_sledai2k_none_present(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_json(["calc", "sledai2k", "--items", ""], capsys)["score"] == 0


def test_sledai2k_unknown_item(capsys: pytest.CaptureFixture[str]) -> None:
    err = assert_one_line_error(
        run(["calc", "sledai2k", "--items", "arthritis,nephritis"], capsys), "--items"
    )
    assert "'nephritis'" in err and "seizure" in err and "leukopenia" in err


def test_sledai2k_missing_items(capsys: pytest.CaptureFixture[str]) -> None:
    assert_one_line_error(run(["calc", "sledai2k"], capsys), "--items")


# --- eular-acr-2019 -----------------------------------------------------------------------------------


def test_eular_acr_json(capsys: pytest.CaptureFixture[str]) -> None:
    # Vector E06: proteinuria (4) is outweighed by class II/V LN (8); + low C3 or C4 (3) = 11.
    args = [
        "calc",
        "eular-acr-2019",
        "--ana-positive",
        "--criteria",
        "proteinuria_gt_0_5g_24h,ln_class_ii_or_v,low_c3_or_low_c4",
    ]
    payload = run_json(args, capsys)
    assert (payload["score"], payload["classified"], payload["entry_criterion_met"]) == (11, True, True)
    assert payload["counted"]["renal"]["name"] == "ln_class_ii_or_v"
    assert payload["not_counted"] == ["proteinuria_gt_0_5g_24h"]


def test_eular_acr_without_ana(capsys: pytest.CaptureFixture[str]) -> None:
    payload = run_json(
        ["calc", "eular-acr-2019", "--ana-negative", "--criteria", "ln_class_iii_or_iv"], capsys
    )
    assert (payload["score"], payload["classified"], payload["entry_criterion_met"]) == (None, False, False)


def test_eular_acr_text_explains(capsys: pytest.CaptureFixture[str]) -> None:
    # Vector E03: 12 immunological points but no clinical criterion.
    criteria = "anti_dsdna,low_c3_and_low_c4,antiphospholipid_antibodies"
    code, out, _ = run(["calc", "eular-acr-2019", "--ana-positive", "--criteria", criteria], capsys)
    assert code == 0
    assert out.startswith("EULAR/ACR 2019: 12 points but no clinical criterion")


def test_eular_acr_unknown_criterion(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["calc", "eular-acr-2019", "--ana-positive", "--criteria", "fever,malar_rash"]
    err = assert_one_line_error(run(args, capsys), "--criteria")
    assert "'malar_rash'" in err and "anti_smith" in err


def test_eular_acr_missing_ana(capsys: pytest.CaptureFixture[str]) -> None:
    assert_one_line_error(run(["calc", "eular-acr-2019", "--criteria", "fever"], capsys), "--ana-positive")


# --- nih-indices ------------------------------------------------------------------------------------

N09 = {  # vector N09: activity 13, chronicity 4
    "--endocapillary-hypercellularity": "60",
    "--neutrophils-karyorrhexis": "20",
    "--fibrinoid-necrosis": "5",
    "--hyaline-deposits": "10",
    "--cellular-fibrocellular-crescents": "40",
    "--interstitial-inflammation": "30",
    "--glomerulosclerosis": "10",
    "--fibrous-crescents": "0",
    "--tubular-atrophy": "20",
    "--interstitial-fibrosis": "30",
}
CHRONICITY_OPTIONS = [
    "--glomerulosclerosis",
    "--fibrous-crescents",
    "--tubular-atrophy",
    "--interstitial-fibrosis",
]


def _args(options: dict[str, str]) -> list[str]:
    return ["calc", "nih-indices", *[part for pair in options.items() for part in pair]]


def test_nih_indices_json(capsys: pytest.CaptureFixture[str]) -> None:
    payload = run_json(_args(N09), capsys)
    assert (payload["activity"]["total"], payload["chronicity"]["total"]) == (13, 4)
    assert (payload["activity"]["maximum"], payload["chronicity"]["maximum"]) == (24, 12)
    necrosis = next(i for i in payload["activity"]["items"] if i["lesion"] == "fibrinoid_necrosis")
    assert (necrosis["grade"], necrosis["points"]) == (1, 2)


def test_nih_chronicity_only(capsys: pytest.CaptureFixture[str]) -> None:
    payload = run_json(_args({k: N09[k] for k in CHRONICITY_OPTIONS}), capsys)
    assert payload["activity"] is None
    assert payload["chronicity"]["total"] == 4


def test_nih_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(_args(N09), capsys)
    assert code == 0
    assert "activity index: 13 / 24" in out and "chronicity index: 4 / 12" in out


@pytest.mark.parametrize("bad", ["abc", "101", "-5", "nan"])
def test_nih_bad_percentage(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert_one_line_error(run(_args({**N09, "--tubular-atrophy": bad}), capsys), "--tubular-atrophy")


def test_nih_incomplete_index(capsys: pytest.CaptureFixture[str]) -> None:
    options = {k: N09[k] for k in CHRONICITY_OPTIONS if k != "--fibrous-crescents"}
    assert_one_line_error(run(_args(options), capsys), "--fibrous-crescents")


def test_nih_nothing_given(capsys: pytest.CaptureFixture[str]) -> None:
    assert_one_line_error(run(["calc", "nih-indices"], capsys), "--endocapillary-hypercellularity")


# --- isn-rps ------------------------------------------------------------------------------------------


def test_isn_rps_json(capsys: pytest.CaptureFixture[str]) -> None:
    payload = run_json(["calc", "isn-rps", "--classes", "IV-G,V"], capsys)
    assert payload["classes"] == ["IV", "V"]
    assert payload["proliferative"] is True and payload["pure_membranous"] is False


def test_isn_rps_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["calc", "isn-rps", "--classes", "5"], capsys)
    assert (code, out) == (0, "ISN/RPS class V: membranous lupus nephritis\n")


@pytest.mark.parametrize("classes", ["III,IV", "VII", "II-G"])
def test_isn_rps_bad_classes(classes: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert_one_line_error(run(["calc", "isn-rps", "--classes", classes], capsys), "--classes")


def test_isn_rps_missing_classes(capsys: pytest.CaptureFixture[str]) -> None:
    assert_one_line_error(run(["calc", "isn-rps"], capsys), "--classes")


# --- help and the installed script -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "option"),
    [
        ("sledai2k", "--items"),
        ("eular-acr-2019", "--ana-positive"),
        ("nih-indices", "--fibrinoid-necrosis"),
        ("isn-rps", "--classes"),
    ],
)
def test_help_documents_the_options(command: str, option: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["calc", command, "--help"], capsys)
    assert code == 0 and option in out


def test_console_script_reports_bad_input_in_one_line() -> None:
    script = Path(sys.executable).with_name("lncare")
    done = subprocess.run(
        [str(script), "calc", "sledai2k", "--items", "nephritis"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: --items: 'nephritis'") and done.stderr.count("\n") == 1
