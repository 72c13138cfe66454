"""Evaluate a knowledge-base definition's criteria tree: true, false or indeterminate, with the facts used.

Three-valued logic: a leaf whose value is missing, or a value that falls between the two ends of a bound
the guideline gives as a range ([0.5, 0.7]), is indeterminate (None). ``all_of`` is false as soon as one
item is false and true only when all are; ``any_of`` is true as soon as one item is true and false only
when all are. So a missing value changes the answer only when it could.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lncare.knowledge.schema.definition import (
    AllOf,
    AnyOf,
    Bound,
    ChangeCriterion,
    Criterion,
    DefinitionCriterion,
    FindingCriterion,
    ValueCriterion,
)

Truth = bool | None

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}


@dataclass
class Facts:
    """The values a definition is judged on: per measure now, at the baseline, at the previous value."""

    current: Mapping[str, float]
    reference: Mapping[str, Mapping[str, float]]  # "baseline" | "previous" | "pre_flare" -> measure -> value
    findings: Mapping[str, Truth]
    definition: Callable[[str], Truth]  # another definition, judged on the same facts
    measured: frozenset[str] = frozenset()  # measures the record has any value of; empty: all count


UNMEASURED = "never measured: "
# Decimal places a change (absolute or percent) is rounded to before it meets its bound; far below any
# clinical resolution, far above float noise.
CHANGE_DECIMALS = 9


@dataclass
class Verdict:
    holds: Truth
    used: dict[str, Any] = field(default_factory=dict)  # the facts read, for ``because``
    gaps: list[str] = field(default_factory=list)  # why the answer is indeterminate


def compare(value: float, comparator: str, bound: Bound) -> Truth:
    """``value comparator bound``; a range bound is indeterminate when its two ends disagree."""
    test = _COMPARE[comparator]
    if isinstance(bound, tuple):
        low, high = test(value, bound[0]), test(value, bound[1])
        return low if low == high else None
    return test(value, bound)


def evaluate(criterion: Criterion, facts: Facts) -> Verdict:
    verdict = Verdict(None)
    verdict.holds = _eval(criterion, facts, verdict)
    return verdict


def _eval(node: Criterion, facts: Facts, out: Verdict) -> Truth:
    # Dispatch on the exact node class: this runs for every node of every definition judged per patient.
    judge: Callable[[Any, Facts, Verdict], Truth] = _BY_KIND[type(node)]
    return judge(node, facts, out)


def _finding(node: FindingCriterion, facts: Facts, out: Verdict) -> Truth:
    present = facts.findings.get(node.finding)
    out.used[node.finding] = present
    if present is None:
        out.gaps.append(f"{node.finding} not known")
        return None
    return present == node.present


def _definition(node: DefinitionCriterion, facts: Facts, out: Verdict) -> Truth:
    met = facts.definition(node.definition)
    out.used[f"definition:{node.definition}"] = met
    if met is None:
        out.gaps.append(f"{node.definition} indeterminate")
        return None
    return met == node.met


def _combine(node: AllOf | AnyOf, facts: Facts, out: Verdict) -> Truth:
    # Keep only the gaps of the items that left this node open: a missing 24-h protein does not matter
    # when the UPCR branch of the same any_of already decided it.
    results: list[tuple[Truth, list[str]]] = []
    gaps = out.gaps
    for item in node.items:
        gaps_before = len(gaps)
        truth = _eval(item, facts, out)
        if len(gaps) == gaps_before:  # the usual case: nothing to move aside
            results.append((truth, _NO_GAPS))
            continue
        results.append((truth, gaps[gaps_before:]))
        del gaps[gaps_before:]
    any_of = isinstance(node, AnyOf)
    if any_of:
        # An alternative the record never measures (a 24-h collection next to the UPCR) cannot leave
        # an any_of open; only the alternatives the record does measure decide it.
        measured = [
            (t, g) for t, g in results if not (t is None and g and all(x.startswith(UNMEASURED) for x in g))
        ]
        results = measured or results
    truths = [truth for truth, _ in results]
    if any_of in truths:  # any_of: one true decides it; all_of: one false does
        return any_of
    if None in truths:
        gaps.extend(g for truth, item_gaps in results if truth is None for g in item_gaps)
        return None
    return not any_of


_NO_GAPS: list[str] = []  # shared and never written to: an item that left no gap


def _lookup(measure: str, at: str, facts: Facts) -> float | None:
    return facts.current.get(measure) if at == "current" else facts.reference.get(at, {}).get(measure)


def _value(node: ValueCriterion, facts: Facts, out: Verdict) -> Truth:
    value = _lookup(node.measure, node.at, facts)
    key = node.measure if node.at == "current" else f"{node.measure}_{node.at}"
    if value is None:
        out.gaps.append(_no(node.measure, key.replace("_", " "), facts))
        return None
    out.used[key] = value
    result = compare(value, node.comparator, node.value)
    if result is None:
        out.gaps.append(f"{key} {value:g} lies within the guideline's range {_bound(node.value)} {node.unit}")
    return result


def _change(node: ChangeCriterion, facts: Facts, out: Verdict) -> Truth:
    current = facts.current.get(node.measure)
    reference = facts.reference.get(node.reference, {}).get(node.measure)
    if current is None or reference is None:
        missing = node.measure if current is None else f"{node.reference} {node.measure}"
        out.gaps.append(_no(node.measure, missing.replace("_", " "), facts))
        return None
    out.used[node.measure] = current
    out.used[f"{node.measure}_{node.reference}"] = reference
    delta = current - reference if node.direction == "increase" else reference - current
    if node.unit == "%":
        if reference <= 0:
            out.gaps.append(f"{node.reference} {node.measure} is 0: no percentage change")
            return None
        delta = delta / reference * 100
    # Values recorded to a few decimals subtract inexactly (1.2 - 1.0 = 0.19999999999999996 mg/dL); a
    # change exactly at a guideline's bound must meet it, so the change is rounded before comparing.
    delta = round(delta, CHANGE_DECIMALS)
    out.used[f"{node.measure}_{node.direction}_{'percent' if node.unit == '%' else node.unit}"] = round(
        delta, 1
    )
    result = compare(delta, node.comparator, node.value)
    if result is None:
        out.gaps.append(
            f"{node.measure} {node.direction} of {delta:.1f} {node.unit} lies within the guideline's range "
            f"{_bound(node.value)} {node.unit}"
        )
    return result


_BY_KIND: dict[type, Callable[[Any, Facts, Verdict], Truth]] = {
    AllOf: _combine,
    AnyOf: _combine,
    ValueCriterion: _value,
    ChangeCriterion: _change,
    FindingCriterion: _finding,
    DefinitionCriterion: _definition,
}


def _no(measure: str, what: str, facts: Facts) -> str:
    if facts.measured and measure not in facts.measured:
        return f"{UNMEASURED}{measure}"
    return f"no {what}"


def _bound(bound: Bound) -> str:
    return f"{bound[0]:g}-{bound[1]:g}" if isinstance(bound, tuple) else f"{bound:g}"
