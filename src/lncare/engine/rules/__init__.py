"""Guideline rules: one small pure function per statement or tightly linked group of statements.

A rule reads a :class:`~lncare.engine.context.Context` and yields plan lines (recommendations, warnings,
monitoring items, exclusions). It names the statement ids it implements; a test checks each id exists in
the knowledge base, and ``docs/rules/`` is generated from the registry for clinical review. The modules
of this package are the decision areas; importing the package registers every rule.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from lncare.engine.context import Context
from lncare.model.plan import Exclusion, MonitoringItem, Recommendation, Warning

Line = Recommendation | Warning | MonitoringItem | Exclusion
Decide = Callable[[Context], Iterable[Line]]

AREAS: tuple[str, ...] = (
    "antimalarial",
    "glucocorticoid",
    "induction",
    "add_on",
    "maintenance",
    "refractory_flare",
    "adjunct",
    "supportive",
    "special_populations",
    "monitoring",
)


@dataclass(frozen=True)
class Rule:
    name: str
    area: str
    implements: tuple[str, ...]
    summary: str
    decide: Decide


RULES: list[Rule] = []


def rule(*, implements: Iterable[str]) -> Callable[[Decide], Decide]:
    """Register a rule of the module it is defined in; ``implements`` lists statement ids."""

    def register(decide: Decide) -> Decide:
        area = decide.__module__.rsplit(".", 1)[-1]
        if area not in AREAS:
            raise ValueError(f"rule {decide.__name__} lives outside the rule areas ({area})")
        summary = (decide.__doc__ or "").strip().splitlines()[0] if decide.__doc__ else decide.__name__
        RULES.append(Rule(decide.__name__, area, tuple(implements), summary, decide))
        return decide

    return register


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every registered rule, in area order (importing each area module once)."""
    for area in AREAS:
        try:
            importlib.import_module(f"{__name__}.{area}")
        except ModuleNotFoundError as err:
            if err.name != f"{__name__}.{area}":
                raise
    return tuple(sorted(RULES, key=lambda r: AREAS.index(r.area)))
