"""Doses for a patient, checked against the labels and guideline tables written out here.

HCQ: <= 5 mg/kg/day of actual weight (AAO 2016, EULAR 2023), never above 400 mg/day (EULAR 2023 text).
Cyclophosphamide: Euro-Lupus 500 mg every 2 weeks x 6; NIH 0.5-1 g/m2 monthly x 6 (Mosteller BSA).
Voclosporin: 23.7 mg (3 x 7.9 mg) twice daily; eGFR < 60 and > 20 % below baseline lowers by 7.9 mg twice
daily (Lupkynis US label). Belimumab IV 10 mg/kg on days 0, 14, 28 then every 4 weeks; SC 400 mg weekly x 4
then 200 mg weekly (Benlysta label, LN). Obinutuzumab 1000 mg at weeks 0, 2, 24 and 26 (NOBILITY).
"""

from __future__ import annotations

from datetime import date, timedelta

from test_safety_support import ctx_for, lab, med, record

from lncare.engine import dosing
from lncare.model.plan import Dose

EGFR = "mL/min/{1.73_m2}"
BP = "mm[Hg]"


def dose(result: dosing.DoseResult) -> Dose:
    assert isinstance(result, Dose), str(result)
    return result


def test_hcq_is_5_mg_per_kg_of_actual_weight_rounded_down() -> None:
    # 62 kg x 5 = 310 mg/day: 300 mg, given as 200/400 mg on alternate days.
    hcq = dose(dosing.dose_for(ctx_for(record(weight_kg=62.0)), "hydroxychloroquine", "sle"))
    assert (hcq.amount, hcq.frequency, hcq.route) == (300, "daily", "oral")
    assert "62 kg" in hcq.basis and "200 mg" in hcq.basis


def test_obese_patient_hcq_meets_the_daily_ceiling() -> None:
    # 120 kg x 5 = 600 mg by weight; the 400 mg/day ceiling binds.
    hcq = dose(dosing.dose_for(ctx_for(record(weight_kg=120.0)), "hydroxychloroquine", "sle"))
    assert hcq.amount == 400
    assert "capped at 400" in hcq.basis


def test_no_weight_no_weight_based_dose() -> None:
    patient = record()
    del patient["weight_kg"]
    result = dosing.dose_for(ctx_for(patient), "hydroxychloroquine", "sle")
    assert isinstance(result, dosing.NoDose)
    assert result.missing == ("weight_kg",) and "weight" in str(result)
    plan = dosing.glucocorticoid_plan(ctx_for(patient))
    assert isinstance(plan, dosing.NoDose) and plan.missing == ("weight_kg",)


def test_mmf_induction_from_the_kdigo_statement() -> None:
    ctx = ctx_for(record())
    statement = ctx.profile.statement("kdigo2024-rec-10.2.3.1.1")
    mmf = dose(dosing.dose_for(ctx, "mycophenolate-mofetil", "induction", statement=statement))
    assert (mmf.amount, mmf.frequency) == (1000, "bid")  # 1.0-1.5 g twice daily, lower end
    assert mmf.cites == ("kdigo2024-rec-10.2.3.1.1",)


def test_euro_lupus_schedule_is_six_pulses_two_weeks_apart() -> None:
    cyc = dose(dosing.dose_for(ctx_for(record()), "cyclophosphamide", "induction", regimen="cyc-euro-lupus"))
    assert (cyc.amount, cyc.frequency, cyc.route) == (500, "q2w", "iv")
    (step,) = cyc.schedule
    assert step.start == date(2026, 11, 27) and step.end == date(2026, 11, 27) + timedelta(days=70)


def test_nih_cyclophosphamide_uses_mosteller_bsa() -> None:
    # sqrt(164 x 62 / 3600) = 1.68 m2; 0.5 g/m2 (lower end) = 840 mg.
    nih = "cyc-nih-high-dose"
    cyc = dose(dosing.dose_for(ctx_for(record()), "cyclophosphamide", "induction", regimen=nih))
    assert cyc.amount == 840 and "1.68 m2" in cyc.basis
    no_height = record()
    del no_height["height_cm"]
    result = dosing.dose_for(ctx_for(no_height), "cyclophosphamide", "induction", regimen="cyc-nih-high-dose")
    assert isinstance(result, dosing.NoDose) and result.missing == ("height_cm",)


def test_voclosporin_start_needs_egfr_and_bp() -> None:
    vcs = dose(dosing.dose_for(ctx_for(record()), "voclosporin", "add_on"))
    assert (vcs.amount, vcs.frequency) == (23.7, "bid") and "3 x 7.9 mg" in vcs.basis
    no_bp = record(labs=[lab("egfr", 80, EGFR)])
    result = dosing.dose_for(ctx_for(no_bp), "voclosporin", "add_on")
    assert isinstance(result, dosing.NoDose) and set(result.missing) == {"systolic_bp", "diastolic_bp"}
    high_bp = record(labs=[lab("egfr", 80, EGFR), lab("systolic_bp", 170, BP), lab("diastolic_bp", 110, BP)])
    assert isinstance(dosing.dose_for(ctx_for(high_bp), "voclosporin", "add_on"), dosing.NoDose)


def test_voclosporin_on_treatment_egfr_table() -> None:
    def on_vcs(baseline: float, now: float) -> dosing.DoseResult:
        patient = record(medications=[med("voclosporin", 23.7, "bid", start="2026-09-01")], labs=[
            lab("egfr", baseline, EGFR, "2026-08-25"), lab("egfr", now, EGFR, "2026-11-20")])
        return dosing.dose_for(ctx_for(patient), "voclosporin", "add_on")

    assert dose(on_vcs(70, 55)).amount == 15.8  # 21 % fall, eGFR < 60: 23.7 - 7.9 mg twice daily
    assert isinstance(on_vcs(80, 52), dosing.NoDose)  # 35 % fall: stop
    assert dose(on_vcs(90, 75)).amount == 23.7  # eGFR >= 60: the table does not apply


def test_belimumab_iv_and_sc_schedules() -> None:
    ctx = ctx_for(record())
    iv = dose(dosing.dose_for(ctx, "belimumab", "add_on", regimen="bel-iv-label"))
    assert iv.amount == 620  # 10 mg/kg x 62 kg
    day0 = date(2026, 11, 27)
    assert iv.schedule[0].start == day0 and iv.schedule[0].end == day0 + timedelta(days=28)
    assert iv.schedule[1].start == day0 + timedelta(days=56) and iv.schedule[1].frequency == "q4w"
    sc = dose(dosing.dose_for(ctx, "belimumab", "add_on", regimen="bel-sc-ln-label"))
    assert [(s.amount, s.frequency) for s in sc.schedule] == [(400, "weekly"), (200, "weekly")]
    assert sc.schedule[1].start == day0 + timedelta(days=28)


def test_obinutuzumab_infusion_days() -> None:
    obi = dose(dosing.dose_for(ctx_for(record()), "obinutuzumab", "induction", regimen="obi-nobility"))
    day0 = date(2026, 11, 27)
    assert [s.start for s in obi.schedule] == [day0 + timedelta(weeks=w) for w in (0, 2, 24, 26)]
    assert all(s.amount == 1000 for s in obi.schedule)


def test_kdigo_reduced_dose_prednisone_table() -> None:
    # KDIGO 2024 reduced-dose scheme for 60 kg: weeks 0-2 0.5 mg/kg (30 mg), 3-4 0.3 mg/kg (18 -> 17.5),
    # 5-6 15 mg, 7-8 10 mg, 9-10 7.5 mg, 11-12 5 mg, 13-24 2.5 mg, after week 25 <= 2.5 mg.
    day0 = date(2026, 1, 5)
    plan = dose(dosing.glucocorticoid_plan(ctx_for(record(weight_kg=60.0, labs=[]), "kdigo2024", day0)))
    expected = [(0, 30), (14, 17.5), (28, 15), (42, 10), (56, 7.5), (70, 5), (84, 2.5), (168, 2.5)]
    assert [((s.start - day0).days, s.amount) for s in plan.schedule] == expected
    assert plan.schedule[0].end == day0 + timedelta(days=13)
    assert plan.amount == 30 and plan.cites == ("kdigo2024-pp-reduced-dose-gc",)


def test_acr_prednisone_starts_at_40_mg_cap_and_reaches_5_mg_by_6_months() -> None:
    day0 = date(2026, 1, 5)
    plan = dose(dosing.glucocorticoid_plan(ctx_for(record(weight_kg=90.0, labs=[]), "acr2024", day0)))
    amounts = [s.amount for s in plan.schedule]
    assert amounts[0] == 40  # 0.5 mg/kg x 90 kg = 45, max 40 mg
    assert amounts == sorted(amounts, reverse=True) and amounts[-1] == 5
    reach = next(s.start for s in plan.schedule if s.amount <= 5)
    assert reach <= day0 + timedelta(days=183)  # <= 5 mg/day by 6 months


def test_eular_prednisone_reaches_7_5_by_6_months_then_5_mg() -> None:
    day0 = date(2026, 1, 5)
    plan = dose(dosing.glucocorticoid_plan(ctx_for(record(weight_kg=60.0, labs=[]), "eular2023", day0)))
    assert plan.schedule[0].amount == 17.5  # 0.3 mg/kg x 60 = 18, rounded down to 2.5 mg steps
    assert plan.schedule[0].end == day0 + timedelta(weeks=4, days=-1)  # up to 4 weeks
    reach = next(s.start for s in plan.schedule if s.amount <= 7.5)
    assert reach <= day0 + timedelta(days=183)
    assert plan.schedule[-1].amount == 5 and plan.schedule[-1].end is None


def test_methylprednisolone_pulses_by_profile() -> None:
    kdigo = dose(dosing.methylprednisolone_pulses(ctx_for(record(), "kdigo2024")))
    assert (kdigo.amount, kdigo.route) == (250, "iv")  # 0.25-0.5 g/day x 1-3 days, lower end
    acr = dose(dosing.methylprednisolone_pulses(ctx_for(record(), "acr2024")))
    assert acr.amount == 250 and acr.cites and acr.cites[0].startswith("acr2024-")


def test_unknown_setting_is_a_programming_error() -> None:
    try:
        dosing.dose_for(ctx_for(record()), "hydroxychloroquine", "someday")
    except ValueError as err:
        assert "someday" in str(err)
    else:
        raise AssertionError("an unknown setting must raise")


def test_an_oral_dose_is_told_in_the_fewest_tablets_or_capsules() -> None:
    # KDIGO 2024: MMF 1.0 g twice daily in induction; CellCept strengths 250 mg capsule, 500 mg tablet.
    ctx = ctx_for(record())
    statement = ctx.profile.statement("kdigo2024-rec-10.2.3.1.1")
    mmf = dose(dosing.dose_for(ctx, "mycophenolate-mofetil", "induction", statement=statement))
    assert mmf.amount == 1000 and mmf.basis.endswith("rounded to 2 x 500 mg tablet")
    # Liu 2015 multitarget: tacrolimus 4 mg/day (2 mg bid); Prograf capsules 0.5, 1 and 5 mg.
    tacrolimus = dose(dosing.dose_for(ctx, "tacrolimus", "add_on"))
    assert (tacrolimus.amount, tacrolimus.frequency) == (2.0, "bid")
    assert tacrolimus.basis.endswith("rounded to 2 x 1 mg capsule")


def test_an_infusion_is_drawn_to_the_mg_not_rounded_to_whole_vials() -> None:
    # Benlysta IV label: 10 mg/kg; 62 kg -> 620 mg, drawn up from 120 mg and 400 mg vials (not 640 mg).
    belimumab = dose(dosing.dose_for(ctx_for(record()), "belimumab", "add_on"))
    assert belimumab.amount == 620 and "vials of 120 and 400 mg" in belimumab.basis
