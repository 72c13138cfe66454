"""Does this patient fall inside a trial's population? Biopsy class, entry UPCR/eGFR/creatinine, age.

A trial's figures describe the patients it enrolled; applying them to anyone else is extrapolation and
the plan must say so (issue 4, item 5). The check uses the trial's stored entry criteria (numbers with
units, :class:`lncare.knowledge.schema.trial.Criterion`); a post hoc or subgroup record is matched against
its parent's criteria plus its own (AURORA 1 post hoc: AURORA 1's entry bars and UPCR >= 3).

Patient values are the latest on or before ``as_of`` (the entry criteria were checked at screening, which
for a candidate regimen is now). A missing value is reported as unchecked, never assumed to match.
"""

from __future__ import annotations

from dataclasses import dataclass

from lncare.engine.context import Context
from lncare.knowledge.schema.trial import Criterion, Population, Trial
from lncare.model.units import LAB_TESTS

PROLIFERATIVE = frozenset({"III", "IV"})
_OPS = {">": float.__gt__, ">=": float.__ge__, "<": float.__lt__, "<=": float.__le__}


@dataclass(frozen=True)
class Match:
    """``status`` within | outside | unchecked, and the facts behind it, ready to print."""

    status: str
    text: str


@dataclass(frozen=True)
class Entry:
    """A trial population's entry rules, its parent's merged in."""

    classes: tuple[str, ...]
    age_min: float | None
    age_max: float | None
    criteria: tuple[Criterion, ...]


def entry_rules(trial: Trial, parent: Trial | None) -> Entry:
    own: Population = trial.population
    base = parent.population if parent is not None else own
    return Entry(
        classes=own.classes or base.classes,
        age_min=own.age_min if own.age_min is not None else base.age_min,
        age_max=own.age_max if own.age_max is not None else base.age_max,
        criteria=(*(base.inclusion if parent is not None else ()), *own.inclusion),
    )


def population_match(ctx: Context, entry: Entry) -> Match:
    """How the patient stands against ``entry``: within, outside (and why), or unchecked (what is missing)."""
    inside: list[str] = []
    outside: list[str] = []
    unknown: list[str] = []
    classes = set(ctx.patient.biopsy.classes) if ctx.patient.biopsy is not None else None
    if entry.classes:
        wanted = "/".join(entry.classes)
        if classes is None:
            unknown.append(f"no biopsy class (trial: class {wanted})")
        elif classes & set(entry.classes):
            inside.append(f"class {'+'.join(sorted(classes))} (trial: {wanted})")
        else:
            outside.append(f"class {'+'.join(sorted(classes))}, trial enrolled class {wanted}")
    if not entry.criteria:
        inside.append("no UPCR/eGFR entry bars stored for this trial")
    for criterion in entry.criteria:
        _criterion(ctx, criterion, classes, inside, outside, unknown)
    _age(ctx.age, entry, inside, outside)
    if outside:
        return Match("outside", "EXTRAPOLATED beyond the trial population: " + "; ".join(outside))
    if unknown:
        return Match("unchecked", "not checked against the trial population: " + "; ".join(unknown))
    return Match(
        "within", "within the trial population: " + "; ".join(inside or ["no entry criteria stored"])
    )


def _criterion(
    ctx: Context,
    criterion: Criterion,
    classes: set[str] | None,
    inside: list[str],
    outside: list[str],
    unknown: list[str],
) -> None:
    if criterion.scope != "all":
        if classes is None:
            unknown.append(f"{criterion.test} bar depends on the biopsy class, which is not known")
            return
        proliferative = bool(classes & PROLIFERATIVE)
        if (criterion.scope == "class-iii-iv") != proliferative:
            return  # the bar is for the other kind of biopsy
    value = _value(ctx, criterion.test)
    unit = LAB_TESTS[criterion.test].canonical.replace("{1.73_m2}", "1.73 m2")
    bar = f"{criterion.op} {criterion.canonical_value():g} {unit}"
    if value is None:
        unknown.append(f"no {criterion.test} (trial entry {bar})")
    elif _OPS[criterion.op](float(value), criterion.canonical_value()):
        inside.append(f"{criterion.test} {value:g} {unit} (trial entry {bar})")
    else:
        outside.append(f"{criterion.test} {value:g} {unit}, trial entry {bar}")


def _value(ctx: Context, test: str) -> float | None:
    if test == "egfr" and ctx.assessment.egfr is not None:
        return ctx.assessment.egfr.value
    return ctx.latest(test)


def _age(age: int, entry: Entry, inside: list[str], outside: list[str]) -> None:
    if entry.age_min is None and entry.age_max is None:
        return
    low = "" if entry.age_min is None else f"{entry.age_min:g}"
    high = "" if entry.age_max is None else f"{entry.age_max:g}"
    span = f"{low}-{high}" if low and high else (f">= {low}" if low else f"<= {high}")
    if (entry.age_min is not None and age < entry.age_min) or (
        entry.age_max is not None and age > entry.age_max
    ):
        outside.append(f"age {age}, trial ages {span}")
    else:
        inside.append(f"age {age} (trial ages {span})")
