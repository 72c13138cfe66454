"""The landmark induction and maintenance trials added on 2026-11-27, against their published figures.

Expected numbers are typed from the sources each trial cites: the MAINTAIN abstract (Houssiau, Ann
Rheum Dis 2010;69:2083), the multitarget abstract (Liu, Ann Intern Med 2015;162:18), ALMS Table 3
(Appel, J Am Soc Nephrol 2009) and the Euro-Lupus abstract (Houssiau, Arthritis Rheum 2002;46:2121).
"""

from __future__ import annotations

import pytest

from lncare import knowledge
from lncare.knowledge.schema.trial import ArmResult, Endpoint, Trial

LANDMARKS = ["euro-lupus", "alms-induction", "alms-maintenance", "maintain", "liu-2015-multitarget"]


def _trial(trial_id: str) -> Trial:
    item = knowledge.get(trial_id)
    assert isinstance(item, Trial)
    return item


def _result(endpoint: Endpoint, arm: str) -> ArmResult:
    return next(r for r in endpoint.results if r.arm == arm)


@pytest.mark.parametrize("trial_id", LANDMARKS)
def test_landmark_is_a_referenced_randomised_trial(trial_id: str) -> None:
    trial = _trial(trial_id)
    assert trial.study_type == "rct"
    assert trial.references
    assert trial.population.condition == "lupus-nephritis"


def test_maintain_renal_flares_match_the_abstract() -> None:
    # 105 patients; renal flares in 13 (25%) AZA-treated and 10 (19%) MMF-treated patients.
    trial = _trial("maintain")
    assert sum(arm.n or 0 for arm in trial.arms) == 105
    flare = trial.endpoint("renal-flare")
    assert (_result(flare, "azathioprine").events, _result(flare, "azathioprine").percent) == (13, 25)
    assert (_result(flare, "mmf").events, _result(flare, "mmf").percent) == (10, 19)
    assert flare.met is False
    doubling = trial.endpoint("creatinine-doubling")
    assert [_result(doubling, a).events for a in ("azathioprine", "mmf")] == [4, 3]


def test_multitarget_complete_remission_matches_the_abstract() -> None:
    # 45.9% vs 25.6%; difference 20.3 points (95% CI 10.0 to 30.6); P < 0.001.
    endpoint = _trial("liu-2015-multitarget").endpoint("cr-24w")
    assert _result(endpoint, "multitarget").percent == 45.9
    assert _result(endpoint, "ivcy").percent == 25.6
    assert endpoint.effect is not None
    assert (endpoint.effect.value, endpoint.effect.ci_low, endpoint.effect.ci_high) == (20.3, 10.0, 30.6)
    assert (endpoint.p, endpoint.p_op) == (0.001, "<")


def test_multitarget_adverse_events_match_the_abstract() -> None:
    # 50.3% [91 of 181] vs 52.5% [95 of 181].
    safety = _trial("liu-2015-multitarget").safety[0]
    counts = {r.arm: (r.events, r.n) for r in safety.results}
    assert counts == {"multitarget": (91, 181), "ivcy": (95, 181)}


def test_alms_induction_class_rows_match_table_3() -> None:
    trial = _trial("alms-induction")
    assert [arm.n for arm in trial.arms] == [185, 185]
    proliferative = trial.endpoint("response-24w-class-iii-iv")
    assert (_result(proliferative, "mmf").events, _result(proliferative, "mmf").n) == (88, 156)
    assert (_result(proliferative, "ivc").events, _result(proliferative, "ivc").n) == (83, 154)
    assert proliferative.effect is not None
    assert (proliferative.effect.value, proliferative.effect.ci_low, proliferative.effect.ci_high) == (
        1.1,
        0.7,
        1.8,
    )
    membranous = trial.endpoint("response-24w-class-v")
    assert (_result(membranous, "mmf").events, _result(membranous, "mmf").n) == (16, 29)
    assert (_result(membranous, "ivc").events, _result(membranous, "ivc").n) == (15, 31)


def test_alms_overall_response_is_the_sum_of_the_class_rows() -> None:
    # Derived, and flagged so: 88 + 16 = 104 and 83 + 15 = 98 responders of 185 per arm.
    endpoint = _trial("alms-induction").endpoint("response-24w")
    assert all(r.derived for r in endpoint.results)
    assert (_result(endpoint, "mmf").events, _result(endpoint, "ivc").events) == (104, 98)


def test_euro_lupus_low_dose_regimen_is_six_fortnightly_500_mg_pulses() -> None:
    low = next(arm for arm in _trial("euro-lupus").arms if arm.id == "low-dose")
    regimen = next(d.regimen for d in low.drugs if d.therapy == "cyclophosphamide")
    assert "500 mg" in regimen and "every 2 weeks" in regimen and "6 pulses" in regimen
