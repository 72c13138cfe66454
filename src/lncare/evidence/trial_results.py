"""Renal-response comparisons read out of the knowledge-base trials, once per knowledge base.

One code path feeds both ``lncare evidence lupus`` (pooled analyses) and the engine's option comparison
(:mod:`lncare.engine.benefit`), so a trial's figures are the same wherever they appear.

What enters (issue 5, item 5): an endpoint verified "yes" (a "partial" endpoint holds figures that were
not individually verified), from a randomised study of LN, comparing an experimental arm that gives a
knowledge-base therapy with a control arm. Counts are the stored events/n; where only a percentage is
stored, events are derived from the percentage and the arm size and labelled derived, and only when the
derived count gives back the reported percentage at its reported precision: otherwise the paper's
denominator was not the arm size (e.g. TULIP-LN's 45.5 % of 51) and no count can honestly be derived.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lncare.evidence.absolute import AbsoluteEffect, absolute_effect
from lncare.knowledge import KnowledgeBase
from lncare.knowledge.schema.trial import Arm, ArmResult, Effect, Endpoint, Population, Trial

RANDOMISED = ("rct", "rct-extension", "post-hoc", "subgroup")

# Endpoint families by endpoint id prefix, most specific first. A CRR that also demands a low steroid
# dose (REGENCY, NOBILITY "crr-low-pred") is a stricter outcome, so it is its own family.
FAMILY_PREFIXES: tuple[tuple[str, str], ...] = (
    ("crr-low-pred", "crr-low-steroid"),
    ("crr-gc-taper", "crr-low-steroid"),
    ("crr", "crr"),
    ("perr", "perr"),
    ("orr", "orr"),
    ("renal-response", "orr"),
)
FAMILY_NAMES: Mapping[str, str] = {
    "crr": "complete renal response",
    "crr-low-steroid": "complete renal response with a low glucocorticoid dose",
    "perr": "primary efficacy renal response (BLISS-LN definition)",
    "orr": "overall (complete + partial) renal response",
}


@dataclass(frozen=True)
class ArmCount:
    arm: str
    label: str
    events: int
    n: int
    derived: bool  # events derived from a stored percentage and the arm size


@dataclass(frozen=True)
class Comparison:
    """One experimental arm against the control arm on one renal-response endpoint of one trial."""

    trial: str
    trial_name: str
    root: str  # the randomised study it comes from (the parent of a post hoc or extension record)
    study_type: str
    endpoint: str
    endpoint_name: str
    role: str
    family: str
    definition: str
    timepoint_weeks: float
    subgroup: str | None
    therapy: str
    placebo_controlled: bool  # the control arm is placebo on the same background: an add-on comparison
    treatment: ArmCount
    control: ArmCount
    reported: Effect | None
    absolute: AbsoluteEffect
    population: Population
    source: str


@dataclass(frozen=True)
class LeftOut:
    trial: str
    endpoint: str
    reason: str


@dataclass(frozen=True)
class TrialResults:
    comparisons: tuple[Comparison, ...]
    left_out: tuple[LeftOut, ...]


def family_of(endpoint_id: str) -> str | None:
    """The outcome family of an endpoint id (crr, crr-low-steroid, perr, orr), None for other outcomes."""
    for prefix, family in FAMILY_PREFIXES:
        if endpoint_id == prefix or endpoint_id.startswith(prefix + "-"):
            return family
    return None


def renal_results(kb: KnowledgeBase) -> TrialResults:
    """Every usable renal-response comparison in ``kb`` and every one left out, with the reason."""
    # keyed by identity (a knowledge base is not hashable); holding kb keeps its id from being reused
    known = _CACHE.get(id(kb))
    if known is None or known[0] is not kb:
        known = _CACHE[id(kb)] = (kb, _read(kb))
    return known[1]


_CACHE: dict[int, tuple[KnowledgeBase, TrialResults]] = {}


def _read(kb: KnowledgeBase) -> TrialResults:
    comparisons: list[Comparison] = []
    left_out: list[LeftOut] = []
    for trial in sorted(kb.trials.values(), key=lambda t: t.id):
        if trial.population.condition != "lupus-nephritis" or trial.study_type not in RANDOMISED:
            continue
        for endpoint in trial.endpoints:
            family = family_of(endpoint.id)
            if family is None:
                continue
            if endpoint.verified != "yes":
                left_out.append(
                    LeftOut(
                        trial.id,
                        endpoint.id,
                        f"endpoint verified {endpoint.verified!r}, its figures are not individually verified",
                    )
                )
                continue
            made, why = _comparisons(trial, endpoint, family)
            comparisons.extend(made)
            left_out.extend(LeftOut(trial.id, endpoint.id, reason) for reason in why)
    return TrialResults(tuple(comparisons), tuple(left_out))


def _comparisons(trial: Trial, endpoint: Endpoint, family: str) -> tuple[list[Comparison], list[str]]:
    arms = {arm.id: arm for arm in trial.arms}
    results = {result.arm: result for result in endpoint.results}
    controls = [arms[a] for a in results if arms[a].role == "control"]
    treated = [arms[a] for a in results if arms[a].role == "experimental" and _therapy(arms[a])]
    if len(controls) != 1 or not treated or endpoint.timepoint_weeks is None:
        return [], ["no experimental-vs-control result pair with a time point is stored"]
    control, why = _count(controls[0], results[controls[0].id])
    if control is None:
        return [], [why]
    made, reasons = [], []
    for arm in treated:
        count, why = _count(arm, results[arm.id])
        if count is None:
            reasons.append(why)
            continue
        made.append(
            Comparison(
                trial=trial.id,
                trial_name=trial.name,
                root=trial.parent or trial.id,
                study_type=trial.study_type,
                endpoint=endpoint.id,
                endpoint_name=endpoint.name,
                role=endpoint.role,
                family=family,
                definition=endpoint.definition,
                timepoint_weeks=endpoint.timepoint_weeks,
                subgroup=endpoint.subgroup,
                therapy=_therapy(arm) or "",
                placebo_controlled=any(drug.regimen.lower() == "placebo" for drug in controls[0].drugs),
                treatment=count,
                control=control,
                reported=_reported(endpoint, arm.id, control.arm),
                absolute=absolute_effect(count.events, count.n, control.events, control.n),
                population=trial.population,
                source=endpoint.source,
            )
        )
    return made, reasons


def _therapy(arm: Arm) -> str | None:
    return next((drug.therapy for drug in arm.drugs if drug.therapy is not None), None)


def _count(arm: Arm, result: ArmResult) -> tuple[ArmCount | None, str]:
    n = result.n if result.n is not None else arm.n
    if result.events is not None and n:
        return ArmCount(arm.id, arm.label, result.events, n, result.derived), ""
    if result.percent is None or not n:
        return None, f"arm {arm.id}: no events/n and no percentage with an arm size"
    events = round(result.percent * n / 100)
    decimals = _decimals(result.percent)
    if abs(round(100 * events / n, decimals) - result.percent) > 0.5 * 10**-decimals + 1e-9:
        return None, (
            f"arm {arm.id}: {result.percent:g}% cannot come from {n} patients (nearest {events}/{n} = "
            f"{100 * events / n:.{decimals + 1}f}%); the analysed denominator is not stored"
        )
    return ArmCount(arm.id, arm.label, events, n, True), ""


def _decimals(percent: float) -> int:
    # the precision a paper printed: 43 -> 0 decimals, 45.5 -> 1, 40.82 -> 2
    text = f"{percent:.4f}".rstrip("0").rstrip(".")
    return len(text.split(".")[1]) if "." in text else 0


def _reported(endpoint: Endpoint, treated: str, control: str) -> Effect | None:
    effect = endpoint.effect
    if effect is not None and effect.experimental == treated and effect.control == control:
        return effect
    return None
