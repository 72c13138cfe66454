"""eGFR, CKD stage, slope, nephrotic range, hypoalbuminaemia and serology trend in the assessment."""

from __future__ import annotations

from assess_cases import lab, patient, run

# shared/vectors/egfr.csv row 1: CKD-EPI 2021 creatinine, male 55, Scr 1.09 mg/dL -> 80 (NKF calculator)
VECTOR = {"sex": "male", "birth_date": "1969-06-01", "pregnancy": "none"}


def test_egfr_matches_the_nkf_vector_and_names_its_equation() -> None:
    record = patient([lab("creatinine", 1.09, "2025-01-10")], [], **VECTOR)
    egfr = run(record, "2025-01-10").egfr
    assert egfr is not None
    assert round(egfr.value) == 80
    assert egfr.equation == "ckd-epi-2021-cr" and egfr.ckd_stage == "G2"


def test_slope_is_least_squares_over_the_last_year() -> None:
    # reported eGFR 90 -> 80 over 365 days: -10 / (365 / 365.25) per year
    labs = [lab("egfr", 90, "2025-01-01"), lab("egfr", 80, "2026-01-01")]
    egfr = run(patient(labs, []), "2026-01-02").egfr
    assert egfr is not None and egfr.equation == "reported by laboratory"
    assert egfr.slope_per_year == round(-10 * 365.25 / 365, 1)


def test_no_slope_over_less_than_six_months() -> None:
    labs = [lab("egfr", 90, "2025-09-01"), lab("egfr", 80, "2026-01-01")]
    egfr = run(patient(labs, []), "2026-01-02").egfr
    assert egfr is not None and egfr.slope_per_year is None


def test_child_without_height_has_no_creatinine_egfr_and_is_told_why() -> None:
    record = patient([lab("creatinine", 0.6, "2026-01-01")], [], birth_date="2014-01-01", height_cm=None)
    a = run(record, "2026-01-02")
    assert a.egfr is None
    detail = {m.item: m.prevents for m in a.missing_detail}
    assert any("CKiD" in p for p in detail["height_cm"])


def test_nephrotic_range_from_3_5() -> None:
    codes = {f.code for f in run(patient([lab("upcr", 3.5, "2026-01-01")], []), "2026-01-02").findings}
    assert "nephrotic_range_proteinuria" in codes
    codes = {f.code for f in run(patient([lab("upcr", 3.4, "2026-01-01")], []), "2026-01-02").findings}
    assert "nephrotic_range_proteinuria" not in codes


def test_hypoalbuminaemia_below_3_5() -> None:
    low = run(patient([lab("albumin", 3.4, "2026-01-01")], []), "2026-01-02").findings
    assert [f.because["albumin"] for f in low if f.code == "hypoalbuminaemia"] == [3.4]
    normal = run(patient([lab("albumin", 3.5, "2026-01-01")], []), "2026-01-02").findings
    assert not [f for f in normal if f.code == "hypoalbuminaemia"]


def test_serology_trend_between_last_two_values() -> None:
    labs = [lab("c3", 80, "2025-12-01"), lab("c3", 60, "2026-01-01"),
            lab("anti_dsdna", 100, "2025-12-01"), lab("anti_dsdna", 105, "2026-01-01")]
    findings = {f.code: f for f in run(patient(labs, []), "2026-01-02").findings}
    assert findings["c3_falling"].because["change_percent"] == -25.0
    assert "anti_dsdna_stable" in findings
