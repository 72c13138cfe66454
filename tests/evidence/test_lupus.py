"""``lncare evidence lupus``: trial figures against the papers, absolute effects against hand calculations."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lncare.cli import app, main
from lncare.evidence.absolute import absolute_effect, newcombe_difference, wilson_interval
from lncare.evidence.lupus import lupus_analyses
from lncare.evidence.trial_results import Comparison, family_of, renal_results
from lncare.knowledge import load


def _comparison(trial: str, endpoint: str, arm: str | None = None) -> Comparison:
    found = [
        c
        for c in renal_results(load()).comparisons
        if c.trial == trial and c.endpoint == endpoint and (arm is None or c.treatment.arm == arm)
    ]
    assert len(found) == 1, found
    return found[0]


def _left_out(trial: str, endpoint: str) -> str:
    return next(
        o.reason for o in renal_results(load()).left_out if (o.trial, o.endpoint) == (trial, endpoint)
    )


# Newcombe RG. Interval estimation for the difference between independent proportions. Stat Med
# 1998;17:873-890, Table II, method 10 (score interval without continuity correction).
@pytest.mark.parametrize(
    ("a", "m", "b", "n", "lower", "upper"),
    [(56, 70, 48, 80, 0.0524, 0.3339), (9, 10, 3, 10, 0.1705, 0.8090), (5, 56, 0, 29, -0.0381, 0.1926)],
)
def test_newcombe_interval_matches_newcombe_1998(
    a: int, m: int, b: int, n: int, lower: float, upper: float
) -> None:
    _, (lo, hi) = newcombe_difference(a, m, b, n)
    assert lo == pytest.approx(lower, abs=5e-5)
    assert hi == pytest.approx(upper, abs=5e-5)


def test_wilson_interval_matches_newcombe_1998_single_proportion() -> None:
    # Newcombe RG, Stat Med 1998;17:857-872, example 81/263: Wilson score interval 0.2553 to 0.3662
    lo, hi = wilson_interval(81, 263)
    assert (lo, hi) == (pytest.approx(0.2553, abs=5e-5), pytest.approx(0.3662, abs=5e-5))


def test_nnt_and_its_interval_by_hand() -> None:
    # RD = 56/70 - 48/80 = 0.8 - 0.6 = 0.2 -> NNT 5; CI = 1/0.3339 to 1/0.0524 (Altman, BMJ 1998)
    effect = absolute_effect(56, 70, 48, 80)
    assert effect.nnt == pytest.approx(5.0)
    assert effect.nnt_ci == (pytest.approx(2.995, abs=0.002), pytest.approx(19.08, abs=0.02))
    assert effect.nnt_note is None


def test_nnt_interval_is_unbounded_when_the_difference_may_be_zero() -> None:
    effect = absolute_effect(5, 56, 0, 29)  # RD CI -0.0381 to 0.1926 (Newcombe 1998)
    assert effect.nnt_ci is None
    assert effect.nnt_note is not None and "infinity" in effect.nnt_note


def test_aurora_1_counts_and_odds_ratio_from_the_paper() -> None:
    c = _comparison("aurora-1", "crr-52w")
    # AURORA 1 (Rovin, Lancet 2021): CRR 40.8 % of 179 vs 22.5 % of 178; OR 2.65 (1.64-4.27), adjusted
    assert (c.treatment.events, c.treatment.n, c.control.events, c.control.n) == (73, 179, 40, 178)
    assert c.reported is not None
    assert (c.reported.value, c.reported.ci_low, c.reported.ci_high) == (2.65, 1.64, 4.27)
    # hand calculation: 73/179 - 40/178 = 0.40782 - 0.22472
    assert c.absolute.difference == pytest.approx(0.40782 - 0.22472, abs=1e-4)
    assert c.absolute.nnt == pytest.approx(1 / 0.18310, abs=0.01)


def test_bliss_ln_counts_are_derived_from_the_reported_percentages() -> None:
    # BLISS-LN (Furie, NEJM 2020): 224 per arm; PERR 43 % vs 32 %, CRR 30 % vs 20 % at week 104
    perr = _comparison("bliss-ln", "perr-104w")
    crr = _comparison("bliss-ln", "crr-104w")
    assert (perr.treatment.events, perr.control.events) == (96, 72)  # 0.43 x 224 = 96.3, 0.32 x 224 = 71.7
    assert (crr.treatment.events, crr.control.events) == (67, 45)  # 67.2 and 44.8
    assert perr.treatment.derived and crr.control.derived


def test_aura_lv_counts_from_the_paper() -> None:
    # AURA-LV (Rovin, Kidney Int 2019): CRR at 24 weeks 29/89 (23.7 mg bid), 24/88 (39.5 mg), 17/88 placebo
    low = _comparison("aura-lv", "crr-24w", "voclosporin-low")
    high = _comparison("aura-lv", "crr-24w", "voclosporin-high")
    assert (low.treatment.events, low.treatment.n, low.control.events, low.control.n) == (29, 89, 17, 88)
    assert (high.treatment.events, high.treatment.n) == (24, 88)
    assert not low.treatment.derived


def test_unverified_and_underivable_figures_stay_out() -> None:
    assert "partial" in _left_out("nobility", "crr-52w")
    # REGENCY 46.4 % of 135 and TULIP-LN 31.1 % of 49 are not whole patients: denominators unknown
    assert "denominator" in _left_out("regency", "crr-76w")
    assert "denominator" in _left_out("tulip-ln", "crr-ir-52w")


def test_endpoint_families() -> None:
    assert family_of("crr-52w") == "crr"
    assert family_of("crr-low-pred-76w") == "crr-low-steroid"
    assert family_of("perr-104w") == "perr"
    assert family_of("renal-response-52w") == "orr"
    assert family_of("upcr-change-52w") is None


def test_primary_endpoint_analysis_pools_the_add_on_trials_by_hand() -> None:
    primary = next(a for a in lupus_analyses(load()) if a.spec.id == "primary")
    assert {c.trial for c in primary.included} == {"bliss-ln", "lunar", "aura-lv", "aurora-1"}
    assert "tulip-ln" in {o.trial for o in primary.left_out}  # its primary endpoint is a UPCR change
    # 2x2 tables from the papers (BLISS-LN PERR, LUNAR overall response, AURA-LV 23.7 mg, AURORA 1 CRR)
    tables = [(96, 224, 72, 224), (41, 72, 33, 72), (29, 89, 17, 88), (73, 179, 40, 178)]
    yi = [math.log(a * (n2 - c) / ((n1 - a) * c)) for a, n1, c, n2 in tables]
    wi = [1 / (1 / a + 1 / (n1 - a) + 1 / c + 1 / (n2 - c)) for a, n1, c, n2 in tables]
    fixed = sum(w * y for w, y in zip(wi, yi, strict=True)) / sum(wi)
    overall = primary.pooled[0]
    assert overall.label == "all add-ons"
    assert overall.odds_ratio.tau2 == pytest.approx(0.0, abs=1e-8)  # Q (2.07) < df (3): REML tau2 = 0
    assert overall.odds_ratio.estimate == pytest.approx(fixed, abs=1e-6)
    assert overall.odds_ratio.se == pytest.approx(1 / math.sqrt(sum(wi)), abs=1e-6)


def test_crr_windows_keep_time_points_apart() -> None:
    by_id = {a.spec.id: a for a in lupus_analyses(load())}
    assert {c.trial for c in by_id["crr-1y"].included} == {"aurora-1"}
    assert {c.trial for c in by_id["crr-24w"].included} == {"aura-lv"}
    assert {c.trial for c in by_id["crr-18m-2y"].included} == {"bliss-ln", "nobility"}
    for analysis in by_id.values():
        low, high = analysis.spec.weeks
        assert all(low <= c.timepoint_weeks <= high for c in analysis.included)


def test_cli_writes_tables_and_forest_plots(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["evidence", "lupus", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "AURORA 1" in result.output and "out: regency" in result.output
    assert (tmp_path / "lupus-primary-or.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "lupus-primary-or.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| AURORA 1 |" in (tmp_path / "lupus.md").read_text()


def test_cli_json() -> None:
    result = CliRunner().invoke(app, ["evidence", "lupus", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    primary = next(a for a in data["analyses"] if a["id"] == "primary")
    assert primary["pooled"][0]["or"]["estimate_exp"] > 1


def test_cli_out_must_be_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x")
    with pytest.raises(SystemExit) as stop:
        main(["evidence", "lupus", "--out", str(target)])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--out" in err and "folder" in err
