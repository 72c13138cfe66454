"""Guideline profiles: which statements and definitions the engine applies for eular2023, kdigo2024, acr2024.

A profile is data, not code (STYLE.md): it is the set of knowledge-base statements and definitions that
name the profile in their ``profiles`` field and that a rule may rest on (certainty V or S). Rules ask the
profile for statements by topic and therapy, so one rule serves every guideline and the profiles differ
exactly where the knowledge base says the guidelines differ.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import TypeVar, get_args

from lncare.errors import InputError, one_of
from lncare.knowledge import KnowledgeBase, load
from lncare.knowledge.schema.definition import Definition
from lncare.knowledge.schema.definition import Profile as ProfileName
from lncare.knowledge.schema.statement import Statement

# Profiles a user may choose. eular2025 stays out until its full text is verified (DESIGN.md principle 4).
PROFILES: tuple[str, ...] = ("eular2023", "kdigo2024", "acr2024")
DEFAULT_PROFILE = "eular2023"

T = TypeVar("T")


@dataclass(frozen=True)
class Profile:
    """The usable statements and definitions of one guideline profile."""

    name: str
    statements: tuple[Statement, ...]
    definitions: tuple[Definition, ...]
    _by_id: dict[str, Statement] = field(default_factory=dict, repr=False, compare=False)
    _by_topic: dict[str, tuple[Statement, ...]] = field(default_factory=dict, repr=False, compare=False)
    # Rules ask the same few questions for every patient: answers are memoised per profile.
    _found: dict[tuple[object, ...], tuple[Statement, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _by_concept: dict[str, tuple[Definition, ...]] = field(default_factory=dict, repr=False, compare=False)
    _derived: dict[Hashable, object] = field(default_factory=dict, repr=False, compare=False)

    def statement(self, statement_id: str) -> Statement | None:
        """The statement if this profile applies it and a rule may rest on it, else None."""
        return self._by_id.get(statement_id)

    def find(
        self, topic: str | None = None, therapies: Iterable[str] = (), classes: Iterable[str] = ()
    ) -> tuple[Statement, ...]:
        """Usable statements on ``topic`` that name any of ``therapies`` / apply to any of ``classes``."""
        key = (topic, tuple(therapies), tuple(classes))
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = self._find(topic, key[1], key[2])
        return found

    def _find(
        self, topic: str | None, therapies: tuple[str, ...], classes: tuple[str, ...]
    ) -> tuple[Statement, ...]:
        wanted_therapies, wanted_classes = set(therapies), set(classes)
        pool = self.statements if topic is None else self._by_topic.get(topic, ())
        return tuple(
            s
            for s in pool
            if (not wanted_therapies or wanted_therapies & set(s.therapies))
            and (not wanted_classes or not s.classes or wanted_classes & set(s.classes))
        )

    def definitions_for(self, concept: str) -> tuple[Definition, ...]:
        """Usable definitions of ``concept`` (renal_response, milestone, flare, ...) in this profile."""
        found = self._by_concept.get(concept)
        if found is None:
            found = self._by_concept[concept] = tuple(d for d in self.definitions if d.concept == concept)
        return found

    def derived(self, key: Hashable, make: Callable[[], T]) -> T:
        """``make()``, computed once per profile for ``key``: for answers that depend only on the profile
        and its knowledge base (a drug's regimen for a setting), which every patient would otherwise
        recompute. ``key`` must name everything ``make`` reads besides the profile."""
        if key not in self._derived:
            self._derived[key] = make()
        return self._derived[key]  # type: ignore[return-value]


def profile(name: str, kb: KnowledgeBase | None = None) -> Profile:
    """The profile called ``name``; an InputError lists the profiles when it is unknown."""
    if name not in PROFILES:
        raise InputError("guideline", name, f"is not a guideline profile (use {one_of(PROFILES)})")
    if kb is None or kb is load():
        return _packaged(name)
    return _build(name, kb)


@cache
def _packaged(name: str) -> Profile:
    return _build(name, load())


def _build(name: str, kb: KnowledgeBase) -> Profile:
    assert name in get_args(ProfileName)
    statements = _usable(s for s in kb.statements.values() if name in s.profiles)
    definitions = tuple(
        sorted(
            (d for d in kb.definitions.values() if name in d.profiles and d.certainty in ("V", "S")),
            key=lambda d: d.id,
        )
    )
    by_topic: dict[str, list[Statement]] = {}
    for s in statements:
        by_topic.setdefault(s.topic, []).append(s)
    return Profile(
        name, statements, definitions, {s.id: s for s in statements},
        {topic: tuple(items) for topic, items in by_topic.items()},
    )


def _usable(statements: Iterable[Statement]) -> tuple[Statement, ...]:
    return tuple(sorted((s for s in statements if s.usable), key=lambda s: s.id))
