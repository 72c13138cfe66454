"""Safety: each exclusion reason with a hand-built patient; expectations come from the labels and guidelines.

Sources of the expectations: Lupkynis US label (BP > 165/105 and baseline eGFR <= 45 start bars, eGFR fall
table, not with cyclophosphamide); ACR 2020 reproductive health (mycophenolate stopped >= 6 weeks before
conception; cyclophosphamide 3 months before conception in men and women; MMF and AZA compatible for
fathers); Gazyva label / KDIGO (HBV reactivation with anti-CD20); EULAR 2022 infections (latent TB).
"""

from __future__ import annotations

from test_safety_support import ctx_for, lab, med, record, start

from lncare.engine import safety

BP = "mm[Hg]"
EGFR = "mL/min/{1.73_m2}"


def test_bp_170_110_bars_a_voclosporin_start() -> None:
    patient = record(labs=[lab("egfr", 80, EGFR), lab("systolic_bp", 170, BP), lab("diastolic_bp", 110, BP)])
    barred = safety.exclusions(ctx_for(patient), [start("voclosporin")])
    assert "voclosporin" in barred
    assert barred["voclosporin"].drug == "voclosporin"
    assert "165" in barred["voclosporin"].reason or "105" in barred["voclosporin"].reason


def test_bp_at_the_bar_allows_voclosporin() -> None:
    patient = record(labs=[lab("egfr", 80, EGFR), lab("systolic_bp", 165, BP), lab("diastolic_bp", 105, BP)])
    assert "voclosporin" not in safety.exclusions(ctx_for(patient), [start("voclosporin")])


def test_egfr_35_bars_voclosporin_and_45_is_still_barred() -> None:
    for value in (35, 45):
        labs = [lab("egfr", value, EGFR), lab("systolic_bp", 120, BP), lab("diastolic_bp", 70, BP)]
        patient = record(labs=labs)
        assert "voclosporin" in safety.exclusions(ctx_for(patient), [start("voclosporin")]), value
    patient = record(labs=[lab("egfr", 46, EGFR), lab("systolic_bp", 120, BP), lab("diastolic_bp", 70, BP)])
    assert "voclosporin" not in safety.exclusions(ctx_for(patient), [start("voclosporin")])


def test_missing_bp_before_voclosporin_is_a_warning_not_a_silent_start() -> None:
    patient = record(labs=[lab("egfr", 80, EGFR)])
    codes = {w.code for w in safety.warnings(ctx_for(patient), [start("voclosporin")])}
    assert "systolic_bp-missing-voclosporin" in codes


def test_pregnant_on_mmf_excludes_it_and_keeps_azathioprine() -> None:
    patient = record(pregnancy="pregnant", medications=[med("mycophenolate mofetil", 1000, "bid")])
    barred = safety.exclusions(ctx_for(patient), [start("azathioprine")])
    assert "mycophenolate-mofetil" in barred
    assert "azathioprine" not in barred


def test_lactation_excludes_mycophenolate_not_hydroxychloroquine() -> None:
    patient = record(pregnancy="lactating")
    proposed = [start("mycophenolate mofetil"), start("hydroxychloroquine")]
    barred = safety.exclusions(ctx_for(patient), proposed)
    assert "mycophenolate-mofetil" in barred and "hydroxychloroquine" not in barred


def test_planning_pregnancy_washouts_for_women_and_men() -> None:
    woman = record(pregnancy="planning", medications=[med("mycophenolate mofetil", 1000, "bid")])
    reason = safety.exclusions(ctx_for(woman), [])["mycophenolate-mofetil"].reason
    assert "6 weeks" in reason
    man = record(sex="male", pregnancy="planning", medications=[
        med("mycophenolate mofetil", 1000, "bid"), med("cyclophosphamide", 500, "q2w", "iv")])
    barred = safety.exclusions(ctx_for(man), [])
    assert "cyclophosphamide" in barred and "12 weeks" in barred["cyclophosphamide"].reason
    assert "mycophenolate-mofetil" not in barred


def test_hbv_before_anti_cd20_is_critical() -> None:
    patient = record(conditions=["hbv_infection"])
    for drug in ("rituximab", "obinutuzumab"):
        warned = {w.code: w for w in safety.warnings(ctx_for(patient), [start(drug)])}
        assert warned[f"hbv_infection-{drug}"].severity == "critical"


def test_voclosporin_with_current_cyclophosphamide_excludes_the_new_drug_only() -> None:
    patient = record(medications=[med("cyclophosphamide", 500, "q2w", "iv")])
    proposed = [start("voclosporin"), start("cyclophosphamide", "continue")]
    barred = safety.exclusions(ctx_for(patient), proposed)
    assert "voclosporin" in barred and "cyclophosphamide" not in barred


def test_two_current_interacting_drugs_exclude_the_later_started() -> None:
    patient = record(medications=[med("cyclophosphamide", 500, "q2w", "iv", "2026-09-01"),
                                  med("voclosporin", 23.7, "bid", "oral", "2026-10-01")])
    barred = safety.exclusions(ctx_for(patient), [])
    assert "voclosporin" in barred and "cyclophosphamide" not in barred


def test_a_second_calcineurin_inhibitor_is_excluded() -> None:
    # KDIGO 2024 rec 10.2.3.1.1 combines MPAA with ONE CNI; see docs/decisions/003-one-drug-per-class.md.
    ctx = ctx_for(record(medications=[med("tacrolimus", 2, "bid")]))
    barred = safety.exclusions(ctx, [start("voclosporin")])
    assert "voclosporin" in barred and "calcineurin inhibitor" in barred["voclosporin"].reason
    assert "tacrolimus" not in barred


def test_mycophenolate_with_azathioprine_is_excluded_but_a_switch_is_not() -> None:
    ctx = ctx_for(record(medications=[med("mycophenolate mofetil", 1000, "bid")]))
    assert "azathioprine" in safety.exclusions(ctx, [start("azathioprine")])
    stop_mmf = start("mycophenolate mofetil").model_copy(update={"action": "stop"})
    assert "azathioprine" not in safety.exclusions(ctx, [stop_mmf, start("azathioprine")])


def test_two_proposed_alternatives_of_one_class_are_not_a_combination() -> None:
    barred = safety.exclusions(ctx_for(record()), [start("voclosporin"), start("tacrolimus")])
    assert "voclosporin" not in barred and "tacrolimus" not in barred


def test_allergy_excludes() -> None:
    patient = record(allergies=["hydroxychloroquine"])
    barred = safety.exclusions(ctx_for(patient), [start("hydroxychloroquine")])
    assert "allergy" in barred["hydroxychloroquine"].reason


def test_dialysis_bars_calcineurin_inhibitor_starts() -> None:
    patient = record(conditions=["dialysis"], labs=[])
    barred = safety.exclusions(ctx_for(patient), [start("voclosporin"), start("tacrolimus")])
    assert {"voclosporin", "tacrolimus"} <= set(barred)


def test_an_unconfirmed_fact_gives_only_an_info_warning() -> None:
    patient = record(pregnancy="pregnant", medications=[med("ramipril", 5, "daily")])
    ctx = ctx_for(patient)
    fact = ctx.kb.therapies["ace-inhibitor"].pregnancy
    assert fact is not None
    barred = safety.exclusions(ctx, [])
    if fact.certainty == "R":
        assert "ace-inhibitor" not in barred
        assert any(w.code == "unconfirmed-pregnancy-ace-inhibitor" and w.severity == "info"
                   for w in safety.warnings(ctx, []))
    else:
        assert "ace-inhibitor" in barred


def test_latent_tb_before_new_immunosuppression_is_critical() -> None:
    patient = record(conditions=["latent_tb"])
    warned = {w.code: w for w in safety.warnings(ctx_for(patient), [start("mycophenolate mofetil")])}
    assert warned["latent-tb"].severity == "critical"
    assert warned["latent-tb"].cites == ("eular2022inf-text-screening",)


def test_voclosporin_stops_when_egfr_falls_30_percent_below_baseline() -> None:
    patient = record(medications=[med("voclosporin", 23.7, "bid", start="2026-09-01")], labs=[
        lab("egfr", 80, EGFR, "2026-08-25"), lab("egfr", 52, EGFR, "2026-11-20")])
    barred = safety.exclusions(ctx_for(patient), [start("voclosporin", "continue")])
    assert "voclosporin" in barred  # 35 % fall, eGFR < 60: the label's stop row


def test_every_warning_code_is_unique_and_graded() -> None:
    patient = record(pregnancy="pregnant", conditions=["hbv_infection", "latent_tb"],
                     medications=[med("mycophenolate mofetil", 1000, "bid")])
    warned = safety.warnings(ctx_for(patient), [start("rituximab"), start("voclosporin")])
    codes = [w.code for w in warned]
    assert len(codes) == len(set(codes))
    assert all(w.severity in ("info", "warning", "critical") for w in warned)
