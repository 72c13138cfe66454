"""Phase, induction start and weeks on treatment from the medication history (engine/treatment.py)."""

from __future__ import annotations

from datetime import date, timedelta

from assess_cases import START, day, lab, med, mmf_course, patient, run

LABS = [lab("upcr", 3.0, day(-1)), lab("creatinine", 0.9, day(-1))]


def test_untreated_without_kidney_directed_drugs() -> None:
    record = patient(LABS, [med("hydroxychloroquine", 200, day(0)), med("prednisone", 5, day(0))])
    a = run(record, day(10))
    assert a.phase == "untreated" and a.induction_start is None and a.weeks_on_treatment is None
    assert a.renal_response.status == "not_assessable" and "untreated" in (a.renal_response.reason or "")


def test_induction_until_six_months_then_maintenance() -> None:
    # 6 months = 26.09 weeks = 182.6 days (TimePoint months convention):
    # day 182 is still induction, day 183 maintenance
    record = patient(LABS, mmf_course())
    assert run(record, START + timedelta(days=182)).phase == "induction"
    later = run(record, START + timedelta(days=183))
    assert later.phase == "maintenance"
    assert later.induction_start == START and later.weeks_on_treatment == round(183 / 7, 1)


def test_iv_pulse_opens_the_induction() -> None:
    meds = [med("methylprednisolone", 500, day(0), day(0.3), route="iv"), *mmf_course(day(1))]
    assert run(patient(LABS, meds), day(4)).induction_start == START


def test_course_that_ended_is_off_treatment() -> None:
    a = run(patient(LABS, mmf_course(day(0), day(40))), day(60))
    assert a.phase == "off_treatment" and a.induction_start is None


def test_gap_over_eight_weeks_starts_a_new_course() -> None:
    meds = [*mmf_course(day(0), day(40)), *mmf_course(day(49), None)]  # 9-week gap
    a = run(patient(LABS, meds), day(52))
    assert a.induction_start == date.fromisoformat(day(49)) and a.phase == "induction"
    short = [*mmf_course(day(0), day(40)), *mmf_course(day(47), None)]  # 7-week gap: same course
    assert run(patient(LABS, short), day(52)).induction_start == START


def test_dose_step_up_in_the_first_months_is_not_a_new_induction() -> None:
    meds = [med("mycophenolate mofetil", 500, day(0), day(2), frequency="bid"), *mmf_course(day(2) )]
    assert run(patient(LABS, meds), day(10)).induction_start == START


def test_re_escalation_on_maintenance_starts_a_new_induction() -> None:
    meds = [
        med("mycophenolate mofetil", 1000, day(0), day(59), frequency="bid"),
        med("mycophenolate mofetil", 500, day(60), day(99), frequency="bid"),
        med("mycophenolate mofetil", 1500, day(100), None, frequency="bid"),  # flare: back up
    ]
    a = run(patient(LABS, meds), day(104))
    assert a.induction_start == date.fromisoformat(day(100)) and a.phase == "induction"


def test_pulse_on_maintenance_starts_a_new_induction() -> None:
    meds = [*mmf_course(), med("methylprednisolone", 500, day(80), day(80.3), route="iv")]
    assert run(patient(LABS, meds), day(82)).induction_start == date.fromisoformat(day(80))


def test_switch_within_a_class_is_not_a_new_induction() -> None:
    meds = [*mmf_course(day(0), day(39)), med("mycophenolic acid", 720, day(40), None, frequency="bid")]
    assert run(patient(LABS, meds), day(45)).induction_start == START


def test_maintenance_switch_to_azathioprine_is_not_a_new_induction() -> None:
    meds = [*mmf_course(day(0), day(39)), med("azathioprine", 100, day(40))]
    a = run(patient(LABS, meds), day(45))
    assert a.induction_start == START and a.phase == "maintenance"


def test_add_on_after_six_months_is_a_new_induction() -> None:
    meds = [*mmf_course(), med("belimumab", 10, day(30), unit="mg/kg", frequency="q4w", route="iv")]
    assert run(patient(LABS, meds), day(32)).induction_start == date.fromisoformat(day(30))
