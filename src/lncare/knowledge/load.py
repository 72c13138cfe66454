"""Read every knowledge file, validate it, and check that every id it cites or links to exists.

The data lives in ``knowledge/data/<folder>/*.yaml``, one folder per kind; a file holds one item (a
mapping) or a list of items. Loading fails with :class:`KnowledgeBaseError` when a file does not parse
or validate, when two items of a kind share an id (a reference id may repeat across reference files
only with identical content), when an item cites an unknown reference or links to an unknown item,
or when an item was reviewed after the release date in ``kb.yaml`` (the version was not bumped).
Every problem names the file and the field, so a reviewer can fix the data without reading Python.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache, cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, cast

import yaml
from pydantic import BaseModel, ValidationError

from lncare.errors import InputError, field_path
from lncare.knowledge.schema.common import KBItem, KBModel, Reference
from lncare.knowledge.schema.definition import Definition
from lncare.knowledge.schema.statement import Statement
from lncare.knowledge.schema.therapy import Therapy
from lncare.knowledge.schema.trial import Trial

# Kind name (as in schema.common.Link) -> (data folder, model). References are listed last: every
# other kind cites them, they cite nothing.
KINDS: dict[str, tuple[str, type[BaseModel]]] = {
    "therapy": ("therapies", Therapy),
    "trial": ("trials", Trial),
    "statement": ("statements", Statement),
    "definition": ("definitions", Definition),
    "reference": ("references", Reference),
}
VERSION_FILE = "kb.yaml"


class ContentVersion(KBModel):
    """Version of the knowledge content, separate from the software version; see data/CHANGELOG.md."""

    version: str
    released: date

    def __str__(self) -> str:
        return f"{self.version} ({self.released.isoformat()})"


class KnowledgeBaseError(InputError):
    """The knowledge files are broken; ``problems`` lists every problem found, one line each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__("knowledge base", None, problems[0] + more)

    def __str__(self) -> str:
        more = f" (and {len(self.problems) - 1} more problems)" if len(self.problems) > 1 else ""
        return f"knowledge base: {self.problems[0]}{more}"


@dataclass(frozen=True)
class KnowledgeBase:
    """Every validated item by kind and id, the file each came from, and the content version."""

    version: ContentVersion
    therapies: Mapping[str, Therapy]
    trials: Mapping[str, Trial]
    statements: Mapping[str, Statement]
    definitions: Mapping[str, Definition]
    references: Mapping[str, Reference]
    files: Mapping[tuple[str, str], Path]

    @cached_property
    def therapy_names(self) -> Mapping[str, Therapy]:
        """Every id, INN, synonym and class member, folded by :func:`name_key`, to its therapy.

        Built once per knowledge base: the engine resolves a patient's medication names on every plan.
        """
        names: dict[str, Therapy] = {}
        for therapy in sorted(self.therapies.values(), key=lambda t: t.id):
            for alias in (therapy.id, *therapy.all_names()):
                names.setdefault(name_key(alias), therapy)
        return names

    def table(self, kind: str) -> Mapping[str, BaseModel]:
        """The items of one kind ('therapy', 'trial', 'statement', 'definition', 'reference')."""
        tables: dict[str, Mapping[str, BaseModel]] = {
            "therapy": self.therapies,
            "trial": self.trials,
            "statement": self.statements,
            "definition": self.definitions,
            "reference": self.references,
        }
        return tables[kind]


@lru_cache(maxsize=4096)
def name_key(name: str) -> str:
    """One spelling per drug name: "Mycophenolate Mofetil" and "mycophenolate_mofetil" fold alike."""
    return re.sub(r"[\s_-]+", " ", name.strip().lower())


def data_dir() -> Path:
    """The knowledge data shipped with the package."""
    return Path(str(resources.files("lncare.knowledge") / "data"))


def load(root: Path | None = None) -> KnowledgeBase:
    """The knowledge base under ``root`` (default: the package data, read once per process)."""
    if root is None:
        return _load_packaged()
    return _load(Path(root))


@cache
def _load_packaged() -> KnowledgeBase:
    return _load(data_dir())


def _load(root: Path) -> KnowledgeBase:
    problems: list[str] = []
    version = _read_version(root, problems)
    tables: dict[str, dict[str, BaseModel]] = {}
    files: dict[tuple[str, str], Path] = {}
    for kind, (folder, model) in KINDS.items():
        tables[kind] = _read_kind(root, kind, folder, model, files, problems)
    _check_integrity(root, tables, files, problems)
    if version is not None:
        _check_review_dates(root, version, tables, files, problems)
    if problems or version is None:
        raise KnowledgeBaseError(problems or [f"{VERSION_FILE}: missing"])
    return KnowledgeBase(
        version=version,
        therapies=cast(dict[str, Therapy], tables["therapy"]),
        trials=cast(dict[str, Trial], tables["trial"]),
        statements=cast(dict[str, Statement], tables["statement"]),
        definitions=cast(dict[str, Definition], tables["definition"]),
        references=cast(dict[str, Reference], tables["reference"]),
        files=files,
    )


def _read_version(root: Path, problems: list[str]) -> ContentVersion | None:
    path = root / VERSION_FILE
    if not path.is_file():
        problems.append(f"{VERSION_FILE}: missing (it holds the content version and release date)")
        return None
    try:
        return ContentVersion.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as err:
        problems.append(f"{VERSION_FILE}: {_one_line(err)}")
        return None


def _read_kind(
    root: Path,
    kind: str,
    folder: str,
    model: type[BaseModel],
    files: dict[tuple[str, str], Path],
    problems: list[str],
) -> dict[str, BaseModel]:
    items: dict[str, BaseModel] = {}
    for path in sorted((root / folder).glob("*.yaml")):
        name = _relative(root, path)
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as err:
            problems.append(f"{name}: not valid YAML ({_one_line(err)})")
            continue
        entries, indexed = (raw, True) if isinstance(raw, list) else ([raw], False)
        for index, entry in enumerate(entries):
            where = f"{name}[{index}]" if indexed else name
            try:
                item = model.model_validate(entry)
            except ValidationError as err:
                problems.append(_validation_problem(where, err))
                continue
            item_id = str(cast(Any, item).id)
            previous = files.get((kind, item_id))
            # Two reference files may both list a paper they cite, as long as they agree on it.
            if previous is not None and (kind != "reference" or items[item_id] != item):
                problems.append(f"{where}: id {item_id!r} is already used by {_relative(root, previous)}")
                continue
            items[item_id] = item
            files.setdefault((kind, item_id), path)
    return items


def _check_integrity(
    root: Path,
    tables: Mapping[str, Mapping[str, BaseModel]],
    files: Mapping[tuple[str, str], Path],
    problems: list[str],
) -> None:
    references = tables["reference"]
    for kind, table in tables.items():
        for item_id, item in table.items():
            if not isinstance(item, KBItem):
                continue
            name = _relative(root, files[(kind, item_id)])
            for ref in _unique(item.cited_references()):
                if ref not in references:
                    problems.append(f"{name}: {item_id} cites unknown reference {ref!r}")
            for link in item.links():
                if link.id not in tables[link.kind]:
                    problems.append(f"{name}: {item_id} links to unknown {link.kind} {link.id!r}")


def _check_review_dates(
    root: Path,
    version: ContentVersion,
    tables: Mapping[str, Mapping[str, BaseModel]],
    files: Mapping[tuple[str, str], Path],
    problems: list[str],
) -> None:
    for kind, table in tables.items():
        for item_id, item in table.items():
            if isinstance(item, KBItem) and item.last_reviewed > version.released:
                name = _relative(root, files[(kind, item_id)])
                problems.append(
                    f"{name}: last_reviewed {item.last_reviewed} is after the content release "
                    f"{version.released} in {VERSION_FILE}; bump the version and the changelog"
                )


def _validation_problem(where: str, err: ValidationError) -> str:
    first = err.errors(include_url=False)[0]
    loc = field_path(tuple(part for part in first["loc"] if not _is_tag(part)))
    return f"{where}: {loc}: {first['msg']}"


def _is_tag(part: int | str) -> bool:
    # pydantic adds the chosen union member or validator to 'loc'; the file never names it.
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def _one_line(err: Exception) -> str:
    return " ".join(str(err).split())


def _relative(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _unique(values: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(values))
