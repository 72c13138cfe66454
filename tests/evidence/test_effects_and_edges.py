"""Effect sizes by hand from the escalc/pairwise formulas, and the honest edge cases of the models."""

from __future__ import annotations

import math

import pytest

from lncare.errors import InputError
from lncare.evidence import (
    Arm,
    BinaryStudy,
    GenericStudy,
    binary_effects,
    generic_study_from_ci,
    meta_analysis,
)
from lncare.evidence.effects import continuous_effect
from lncare.evidence.nma import netmeta
from lncare.evidence.pairwise import pairwise


def test_zero_cell_gets_one_half_in_all_cells() -> None:
    # 0/10 vs 5/10: escalc to="only0" makes the cells 0.5, 10.5, 5.5, 5.5
    e = binary_effects([BinaryStudy("s", 0, 10, 5, 10)], "OR")
    assert e.yi[0] == pytest.approx(math.log(0.5 * 5.5 / (10.5 * 5.5)))
    assert e.vi[0] == pytest.approx(1 / 0.5 + 1 / 10.5 + 1 / 5.5 + 1 / 5.5)
    rr = binary_effects([BinaryStudy("s", 0, 10, 5, 10)], "RR")
    assert rr.yi[0] == pytest.approx(math.log((0.5 / 11) / (5.5 / 11)))


def test_table_without_zero_is_not_corrected() -> None:
    e = binary_effects([BinaryStudy("s", 2, 10, 5, 10)], "OR")
    assert e.yi[0] == pytest.approx(math.log(2 * 5 / (8 * 5)))


def test_double_zero_dropped_for_ratios_kept_for_rd() -> None:
    studies = [BinaryStudy("both zero", 0, 10, 0, 12), BinaryStudy("ok", 2, 10, 5, 10)]
    assert binary_effects(studies, "OR").labels == ("ok",)
    assert "both zero" in binary_effects(studies, "RR").dropped[0]
    assert binary_effects(studies, "RD").labels == ("both zero", "ok")
    assert binary_effects(studies, "OR", drop00=False).labels == ("both zero", "ok")


def test_estimate_with_ci_to_log_scale() -> None:
    s = generic_study_from_ci("t", 0.5, 0.25, 1.0, level=95)
    assert s.yi == pytest.approx(math.log(0.5))
    assert math.sqrt(s.vi) == pytest.approx((math.log(1.0) - math.log(0.25)) / (2 * 1.959964), rel=1e-6)


def test_mean_difference_and_hedges_g() -> None:
    md, v = continuous_effect("MD", 10, 2, 20, 8, 3, 25)
    assert md == 2 and v == pytest.approx(4 / 20 + 9 / 25)
    g, vg = continuous_effect("SMD", 10, 2, 20, 8, 2, 20)
    # d = 1; Hedges' approximate correction 1 − 3/(4m − 1) with m = 38 agrees to 1e-4
    assert g == pytest.approx(1 - 3 / (4 * 38 - 1), abs=1e-4)
    assert vg == pytest.approx(1 / 20 + 1 / 20 + g * g / 80)


@pytest.mark.parametrize(
    "bad",
    [
        lambda: BinaryStudy("x", 11, 10, 1, 10),
        lambda: BinaryStudy("x", -1, 10, 1, 10),
        lambda: GenericStudy("x", 0.1, 0.0),
        lambda: Arm("x", "A", 10, events=12),
    ],
)
def test_bad_study_raises_input_error(bad: object) -> None:
    with pytest.raises(InputError):
        bad()  # type: ignore[operator]


def test_single_study_says_heterogeneity_is_undefined() -> None:
    r = meta_analysis([BinaryStudy("only", 4, 50, 10, 50)], "OR", "REML")
    assert r.tau2 is None and r.q is None and r.pi_lb is None
    assert any("single study" in n for n in r.notes)


def test_common_effect_has_no_prediction_interval() -> None:
    r = meta_analysis([BinaryStudy("a", 4, 50, 10, 50), BinaryStudy("b", 6, 40, 9, 41)], "OR", "EE")
    assert r.pi_lb is None and r.tau2 is None and any("prediction" in n for n in r.notes)


def test_knapp_hartung_with_two_studies_uses_t1() -> None:
    s = [GenericStudy("a", -0.5, 0.04), GenericStudy("b", -0.1, 0.04)]
    r = meta_analysis(s, "GEN", "DL", "knha")
    # DL: Q = 2, tau² = (2 − 1)/(50 − 25) = 0.04; w* = 12.5; Var = 1/25 × (Σw*(y−μ)²/1 = 1) = 0.04
    assert r.tau2 == pytest.approx(0.04)
    assert r.se == pytest.approx(0.2)
    assert r.ci_ub - r.estimate == pytest.approx(12.706205 * 0.2, rel=1e-6)


def test_star_network_says_tau2_is_undefined() -> None:
    arms = [
        Arm("T1", "SoC", 100, events=30),
        Arm("T1", "belimumab", 100, events=43),
        Arm("T2", "SoC", 90, events=20),
        Arm("T2", "voclosporin", 90, events=37),
    ]
    r = netmeta(arms, "OR")
    assert r.df_q == 0 and r.tau2 is None and r.i2 is None and r.q_pval is None
    assert r.prediction_interval("belimumab", "SoC") is None
    assert any("undefined" in n for n in r.notes) and any("single trial" in n for n in r.notes)
    # with no loop the network estimate is the single trial's log OR
    assert r.common.estimate("belimumab", "SoC").estimate == pytest.approx(math.log(43 * 70 / (57 * 30)))
    assert r.random.estimate("voclosporin", "belimumab").estimate == pytest.approx(
        math.log(37 * 70 / (53 * 20)) - math.log(43 * 70 / (57 * 30))
    )


def test_three_arm_equal_variances_adjusted_by_one_and_a_half() -> None:
    # Rücker & Schwarzer 2014: a 3-arm study with equal contrast variances v gets 1.5·v per contrast
    arms = [Arm("S", t, 50, mean=m, sd=2.0) for t, m in (("A", 1.0), ("B", 2.0), ("C", 4.0))]
    arms += [Arm("S2", "A", 40, mean=1.0, sd=2.0), Arm("S2", "B", 40, mean=1.5, sd=2.0)]
    r = netmeta(arms, "MD")
    v = 2 * 4.0 / 50
    three_arm = [i for i, c in enumerate(r.contrasts) if c.study == "S"]
    for i in three_arm:
        assert r.common.se_adjusted[i] ** 2 == pytest.approx(1.5 * v)


def test_pairwise_continuity_correction_is_per_study() -> None:
    # one arm without events: every arm of that study gets +0.5 (meta pairwise, method.incr="only0")
    arms = [Arm("S", "A", 10, events=0), Arm("S", "B", 10, events=2), Arm("S", "C", 10, events=4)]
    c = pairwise(arms, "OR").contrasts
    b_vs_c = next(x for x in c if (x.treat1, x.treat2) == ("B", "C"))
    assert b_vs_c.te == pytest.approx(math.log((2.5 * 6.5) / (8.5 * 4.5)))


def test_disconnected_network_is_an_input_error() -> None:
    arms = [
        Arm("S1", "A", 10, events=2),
        Arm("S1", "B", 10, events=3),
        Arm("S2", "C", 10, events=2),
        Arm("S2", "D", 10, events=3),
    ]
    with pytest.raises(InputError, match="not connected"):
        netmeta(arms, "OR")
