"""Definitions: every file validates, ids are unique, links resolve, and the key thresholds match the
guideline text (values written here from the guidelines, not read back from the data)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from pydantic import ValidationError
from test_statements import (
    DEFINITION_FILES,
    definition,
    definitions,
    leaves,
    raw,
    reference_ids,
    statements,
)

from lncare.knowledge.schema.definition import (
    ChangeCriterion,
    Definition,
    DefinitionCriterion,
    FindingCriterion,
    TimePoint,
    ValueCriterion,
    walk,
)
from lncare.model.units import to_canonical


@pytest.mark.parametrize("path", DEFINITION_FILES, ids=lambda p: p.name)
def test_every_definition_file_validates(path: Path) -> None:
    items = raw(path)
    assert items, f"{path.name} is empty"
    for item in items:
        Definition.model_validate(item)


def test_ids_are_unique_and_name_their_document() -> None:
    counts = Counter(d.id for d in definitions())
    assert [i for i, n in counts.items() if n > 1] == []
    slug = {"renal_response": "response-{}", "milestone": "milestone-{}", "flare": "flare-{}",
            "inadequate_response": "inadequate-response", "refractory": "refractory"}
    for d in definitions():
        assert d.id == f"{d.document}-" + slug[d.concept].format(d.outcome.replace("_", "-")), d.id


def test_every_definition_has_a_source_a_verification_and_resolving_references() -> None:
    for d in definitions():
        assert d.sources, d.id
        assert len(d.verification) >= 10, d.id
        assert set(d.cited_references()) <= reference_ids(), d.id


def test_links_resolve() -> None:
    definition_ids = {d.id for d in definitions()}
    statement_ids = {s.id for s in statements()}
    for d in definitions():
        for link in d.links():
            if link.kind == "definition":
                assert link.id in definition_ids and link.id != d.id, (d.id, link.id)
            elif link.kind == "statement":
                assert link.id in statement_ids, (d.id, link.id)


def test_a_usable_definition_never_rests_on_an_unconfirmed_one() -> None:
    for d in definitions():
        if d.certainty == "R":
            continue
        for node in walk(d.criteria):
            if isinstance(node, DefinitionCriterion):
                assert definition(node.definition).certainty in ("V", "S"), (d.id, node.definition)


def test_every_profile_has_usable_complete_response_definition() -> None:
    for profile in ("eular2023", "eular2025", "kdigo2024", "acr2024"):
        found = [
            d for d in definitions()
            if profile in d.profiles and d.outcome == "complete" and d.certainty in ("V", "S")
        ]
        assert found, profile


def _value(d: Definition, measure: str, at: str = "current") -> ValueCriterion:
    matches = [
        c for c in leaves(d.criteria) if isinstance(c, ValueCriterion) and c.measure == measure and c.at == at
    ]
    assert len(matches) == 1, (d.id, measure, matches)
    return matches[0]


def _change(d: Definition, measure: str) -> list[ChangeCriterion]:
    return [c for c in leaves(d.criteria) if isinstance(c, ChangeCriterion) and c.measure == measure]


def test_kdigo_2024_complete_response() -> None:
    # KDIGO 2024: UPCR < 0.5 g/g (50 mg/mmol), kidney function within 10-15% of baseline.
    d = definition("kdigo2024-response-complete")
    upcr = _value(d, "upcr")
    assert (upcr.comparator, upcr.value, upcr.unit) == ("<", 0.5, "g/g")
    (egfr,) = _change(d, "egfr")
    assert (egfr.direction, egfr.comparator, egfr.value, egfr.unit) == ("decrease", "<=", (10.0, 15.0), "%")


def test_kdigo_2024_partial_response() -> None:
    # KDIGO 2024: >= 50% fall in UPCR and < 3 g/g (300 mg/mmol).
    d = definition("kdigo2024-response-partial")
    (fall,) = _change(d, "upcr")
    assert (fall.direction, fall.comparator, fall.value, fall.unit) == ("decrease", ">=", 50, "%")
    assert (_value(d, "upcr").comparator, _value(d, "upcr").value) == ("<", 3.0)


def test_eular_2019_complete_response_by_12_months() -> None:
    # EULAR/ERA-EDTA 2019 abstract: proteinuria < 0.5-0.7 g/24 h with (near-)normal GFR by 12 months.
    d = definition("eular2019-response-complete")
    upcr = _value(d, "upcr")
    assert (upcr.comparator, upcr.value, upcr.unit) == ("<", (0.5, 0.7), "g/g")
    assert _value(d, "protein_24h").value == (0.5, 0.7)
    assert any(isinstance(c, FindingCriterion) and c.finding == "gfr_near_normal" for c in leaves(d.criteria))
    assert d.window is not None and d.window.by == TimePoint(value=12, unit="months")


@pytest.mark.parametrize(
    ("item_id", "fall_percent", "months"),
    [
        ("eular2019-milestone-3-months", 25, 3),
        ("eular2019-milestone-6-months", 50, 6),
        ("eular2025-milestone-3-months", 25, 3),
        ("eular2025-milestone-6-months", 50, 6),
    ],
)
def test_eular_proteinuria_milestones(item_id: str, fall_percent: int, months: int) -> None:
    # EULAR: >= 25% fall by 3 months, >= 50% by 6 months (2019 text; 2025 recommendation 2).
    d = definition(item_id)
    for fall in _change(d, "upcr"):
        assert (fall.direction, fall.comparator, fall.unit) == ("decrease", ">=", "%")
        assert fall.value == fall_percent
    assert d.window is not None and d.window.by == TimePoint(value=months, unit="months")


def test_eular_2025_targets() -> None:
    # EULAR 2025 rec 2: UPCR < 700 mg/g at 12 months; complete response = UPCR < 500 mg/g at any time;
    # GFR at least 80% of baseline at 3 months.
    twelve = _value(definition("eular2025-milestone-12-months"), "upcr")
    assert twelve.value == pytest.approx(to_canonical("upcr", 700, "mg/g"))
    complete = definition("eular2025-response-complete")
    assert _value(complete, "upcr").value == pytest.approx(to_canonical("upcr", 500, "mg/g"))
    assert complete.window is not None and complete.window.anchor == "any_time"
    (gfr,) = _change(definition("eular2025-milestone-3-months"), "egfr")
    assert (gfr.direction, gfr.comparator, gfr.value) == ("decrease", "<=", 20)


def test_kdigo_2012_severe_flare() -> None:
    # KDIGO 2012 Table 29: creatinine rise > 1.0 mg/dL (baseline < 2) or > 1.5 mg/dL (baseline >= 2);
    # or UPCR > 5000 mg/g.
    d = definition("kdigo2012-flare-severe")
    assert _value(d, "upcr").value == pytest.approx(to_canonical("upcr", 5000, "mg/g"))
    rises = sorted(c.value for c in _change(d, "creatinine"))  # type: ignore[type-var]
    assert rises == [1.0, 1.5]


def test_acr_2024_refractory_is_two_failed_courses() -> None:
    criterion = definition("acr2024-refractory").criteria
    assert isinstance(criterion, ValueCriterion)
    assert (criterion.measure, criterion.comparator, criterion.value) == ("failed_standard_courses", ">=", 2)


def test_moroni_nephritic_flare() -> None:
    # Nephritic flare: creatinine up >= 30% over the previous value with a nephritic sediment.
    (rise,) = _change(definition("moroni-flare-nephritic"), "creatinine")
    assert (rise.direction, rise.value, rise.unit, rise.reference) == ("increase", 30, "%", "previous")


def test_months_convert_on_the_julian_year() -> None:
    assert TimePoint(value=12, unit="months").weeks == pytest.approx(365.25 / 7)
    assert TimePoint(value=13, unit="weeks").weeks == 13


UPCR = {"kind": "value", "measure": "upcr", "comparator": "<"}
_BASE = {
    "id": "kdigo2024-response-x",
    "last_reviewed": "2026-11-27",
    "document": "kdigo2024",
    "concept": "renal_response",
    "outcome": "complete",
    "paraphrase": "A definition used only to test the schema.",
    "certainty": "S",
    "verification": "test fixture, not data",
    "sources": [{"ref": "guideline:kdigo2024"}],
}


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        ({**UPCR, "value": 500, "unit": "mg/g"}, "stored in"),
        ({**UPCR, "measure": "upcr_typo", "value": 0.5, "unit": "g/g"}, "unknown"),
        ({**UPCR, "value": [0.7, 0.5], "unit": "g/g"}, "low < high"),
        ({"kind": "finding", "finding": "casts"}, "finding"),
        ({"kind": "all_of", "items": []}, "at least 1"),
    ],
)
def test_schema_rejects_bad_criteria(criteria: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Definition.model_validate({**_BASE, "criteria": criteria})


def test_schema_rejects_an_outcome_foreign_to_the_concept() -> None:
    good = {"kind": "value", "measure": "upcr", "comparator": "<", "value": 0.5, "unit": "g/g"}
    with pytest.raises(ValidationError, match="outcome"):
        Definition.model_validate({**_BASE, "criteria": good, "outcome": "severe"})
    with pytest.raises(ValidationError, match="sources"):
        Definition.model_validate({**_BASE, "criteria": good, "sources": []})
