"""The criteria evaluator on the knowledge base's own definitions, with hand-worked numbers from the
guideline text (KDIGO 2024 complete response: UPCR < 0.5 g/g, eGFR within 10-15 % of baseline;
EULAR 2019: proteinuria < 0.5-0.7, a range)."""

from __future__ import annotations

from lncare.engine.criteria import Facts, compare, evaluate
from lncare.knowledge import load

KB = load()


def facts(
    current: dict[str, float], baseline: dict[str, float] | None = None, **findings: bool | None
) -> Facts:
    return Facts(current, {"baseline": baseline or {}}, findings, lambda _id: None)


def test_range_bound_is_indeterminate_between_its_ends() -> None:
    assert compare(0.4, "<", (0.5, 0.7)) is True
    assert compare(0.6, "<", (0.5, 0.7)) is None
    assert compare(0.7, "<", (0.5, 0.7)) is False
    assert compare(0.5, "<", (0.5, 0.7)) is None  # 0.5 is not below 0.5, but is below 0.7


def test_kdigo_complete_upcr_3_4_to_0_4_with_stable_egfr() -> None:
    criteria = KB.definitions["kdigo2024-response-complete"].criteria
    verdict = evaluate(criteria, facts({"upcr": 0.4, "egfr": 88.0}, {"upcr": 3.4, "egfr": 90.0}))
    assert verdict.holds is True
    assert verdict.used["upcr"] == 0.4 and verdict.used["egfr_baseline"] == 90.0


def test_kdigo_complete_fails_at_upcr_0_5_and_at_a_16_percent_egfr_fall() -> None:
    criteria = KB.definitions["kdigo2024-response-complete"].criteria
    assert evaluate(criteria, facts({"upcr": 0.5, "egfr": 90.0}, {"upcr": 3.4, "egfr": 90.0})).holds is False
    assert evaluate(criteria, facts({"upcr": 0.3, "egfr": 84.0}, {"upcr": 3.4, "egfr": 100.0})).holds is False


def test_kdigo_egfr_fall_between_10_and_15_percent_is_indeterminate() -> None:
    criteria = KB.definitions["kdigo2024-response-complete"].criteria
    verdict = evaluate(criteria, facts({"upcr": 0.3, "egfr": 88.0}, {"upcr": 3.4, "egfr": 100.0}))
    assert verdict.holds is None
    assert any("10-15" in gap for gap in verdict.gaps)


def test_kdigo_partial_needs_half_and_below_3() -> None:
    criteria = KB.definitions["kdigo2024-response-partial"].criteria
    assert evaluate(criteria, facts({"upcr": 1.7, "egfr": 90.0}, {"upcr": 3.4, "egfr": 90.0})).holds is True
    assert evaluate(criteria, facts({"upcr": 1.8, "egfr": 90.0}, {"upcr": 3.4, "egfr": 90.0})).holds is False
    # a 50 % fall from 8 g/g still leaves 4 g/g, above 3 g/g
    assert evaluate(criteria, facts({"upcr": 4.0, "egfr": 90.0}, {"upcr": 8.0, "egfr": 90.0})).holds is False


def test_missing_value_decides_only_when_it_could() -> None:
    criteria = KB.definitions["kdigo2024-response-complete"].criteria
    # UPCR 0.8 already fails the all_of: the missing eGFR does not matter
    assert evaluate(criteria, facts({"upcr": 0.8}, {"upcr": 3.4})).holds is False
    verdict = evaluate(criteria, facts({"upcr": 0.3}, {"upcr": 3.4}))
    assert verdict.holds is None and "no egfr" in verdict.gaps


def test_eular_complete_upcr_in_range_is_indeterminate_and_says_so() -> None:
    criteria = KB.definitions["eular2019-response-complete"].criteria
    verdict = evaluate(criteria, facts({"upcr": 0.6, "egfr": 95.0}, {"upcr": 3.0}, gfr_near_normal=True))
    assert verdict.holds is None
    assert any("0.5-0.7" in gap for gap in verdict.gaps)
    assert evaluate(criteria, facts({"upcr": 0.45}, {"upcr": 3.0}, gfr_near_normal=True)).holds is True
    assert evaluate(criteria, facts({"upcr": 0.45}, {"upcr": 3.0}, gfr_near_normal=False)).holds is False


def test_unmeasured_alternative_does_not_hold_an_any_of_open() -> None:
    criteria = KB.definitions["eular2019-milestone-3-months"].criteria
    f = Facts({"upcr": 2.0}, {"baseline": {"upcr": 3.0}}, {}, lambda _id: None, measured=frozenset({"upcr"}))
    assert evaluate(criteria, f).holds is True  # 33 % fall
    f = Facts({"upcr": 2.5}, {"baseline": {"upcr": 3.0}}, {}, lambda _id: None, measured=frozenset({"upcr"}))
    assert evaluate(criteria, f).holds is False  # 17 % fall; no 24-h collection was ever done


def test_moroni_proteinuric_flare_from_previous_value() -> None:
    criteria = KB.definitions["moroni-flare-proteinuric"].criteria
    rise = Facts({"protein_24h": 3.1}, {"previous": {"protein_24h": 1.0}}, {}, lambda _id: None)
    assert evaluate(criteria, rise).holds is True  # +2.1 g/24 h from below 3.5
    small = Facts({"protein_24h": 2.9}, {"previous": {"protein_24h": 1.0}}, {}, lambda _id: None)
    assert evaluate(criteria, small).holds is False
    doubling = Facts({"protein_24h": 8.0}, {"previous": {"protein_24h": 4.0}}, {}, lambda _id: None)
    assert evaluate(criteria, doubling).holds is True


def test_definition_criterion_negates() -> None:
    criteria = KB.definitions["kdigo2024-response-none"].criteria
    neither = Facts({}, {}, {}, lambda _id: False)
    assert evaluate(criteria, neither).holds is True
    one = Facts({}, {}, {}, lambda ident: ident.endswith("partial"))
    assert evaluate(criteria, one).holds is False


def test_a_change_exactly_at_its_bound_meets_it_despite_float_subtraction() -> None:
    # KDIGO 2012 Table 29, moderate flare: creatinine up 0.20-1.0 mg/dL from a baseline below 2.0.
    # 1.2 - 1.0 is 0.19999999999999996 in binary floating point; the guideline's 0.2 rise must count.
    criteria = KB.definitions["kdigo2012-flare-moderate"].criteria
    verdict = evaluate(criteria, facts({"creatinine": 1.2}, {"creatinine": 1.0}))
    assert verdict.holds is True
    assert evaluate(criteria, facts({"creatinine": 1.19}, {"creatinine": 1.0})).holds is not True
