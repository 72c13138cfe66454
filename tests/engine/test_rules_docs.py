"""docs/rules: decision tables generated from the rule registry, committed, and kept up to date."""

from __future__ import annotations

from pathlib import Path

from lncare.engine import docs
from lncare.engine.rules import AREAS, Rule
from lncare.knowledge import load
from lncare.knowledge.schema.definition import AllOf, ChangeCriterion, FindingCriterion, ValueCriterion

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "rules"
KB = load()


def _rule(*implements: str) -> Rule:
    return Rule("hcq_for_everyone", "antimalarial", implements, "Everyone with LN takes HCQ.", lambda ctx: [])


def test_committed_pages_match_the_generator() -> None:
    generated = docs.pages(KB)
    committed = {p.name: p.read_text(encoding="utf-8") for p in COMMITTED.glob("*.md")}
    assert set(committed) == set(generated), "run: python -m lncare.engine.docs"
    stale = [name for name, text in generated.items() if committed[name] != text]
    assert not stale, f"docs/rules is out of date ({stale}); run: python -m lncare.engine.docs"


def test_one_page_per_area_and_an_index() -> None:
    assert set(docs.pages(KB)) == {f"{area}.md" for area in AREAS} | {"index.md"}


def test_a_rule_shows_its_statement_grade_certainty_and_dose() -> None:
    # EULAR 2023 rec 1: hydroxychloroquine with a target dose of 5 mg/kg/day of actual body weight
    # (Fanouriakis et al., Ann Rheum Dis 2024;83:15-29); its grade is not in the knowledge base yet.
    text = "\n".join(docs.render_rule(_rule("eular2023-rec-1"), KB))
    row = next(line for line in text.splitlines() if "eular2023-rec-1" in line)
    assert row.startswith("| eular2023 |")
    assert "hydroxychloroquine" in row and "5 mg/kg" in row and "actual weight" in row
    assert "| grade not recorded | V |" in row
    assert "No statement of this rule belongs to: kdigo2024, acr2024." in text


def test_a_profile_that_does_not_apply_a_statement_is_shown_as_such() -> None:
    unverified = next(s for s in KB.statements.values() if s.certainty == "R")
    text = "\n".join(docs.render_rule(_rule(unverified.id), KB))
    assert "*not applied: certainty R*" in text
    assert unverified.paraphrase not in text


def test_criteria_read_as_words() -> None:
    # EULAR 2019 partial renal response: >= 50 % fall in proteinuria to sub-nephrotic levels (< 3 g/g).
    tree = AllOf(items=(
        ChangeCriterion(measure="upcr", direction="decrease", comparator=">=", value=50, unit="%"),
        ValueCriterion(measure="upcr", comparator="<", value=(0.5, 0.7), unit="g/g"),
        FindingCriterion(finding="rbc_casts", present=False),
    ))
    assert docs.criterion_text(tree) == (
        "(upcr decrease >= 50% from baseline and upcr < 0.5-0.7 g/g and rbc_casts absent)"
    )


def test_writing_replaces_stale_pages(tmp_path: Path) -> None:
    (tmp_path / "gone.md").write_text("old area", encoding="utf-8")
    written = docs.write(tmp_path, KB)
    assert not (tmp_path / "gone.md").exists()
    assert {p.name for p in written} == {p.name for p in tmp_path.glob("*.md")}


def test_a_graded_statement_shows_its_grade() -> None:
    # KDIGO 2024 rec 10.2.1.1: hydroxychloroquine for every patient with SLE, graded 1C.
    text = "\n".join(docs.render_rule(_rule("kdigo2024-rec-10.2.1.1"), KB))
    assert "| kdigo 1 C | V |" in text
