"""Guideline statements: every file validates, ids follow the guideline numbering, links resolve, every
usable statement has a source, and key doses and thresholds match the guideline text (values written
here from the guidelines, not read back from the data).

The helpers at the top read the statement, definition and reference files straight from the package
with yaml.safe_load and validate them with the schema models, so these tests do not depend on the
loader; test_definitions.py imports them from here.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from lncare.knowledge.schema.common import Reference
from lncare.knowledge.schema.definition import AllOf, AnyOf, Criterion, Definition, ValueCriterion
from lncare.knowledge.schema.statement import Dose, Statement

DATA = Path(__file__).resolve().parents[2] / "src" / "lncare" / "knowledge" / "data"
STATEMENT_FILES = sorted((DATA / "statements").glob("*.yaml"))
DEFINITION_FILES = sorted((DATA / "definitions").glob("*.yaml"))


def raw(path: Path) -> list[dict[str, Any]]:
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(items, list), f"{path.name} must be a YAML list"
    return items


@cache
def statements() -> tuple[Statement, ...]:
    return tuple(Statement.model_validate(item) for path in STATEMENT_FILES for item in raw(path))


@cache
def definitions() -> tuple[Definition, ...]:
    return tuple(Definition.model_validate(item) for path in DEFINITION_FILES for item in raw(path))


@cache
def reference_ids() -> frozenset[str]:
    """Every reference id defined in references/*.yaml (this module's and the other kinds' files)."""
    paths = (DATA / "references").glob("*.yaml")
    return frozenset(Reference.model_validate(item).id for path in paths for item in raw(path))


def statement(item_id: str) -> Statement:
    return next(s for s in statements() if s.id == item_id)


def definition(item_id: str) -> Definition:
    return next(d for d in definitions() if d.id == item_id)


def leaves(criterion: Criterion) -> list[Criterion]:
    if isinstance(criterion, AllOf | AnyOf):
        return [leaf for item in criterion.items for leaf in leaves(item)]
    return [criterion]


# --- statement tests ---------------------------------------------------------------------------

# Therapy and trial ids fixed by the knowledge-base issue (supportive agents as the therapy files name them).
THERAPIES = {
    "hydroxychloroquine", "prednisone", "prednisolone", "methylprednisolone", "vamorolone",
    "mycophenolate-mofetil", "mycophenolic-acid", "cyclophosphamide", "azathioprine", "tacrolimus",
    "cyclosporine", "voclosporin", "leflunomide", "rituximab", "obinutuzumab", "belimumab", "telitacicept",
    "anifrolumab", "dapagliflozin", "empagliflozin", "ace-inhibitor", "arb", "cd19-car-t", "teclistamab",
    "calcium-vitamin-d", "bisphosphonate", "trimethoprim-sulfamethoxazole", "statin", "low-dose-aspirin",
    "heparin",
}
TRIALS = {
    "aurora-1", "aura-lv", "bliss-ln", "regency", "nobility", "lunar", "tulip-ln", "win-lupus",
    "zheng-2022-tacrolimus-vs-ivcy", "tac-mmf-vs-cyc-mmf-2020", "hcq-reduced-vs-full-dose-2021",
    "pedrosa-2021-hcq-obesity", "fu-2022-leflunomide-vs-azathioprine",
}
ID_PATTERN = re.compile(r"^[a-z0-9]+-(rec|pp|gps|op|text)-([0-9]+(\.[0-9]+)*|[a-z][a-z0-9-]*)$")


@pytest.mark.parametrize("path", STATEMENT_FILES, ids=lambda p: p.name)
def test_every_statement_file_validates_and_holds_one_document(path: Path) -> None:
    items = [Statement.model_validate(item) for item in raw(path)]
    assert items, f"{path.name} is empty"
    assert {s.document for s in items} == {path.stem}


def test_required_guideline_files_exist() -> None:
    names = {p.stem for p in STATEMENT_FILES}
    assert {"eular2019", "eular2023", "eular2025", "kdigo2024", "acr2024", "acr2020"} <= names


def test_ids_are_unique_and_follow_the_numbering() -> None:
    counts = Counter(s.id for s in statements())
    assert [i for i, n in counts.items() if n > 1] == []
    for s in statements():
        assert ID_PATTERN.match(s.id), s.id
        if s.document == "kdigo2024" and s.number is not None:
            assert s.number.startswith("10."), s.id  # KDIGO 2024 is chapter 10 of the GN guideline
        if s.document == "acr2024":
            assert s.number is None, s.id  # ACR does not number its statements


def test_kdigo_2024_has_its_three_graded_recommendations() -> None:
    # KDIGO 2024: three graded recommendations (HCQ 1C, initial therapy 1B, MPAA maintenance 1B).
    recs = {s.number: s.grade for s in statements() if s.document == "kdigo2024" and s.kind == "rec"}
    assert set(recs) == {"10.2.1.1", "10.2.3.1.1", "10.2.3.2.1"}
    grades = {n: (g.strength, g.evidence) for n, g in recs.items() if g is not None and g.system == "kdigo"}
    assert grades == {"10.2.1.1": (1, "C"), "10.2.3.1.1": (1, "B"), "10.2.3.2.1": (1, "B")}


def test_acr_2024_counts_match_the_summary() -> None:
    # ACR 2024 summary: 28 graded recommendations (7 strong, 21 conditional) and 13 GPS.
    acr = [s for s in statements() if s.document == "acr2024"]
    strengths = Counter(s.grade.strength for s in acr if s.kind == "rec" and s.grade is not None)
    assert strengths["strong"] == 7
    assert strengths["conditional"] <= 21
    assert sum(1 for s in acr if s.kind == "gps") == 13
    assert all(s.grade is not None for s in acr if s.kind == "rec")


def test_every_usable_statement_has_a_source_and_a_verification() -> None:
    for s in statements():
        if s.usable:
            assert s.sources and all(src.ref for src in s.sources), s.id
            assert len(s.verification) >= 10, s.id


def test_every_cited_reference_is_defined() -> None:
    for s in statements():
        assert set(s.cited_references()) <= reference_ids(), s.id


def test_required_guideline_references_carry_their_identifiers() -> None:
    refs = {
        item["id"]: item for item in raw(DATA / "references" / "guidelines.yaml")
    }
    # PMIDs and DOIs as given in shared/domain/guidelines.md sections 0 and 12.
    assert refs["guideline:eular2023"]["pmid"] == "37827694"
    assert refs["guideline:eular2023"]["doi"] == "10.1136/ard-2023-224762"
    assert refs["guideline:eular2025"]["pmid"] == "41107121"
    assert refs["guideline:eular2025"]["doi"] == "10.1016/j.ard.2025.09.007"
    assert refs["guideline:kdigo2024"]["pmid"] == "38182286"
    assert refs["guideline:acr2024"]["pmid"] == "40127995"
    assert refs["guideline:acr2024"]["doi"] == "10.1002/acr.25528"
    assert refs["guideline:eular2019"]["doi"] == "10.1136/annrheumdis-2020-216924"
    assert "guideline:acr2020" in refs


def test_links_resolve() -> None:
    statement_ids = {s.id for s in statements()}
    definition_ids = {d.id for d in definitions()}
    for s in statements():
        for link in s.links():
            if link.kind == "statement":
                assert link.id in statement_ids and link.id != s.id, (s.id, link.id)
                assert statement(link.id).document != s.document, (s.id, link.id)
            elif link.kind == "definition":
                assert link.id in definition_ids, (s.id, link.id)
            elif link.kind == "therapy":
                assert link.id in THERAPIES, (s.id, link.id)
            elif link.kind == "trial":
                assert link.id in TRIALS, (s.id, link.id)


def test_paraphrases_are_not_the_guideline_voice() -> None:
    for s in statements():
        voice = re.search(r"\bwe (strongly |conditionally )?(recommend|suggest)\b", s.paraphrase, re.I)
        assert voice is None, s.id


CORE_TOPICS = ("antimalarial", "glucocorticoid", "induction", "maintenance", "refractory", "response")


def _usable_topics(profile: str) -> set[str]:
    return {s.topic for s in statements() if profile in s.profiles and s.usable}


@pytest.mark.parametrize("profile", ["eular2023", "kdigo2024", "acr2024"])
def test_released_profiles_can_rest_core_rules_on_usable_statements(profile: str) -> None:
    assert [t for t in CORE_TOPICS if t not in _usable_topics(profile)] == []


def test_eular2025_gaps_are_only_those_awaiting_the_full_text() -> None:
    # EULAR 2025 GC, duration and refractory statements are known only from single secondary reports (R).
    missing = {t for t in CORE_TOPICS if t not in _usable_topics("eular2025")}
    assert missing <= {"glucocorticoid", "maintenance", "refractory"}


def _doses(item_id: str, drug: str) -> list[Dose]:
    return [d for d in statement(item_id).doses if d.drug == drug]


def _threshold(item_id: str, name: str) -> ValueCriterion:
    criterion = statement(item_id).condition(name).criterion
    assert isinstance(criterion, ValueCriterion)
    return criterion


def test_kdigo_egfr_gates_with_the_erratum_applied() -> None:
    # KDIGO 2024 Rec 10.2.3.1.1: MPAA + CNI when eGFR > 45 (the printed '<= 45' is a typo);
    # belimumab triple therapy when eGFR >= 30.
    cni = _threshold("kdigo2024-rec-10.2.3.1.1", "egfr_min_mpaa_cni")
    assert (cni.measure, cni.comparator, cni.value) == ("egfr", ">", 45)
    bel = _threshold("kdigo2024-rec-10.2.3.1.1", "egfr_min_belimumab_triple")
    assert (bel.comparator, bel.value) == (">=", 30)


def test_hcq_never_above_5_mg_per_kg() -> None:
    # AAO 2016, EULAR 2019/2023, KDIGO: 5 mg/kg/day is the ceiling or target; EULAR 2023 caps at 400 mg/day.
    hcq = [d for s in statements() for d in s.doses if d.drug == "hydroxychloroquine"]
    assert hcq
    for dose in hcq:
        assert (dose.amount, dose.unit, dose.frequency) == (5, "mg/kg", "daily")
        assert dose.limit in ("max", "target")
    (eular,) = _doses("eular2023-rec-1", "hydroxychloroquine")
    assert (eular.limit, eular.cap_mg, eular.weight_basis) == ("target", 400, "actual")


def test_glucocorticoid_targets_per_guideline() -> None:
    # EULAR 2023: maintenance <= 5 mg/day. ACR 2024: <= 5 mg/day by 6 months.
    # EULAR 2019: <= 7.5 mg/day by 3-6 months. KDIGO reduced dose: 5 mg/day at weeks 11-12.
    eular = _threshold("eular2023-text-gc", "prednisone_maintenance_ceiling")
    assert (eular.comparator, eular.value, eular.unit) == ("<=", 5, "mg/d")
    acr = statement("acr2024-text-gc-target").condition("prednisone_target_6_months")
    assert isinstance(acr.criterion, ValueCriterion) and acr.criterion.value == 5
    assert acr.by is not None and (acr.by.value, acr.by.unit) == (6, "months")
    assert _threshold("eular2019-text-gc", "prednisone_target_3_to_6_months").value == 7.5
    week_12 = statement("kdigo2024-pp-reduced-dose-gc").condition("prednisone_target_week_12")
    assert week_12.by is not None and week_12.by.weeks == 12


def test_acr_2024_glucocorticoid_doses() -> None:
    # ACR 2024: methylprednisolone 250-1000 mg/day x 1-3 days, then oral <= 0.5 mg/kg/day, max 40 mg/day.
    (pulse,) = _doses("acr2024-rec-triple-therapy", "methylprednisolone")
    assert (pulse.amount, pulse.unit, pulse.count, pulse.route) == ((250, 1000), "mg", (1, 3), "iv")
    (oral,) = _doses("acr2024-rec-triple-therapy", "prednisone")
    assert (oral.amount, oral.unit, oral.limit, oral.cap_mg) == (0.5, "mg/kg", "max", 40)


def test_acr_2024_proteinuria_thresholds() -> None:
    # ACR 2024: pure class V triple therapy from UPCR >= 1 g/g; MPAA + CNI when UPCR >= 3 g/g;
    # biopsy when UPCR > 0.5 g/g.
    class_v = _threshold("acr2024-rec-class-v-high", "proteinuria_threshold")
    assert (class_v.comparator, class_v.value) == (">=", 1.0)
    assert _threshold("acr2024-rec-class-v-low", "proteinuria_threshold").comparator == "<"
    assert _threshold("acr2024-rec-proteinuria-3-cni", "heavy_proteinuria").value == 3.0
    assert _threshold("acr2024-rec-biopsy", "biopsy_threshold").value == 0.5


def test_induction_doses() -> None:
    # Euro-Lupus: 500 mg IV every 2 weeks x 6 (EULAR 2019 abstract).
    # Belimumab label: 10 mg/kg every 2 weeks x 3, then every 4 weeks.
    (elnt,) = _doses("eular2019-text-initial-proliferative", "cyclophosphamide")
    assert (elnt.amount, elnt.frequency, elnt.count, elnt.route) == (500, "q2w", 6, "iv")
    loading, continuation = _doses("kdigo2024-rec-10.2.3.1.1", "belimumab")
    assert (loading.amount, loading.unit, loading.frequency, loading.count) == (10, "mg/kg", "q2w", 3)
    assert (continuation.frequency, continuation.count) == ("q4w", None)
    (mmf,) = _doses("eular2019-text-initial-proliferative", "mycophenolate-mofetil")
    assert mmf.amount == (2000, 3000)


def test_maintenance_durations() -> None:
    # KDIGO: >= 36 months in total; EULAR 2023: >= 3 years after response; ACR: 3-5 years.
    kdigo = statement("kdigo2024-pp-maintenance-duration").duration
    assert kdigo is not None and kdigo.minimum is not None and kdigo.minimum.value == 36
    assert kdigo.counted_from == "treatment_start"
    eular = statement("eular2023-text-ln-duration").duration
    assert eular is not None and eular.counted_from == "response"
    acr = statement("acr2024-text-duration").duration
    assert acr is not None and acr.minimum is not None and acr.maximum is not None
    assert (acr.minimum.value, acr.maximum.value) == (36, 60)


def test_rivals_cover_the_known_disagreements() -> None:
    def rivals(item_id: str) -> set[str]:
        return {r.id for r in statement(item_id).rivals}

    assert "acr2024-rec-triple-therapy" in rivals("kdigo2024-rec-10.2.3.1.1")
    assert "acr2024-rec-triple-therapy" in rivals("eular2023-text-ln-initial")
    assert "eular2023-rec-1" in rivals("kdigo2024-rec-10.2.1.1")
    duration_rivals = rivals("kdigo2024-pp-maintenance-duration")
    assert {"eular2023-text-ln-duration", "acr2024-text-duration"} <= duration_rivals
    assert "acr2024-rec-class-v-high" in rivals("eular2019-text-class-v")


KDIGO_1C = {"system": "kdigo", "strength": 1, "evidence": "C"}
_BASE = {
    "id": "kdigo2024-rec-10.2.1.1",
    "last_reviewed": "2026-11-27",
    "document": "kdigo2024",
    "profiles": ["kdigo2024"],
    "kind": "rec",
    "number": "10.2.1.1",
    "topic": "antimalarial",
    "paraphrase": "A statement used only to test the schema.",
    "certainty": "S",
    "verification": "test fixture, not data",
    "sources": [{"ref": "guideline:kdigo2024"}],
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": "kdigo2024-pp-10.2.1.1"}, "must read"),
        ({"number": "10.2.1.2"}, "must end in its number"),
        ({"grade": {"system": "acr", "strength": "strong"}}, "cannot carry"),
        (
            {"id": "kdigo2024-pp-10.2.1.1", "kind": "pp", "grade": KDIGO_1C},
            "only graded",
        ),
        ({"sources": []}, "sources"),
        ({"profiles": []}, "profiles"),
    ],
)
def test_schema_rejects_inconsistent_statements(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Statement.model_validate({**_BASE, **change})
