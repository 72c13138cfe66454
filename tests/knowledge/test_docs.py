"""The committed review pages in docs/knowledge are what the generator writes today."""

from __future__ import annotations

from pathlib import Path

from lncare.knowledge import load
from lncare.knowledge.docs import main, pages

DOCS = Path(__file__).resolve().parents[2] / "docs" / "knowledge"


def test_committed_pages_are_up_to_date() -> None:
    expected = pages(load())
    committed = {p.relative_to(DOCS).as_posix(): p.read_text(encoding="utf-8") for p in DOCS.rglob("*.md")}
    stale = sorted(
        name for name in set(expected) | set(committed) if expected.get(name) != committed.get(name)
    )
    assert not stale, f"run `lncare kb docs` to regenerate: {stale[:5]}"


def test_there_is_a_page_per_therapy_and_trial_and_an_index() -> None:
    kb = load()
    names = set(pages(kb))
    assert {f"trials/{t}.md" for t in kb.trials} <= names
    assert {f"therapies/{t}.md" for t in kb.therapies} <= names
    assert "index.md" in names


def test_module_entry_point_writes_the_pages(tmp_path: Path) -> None:
    main(["--out", str(tmp_path)])
    page = (tmp_path / "trials" / "bliss-ln.md").read_text(encoding="utf-8")
    assert "Effect: OR 1.6, 95% CI 1 to 2.3" in page


def test_stale_pages_are_removed(tmp_path: Path) -> None:
    (tmp_path / "trials").mkdir()
    (tmp_path / "trials" / "gone.md").write_text("old")
    main(["--out", str(tmp_path)])
    assert not (tmp_path / "trials" / "gone.md").exists()
