"""Glucocorticoid exposure in prednisone equivalents and HCQ mg/kg/day, against hand-worked sums."""

from __future__ import annotations

from pathlib import Path

from assess_cases import day, lab, med, patient, run

ROOT = Path(__file__).resolve().parents[2]
LABS = [lab("upcr", 2.0, day(-1))]


def test_example_p03_taper_by_hand() -> None:
    # examples/p03: MP 500 mg IV x 3 days; prednisone 30 mg x 28 d, 20 mg x 28 d, 10 mg x 28 d,
    # then 7.5 mg from 2026-11-13 to 2026-11-27 (15 days): 840 + 560 + 280 + 112.5 = 1792.5 mg.
    a = run(str(ROOT / "examples/p03-class-iii-induction.json"), "2026-11-27", "eular2023")
    gc = a.glucocorticoids
    assert gc is not None
    assert gc.pulses_mg == 1500
    assert gc.cumulative_mg == 1792.5
    assert gc.current_mg_per_day == 7.5
    assert gc.weeks_above_5 == round(99 / 7, 1)  # 84 days above 7.5 plus 15 days at 7.5
    assert gc.weeks_above_7_5 == 12.0  # 7.5 itself is not above 7.5
    assert a.hcq_mg_per_kg_day == round(300 / 70, 2)


def test_methylprednisolone_oral_counts_as_five_fourths_prednisone() -> None:
    # methylprednisolone 4 mg = prednisone 5 mg (knowledge base, label:prednisolone-us)
    a = run(patient(LABS, [med("methylprednisolone", 8, day(0), day(0) )]), day(0))
    assert a.glucocorticoids is not None and a.glucocorticoids.current_mg_per_day == 10.0


def test_weight_based_dose_needs_the_weight() -> None:
    meds = [med("prednisone", 0.5, day(0), unit="mg/kg")]
    with_weight = run(patient(LABS, meds, weight_kg=60.0), day(1))
    assert with_weight.glucocorticoids is not None and with_weight.glucocorticoids.current_mg_per_day == 30.0
    without = run(patient(LABS, meds, weight_kg=None), day(1))
    assert without.glucocorticoids is None and "weight_kg" in without.missing


def test_concurrent_lines_add_up_and_count_weeks_once() -> None:
    meds = [med("prednisone", 5, day(0), day(2) ), med("prednisolone", 2.5, day(0), day(2))]
    gc = run(patient(LABS, meds), day(2)).glucocorticoids
    assert gc is not None
    assert gc.current_mg_per_day == 7.5 and gc.weeks_above_5 == 2.1 and gc.weeks_above_7_5 == 0
    assert gc.cumulative_mg == 7.5 * 15


def test_no_glucocorticoid_is_zero_exposure() -> None:
    gc = run(patient(LABS, [med("hydroxychloroquine", 200, day(0))]), day(2)).glucocorticoids
    assert gc is not None and gc.cumulative_mg == 0 and gc.current_mg_per_day == 0


def test_hcq_per_kg_of_actual_weight() -> None:
    meds = [med("hydroxychloroquine", 200, day(0), frequency="bid")]
    assert run(patient(LABS, meds, weight_kg=95.0), day(1)).hcq_mg_per_kg_day == round(400 / 95, 2)
    assert run(patient(LABS, meds, weight_kg=None), day(1)).hcq_mg_per_kg_day is None
