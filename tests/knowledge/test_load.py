"""The loader: the shipped knowledge base is whole, and broken data is refused naming file and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lncare.knowledge import KnowledgeBaseError, load
from lncare.knowledge.load import KINDS, data_dir

TRIAL = """\
id: tiny-trial
last_reviewed: 2026-01-01
name: Tiny trial
references: [pmid:11111111]
study_type: rct
design: A fixture.
population: {description: Fixture patients., condition: lupus-nephritis, verified: "yes"}
arms:
  - {id: a, label: A, role: experimental, n: 10, verified: "yes", drugs: [{therapy: %(therapy)s, regimen: x}]}
  - {id: b, label: B, role: control, n: 10, verified: "yes"}
endpoints:
  - id: e
    name: E
    role: primary
    definition: A fixture endpoint.
    results: [{arm: a, events: 5, n: 10, percent: 50}, {arm: b, events: 2, n: 10, percent: 20}]
    verified: "yes"
    source: %(source)s
verified: "yes"
"""
REFERENCES = "- {id: 'pmid:11111111', title: A paper, pmid: '11111111'}\n"
VERSION = "version: 1.0.0\nreleased: 2026-06-01\n"


def _fixture(tmp_path: Path, therapy: str = "null", source: str = "pmid:11111111") -> Path:
    for folder, _ in KINDS.values():
        (tmp_path / folder).mkdir()
    (tmp_path / "kb.yaml").write_text(VERSION)
    (tmp_path / "references" / "one.yaml").write_text(REFERENCES)
    (tmp_path / "trials" / "tiny-trial.yaml").write_text(TRIAL % {"therapy": therapy, "source": source})
    return tmp_path


def _problems(root: Path) -> list[str]:
    with pytest.raises(KnowledgeBaseError) as caught:
        load(root)
    return caught.value.problems


def test_the_shipped_knowledge_base_loads_with_every_kind() -> None:
    kb = load()
    assert kb.therapies and kb.trials and kb.statements and kb.definitions and kb.references


def test_every_cited_reference_and_link_of_the_shipped_data_resolves() -> None:
    kb = load()
    for kind in ("therapy", "trial", "statement", "definition"):
        for item in kb.table(kind).values():
            for ref in item.cited_references():  # type: ignore[attr-defined]
                assert ref in kb.references, (item, ref)
            for link in item.links():  # type: ignore[attr-defined]
                assert link.id in kb.table(link.kind), (item, link)


def test_load_is_cached_once_per_process() -> None:
    assert load() is load()


def test_a_clean_fixture_loads(tmp_path: Path) -> None:
    kb = load(_fixture(tmp_path))
    assert list(kb.trials) == ["tiny-trial"]
    assert kb.files[("trial", "tiny-trial")].name == "tiny-trial.yaml"


def test_an_unknown_reference_is_refused(tmp_path: Path) -> None:
    problems = _problems(_fixture(tmp_path, source="pmid:22222222"))
    assert problems == ["trials/tiny-trial.yaml: tiny-trial cites unknown reference 'pmid:22222222'"]


def test_an_unknown_therapy_link_is_refused(tmp_path: Path) -> None:
    problems = _problems(_fixture(tmp_path, therapy="no-such-drug"))
    assert problems == ["trials/tiny-trial.yaml: tiny-trial links to unknown therapy 'no-such-drug'"]


def test_a_duplicate_id_within_a_kind_is_refused(tmp_path: Path) -> None:
    root = _fixture(tmp_path)
    shutil.copy(root / "trials" / "tiny-trial.yaml", root / "trials" / "copy.yaml")
    assert _problems(root) == ["trials/tiny-trial.yaml: id 'tiny-trial' is already used by trials/copy.yaml"]


def test_a_reference_may_repeat_across_files_only_when_identical(tmp_path: Path) -> None:
    root = _fixture(tmp_path)
    (root / "references" / "two.yaml").write_text(REFERENCES)
    assert "pmid:11111111" in load(root).references
    (root / "references" / "two.yaml").write_text("- {id: 'pmid:11111111', title: Another title}\n")
    assert _problems(root) == [
        "references/two.yaml[0]: id 'pmid:11111111' is already used by references/one.yaml"
    ]


def test_a_bad_field_names_the_file_and_the_field(tmp_path: Path) -> None:
    root = _fixture(tmp_path)
    path = root / "trials" / "tiny-trial.yaml"
    path.write_text(path.read_text().replace("percent: 50", "percent: 150"))
    (problem,) = _problems(root)
    assert problem.startswith("trials/tiny-trial.yaml: endpoints[0].results[0].percent: ")


def test_percent_that_contradicts_the_counts_is_refused(tmp_path: Path) -> None:
    root = _fixture(tmp_path)
    path = root / "trials" / "tiny-trial.yaml"
    path.write_text(path.read_text().replace("percent: 20", "percent: 25"))
    (problem,) = _problems(root)
    assert "endpoints[0].results[1]" in problem and "does not match 2/10" in problem


def test_invalid_yaml_is_refused_naming_the_file(tmp_path: Path) -> None:
    root = _fixture(tmp_path)
    (root / "trials" / "broken.yaml").write_text("id: [unclosed\n")
    (problem,) = _problems(root)
    assert problem.startswith("trials/broken.yaml: not valid YAML")


def test_an_item_reviewed_after_the_release_date_needs_a_new_version(tmp_path: Path) -> None:
    root = _fixture(tmp_path)
    (root / "kb.yaml").write_text("version: 0.9.0\nreleased: 2025-12-31\n")
    (problem,) = _problems(root)
    assert "last_reviewed 2026-01-01 is after the content release 2025-12-31" in problem


def test_the_error_is_one_line_with_a_count_of_the_rest(tmp_path: Path) -> None:
    root = _fixture(tmp_path, therapy="no-such-drug", source="pmid:22222222")
    with pytest.raises(KnowledgeBaseError) as caught:
        load(root)
    assert "\n" not in str(caught.value)
    assert str(caught.value).endswith("(and 1 more problems)")


def test_the_packaged_data_directory_holds_every_kind() -> None:
    root = data_dir()
    for folder, _ in KINDS.values():
        assert any((root / folder).glob("*.yaml")), folder
