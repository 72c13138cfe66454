"""``lncare evidence meta|nma`` through ``lncare.cli.main``: contract 3 JSON and one-line errors (exit 2).

Expected numbers come from metafor's and netmeta's printed output (shared/vectors), not from this code.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from evidence_vectors import VECTORS

from lncare.cli import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as stop:
        code = int(stop.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_meta_bcg_rr_reml_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["evidence", "meta", str(VECTORS / "meta_bcg.csv"), "--measure", "RR", "--method", "REML", "--json"],
        capsys,
    )
    assert code == 0
    got = json.loads(out)
    # metafor docs/reference rma.uni.html, confint.rma.html, predict.rma.html (metaanalysis.md §3.2)
    expected = {
        "estimate": (-0.7145, 5e-5),
        "se": (0.1798, 5e-5),
        "ci_lb": (-1.0669, 5e-5),
        "ci_ub": (-0.3622, 5e-5),
        "tau2": (0.3132, 5e-5),
        "i2": (92.2214, 5e-5),
        "q": (152.2330, 5e-5),
        "pi_lb": (-1.87, 5e-3),
        "pi_ub": (0.44, 5e-3),
        "pi_lb_exp": (0.15, 5e-3),
        "pi_ub_exp": (1.55, 5e-3),
        "i2_ci_lb": (81.9177, 5e-5),
        "h2_ci_ub": (43.0680, 5e-5),
        "tau2_ci_lb": (0.1197, 5e-5),
    }
    for key, (value, tol) in expected.items():
        assert abs(got[key] - value) <= tol, key
    assert got["q_pval"] < 1e-20
    for key in (
        "zval",
        "pval",
        "tau",
        "h2",
        "tau2_ci_ub",
        "i2_ci_ub",
        "h2_ci_lb",
        "estimate_exp",
        "ci_lb_exp",
        "ci_ub_exp",
    ):
        assert isinstance(got[key], float), key


def test_meta_summary_is_readable(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["evidence", "meta", str(VECTORS / "meta_bcg.csv"), "--measure", "OR", "--method", "MH"], capsys
    )
    assert code == 0
    assert "0.6229 [0.5748; 0.6750]" in out  # metafor rma.mh OR on bcg (test_misc_metan_vs_rma.uni)


def test_meta_generic_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The bcg RR effects as printed by escalc (4 decimals) give the REML estimate to about 1e-3.
    data = tmp_path / "gen.csv"
    data.write_text(
        "study,yi,vi\n1,-0.8893,0.3256\n2,-1.5854,0.1946\n3,-1.3481,0.4154\n4,-1.4416,0.0200\n"
        "5,-0.2175,0.0512\n6,-0.7861,0.0069\n7,-1.6209,0.2230\n8,0.0120,0.0040\n9,-0.4694,0.0564\n"
        "10,-1.3713,0.0730\n11,-0.3394,0.0124\n12,0.4459,0.5325\n13,-0.0173,0.0714\n"
    )
    code, out, _ = run(
        ["evidence", "meta", str(data), "--measure", "GEN", "--method", "REML", "--json"], capsys
    )
    assert code == 0
    got = json.loads(out)
    assert abs(got["estimate"] - -0.7145) < 2e-3
    assert "estimate_exp" not in got  # generic effects have no known ratio scale


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("study,events_t,n_t,events_c\nA,1,10,2\n", "header"),
        ("study,events_t,n_t,events_c,n_c\nA,-1,10,2,10\n", "row 2, column events_t"),
        ("study,events_t,n_t,events_c,n_c\nA,1,10,2,10\nB,12,10,2,10\n", "row 3, column events_t"),
        ("study,events_t,n_t,events_c,n_c\nA,1,ten,2,10\n", "row 2, column n_t"),
        ("study,events_t,n_t,events_c,n_c\nA,1,10,2,-10\n", "row 2, column n_c"),
    ],
)
def test_bad_csv_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, needle: str
) -> None:
    data = tmp_path / "bad.csv"
    data.write_text(content)
    code, _, err = run(["evidence", "meta", str(data), "--measure", "OR"], capsys)
    assert code == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["--measure", "XX"],
        ["--measure", "OR", "--method", "BAYES"],
        ["--measure", "OR", "--test", "t"],
        ["--measure", "RR", "--method", "PETO"],
    ],
)
def test_bad_options_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["evidence", "meta", str(VECTORS / "meta_bcg.csv"), *args], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1


def test_nma_stowe_random_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        [
            "evidence",
            "nma",
            str(VECTORS / "nma_stowe2010.csv"),
            "--measure",
            "MD",
            "--reference",
            "Placebo",
            "--random",
            "--json",
        ],
        capsys,
    )
    assert code == 0
    got = json.loads(out)
    assert got["model"] == "random" and got["reference"] == "Placebo"
    # netmeta vignette (Balduzzi et al. 2023) values, also in shared/vectors/nma_expected.csv
    assert abs(got["tau2"] - 0.1518) <= 5e-5
    assert abs(got["q"] - 48.15) <= 5e-3 and got["df_q"] == 27
    assert abs(got["q_within"] - 46.91) <= 5e-3 and abs(got["q_between"] - 1.24) <= 5e-3
    assert abs(got["i2"] - 43.9) <= 0.05 and abs(got["i2_ci_lb"] - 12.3) <= 0.05
    comti = next(e for e in got["estimates"] if e["treatment"] == "COMTI")
    assert abs(comti["estimate"] - -0.95) <= 5e-3 and abs(comti["ci_lb"] - -1.27) <= 5e-3
    assert comti["estimate_exp"] is None
    assert abs(got["pscores"]["Dopamine Agonist"] - 0.9677) <= 5e-5
    assert set(got["estimates"][0]) >= {
        "treatment",
        "reference",
        "estimate",
        "se",
        "ci_lb",
        "ci_ub",
        "zval",
        "pval",
        "estimate_exp",
        "ci_lb_exp",
        "ci_ub_exp",
    }


def test_nma_binary_common_ratio_scale(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        [
            "evidence",
            "nma",
            str(VECTORS / "nma_dogliotti2014.csv"),
            "--reference",
            "Placebo/Control",
            "--json",
        ],
        capsys,
    )
    assert code == 0
    got = json.loads(out)
    vka = next(e for e in got["estimates"] if e["treatment"] == "VKAs")
    # netmeta vignette Figure 9: OR 0.41 [0.32; 0.52]
    assert abs(vka["estimate_exp"] - 0.41) <= 5e-3 and abs(vka["ci_ub_exp"] - 0.52) <= 5e-3


def test_nma_unknown_reference_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        ["evidence", "nma", str(VECTORS / "nma_stowe2010.csv"), "--measure", "MD", "--reference", "Aspirin"],
        capsys,
    )
    assert code == 2 and "--reference" in err


def test_nma_bad_arm_row_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "arms.csv"
    data.write_text("study,treatment,events,n\nS1,A,3,20\nS1,B,25,20\n")
    code, _, err = run(["evidence", "nma", str(data)], capsys)
    assert code == 2 and "row 3, column events" in err


def test_forest_written_by_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "forest.svg"
    code, _, _ = run(
        ["evidence", "meta", str(VECTORS / "meta_bcg.csv"), "--measure", "RR", "--forest", str(out)], capsys
    )
    assert code == 0 and out.read_text().lstrip().startswith("<?xml")
