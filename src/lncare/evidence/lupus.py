"""Add-on therapy vs standard therapy in lupus nephritis, pooled from the knowledge-base trials.

Which trials go in: randomised, placebo-controlled trials of an add-on drug given on top of standard
induction (MMF or cyclophosphamide with glucocorticoids), with renal-response figures that pass
:mod:`lncare.evidence.trial_results` (verified "yes", counts stored or honestly derived). Post hoc,
subgroup and extension records are left out of the pooling: their patients are already counted in the
parent trial, and a subgroup is not a comparable population.

What is pooled together (issue 5, item 5): only endpoints of one definition family (complete renal
response; or each trial's own primary renal endpoint, stated as such) inside one time window. Each
analysis is run across all add-ons and per drug, on the odds-ratio scale (metafor's default for binary
outcomes) and on the risk-difference scale (what an NNT is read from), both as random-effects models with
REML, metafor's ``rma()`` default. From AURA-LV only the 23.7 mg twice-daily arm enters: it is the dose
AURORA 1 tested and the label gives, and using both arms would count its placebo patients twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from lncare.evidence.effects import BinaryStudy, binary_effects
from lncare.evidence.meta import MetaResult, rma_uni
from lncare.evidence.trial_results import FAMILY_NAMES, Comparison, LeftOut, family_of, renal_results
from lncare.knowledge import KnowledgeBase

METHOD = "REML"  # metafor rma() default

# Experimental arm to use where a trial tested several doses of the drug (see module docstring).
# Dose-finding trials enter through the arm at the approved dose only (AURA-LV: voclosporin 23.7 mg twice
# daily, the Lupkynis label dose; the 39.5 mg arm was not taken forward), so a placebo arm counts once.
CHOSEN_ARMS: dict[str, str] = {"aura-lv": "voclosporin-low"}


@dataclass(frozen=True)
class Spec:
    """One pooled analysis: an endpoint family (or each trial's primary endpoint) in a time window."""

    id: str
    title: str
    families: tuple[str, ...]
    weeks: tuple[float, float]
    primary_only: bool
    why: str


SPECS: tuple[Spec, ...] = (
    Spec(
        "crr-24w",
        "Complete renal response at 24 weeks (weeks 20-28)",
        ("crr",),
        (20, 28),
        False,
        "the early read-out of the calcineurin-inhibitor trials",
    ),
    Spec(
        "crr-1y",
        "Complete renal response at 1 year (weeks 48-56)",
        ("crr",),
        (48, 56),
        False,
        "the end of induction in every guideline's response timetable",
    ),
    Spec(
        "crr-18m-2y",
        "Complete renal response at 18 months to 2 years (weeks 72-108)",
        ("crr",),
        (72, 108),
        False,
        "the long-term randomised read-outs of the anti-B-cell trials (76 and 104 weeks)",
    ),
    Spec(
        "primary",
        "Each trial's own primary renal endpoint (weeks 24-104)",
        ("crr", "perr", "orr"),
        (24, 104),
        True,
        "what each trial was powered for; definitions and time points differ by design",
    ),
)


@dataclass(frozen=True)
class Pooled:
    label: str  # "all add-ons" or the drug
    odds_ratio: MetaResult
    risk_difference: MetaResult
    comparisons: tuple[Comparison, ...]


@dataclass(frozen=True)
class Analysis:
    spec: Spec
    included: tuple[Comparison, ...]
    left_out: tuple[LeftOut, ...]
    pooled: tuple[Pooled, ...]  # all add-ons first, then each drug


def add_on_comparisons(kb: KnowledgeBase) -> tuple[tuple[Comparison, ...], tuple[LeftOut, ...]]:
    """Comparisons from placebo-controlled add-on RCTs, and every renal endpoint left out with why."""
    results = renal_results(kb)
    kept: list[Comparison] = []
    left_out = list(results.left_out)
    for c in results.comparisons:
        trial = kb.trials[c.trial]
        if c.study_type != "rct":
            left_out.append(
                LeftOut(
                    c.trial,
                    c.endpoint,
                    f"{c.study_type} record: its patients are counted "
                    f"in {c.root}, or it is not a randomised comparison",
                )
            )
        elif not c.placebo_controlled:
            left_out.append(
                LeftOut(c.trial, c.endpoint, "the control arm is not placebo on standard therapy")
            )
        elif c.trial in CHOSEN_ARMS and c.treatment.arm != CHOSEN_ARMS[c.trial]:
            left_out.append(
                LeftOut(
                    c.trial,
                    c.endpoint,
                    f"arm {c.treatment.arm}: only {CHOSEN_ARMS[c.trial]} "
                    "(the approved dose) enters, so the placebo arm is counted once",
                )
            )
        elif trial.population.condition == "lupus-nephritis":
            kept.append(c)
    return tuple(kept), tuple(left_out)


def lupus_analyses(kb: KnowledgeBase) -> tuple[Analysis, ...]:
    """Every analysis of :data:`SPECS`, with what went in, what was left out and the pooled results."""
    comparisons, left_out = add_on_comparisons(kb)
    no_rate = tuple(_primary_not_a_rate(kb))
    return tuple(
        _analysis(spec, comparisons, (*left_out, *no_rate) if spec.primary_only else left_out)
        for spec in SPECS
    )


def _primary_not_a_rate(kb: KnowledgeBase) -> Iterator[LeftOut]:
    # e.g. TULIP-LN's primary endpoint is a change in UPCR: it cannot enter a pooled response rate
    for trial in sorted(kb.trials.values(), key=lambda t: t.id):
        if trial.study_type != "rct" or trial.population.condition != "lupus-nephritis":
            continue
        for endpoint in trial.endpoints:
            if endpoint.role == "primary" and family_of(endpoint.id) is None:
                yield LeftOut(
                    trial.id, endpoint.id, f"primary endpoint '{endpoint.name}' is not a response rate"
                )


def _analysis(spec: Spec, comparisons: Sequence[Comparison], left_out: Sequence[LeftOut]) -> Analysis:
    chosen: dict[str, Comparison] = {}
    skipped: list[LeftOut] = []
    for c in comparisons:
        if c.family not in spec.families:
            continue
        if not spec.weeks[0] <= c.timepoint_weeks <= spec.weeks[1]:
            skipped.append(
                LeftOut(
                    c.trial,
                    c.endpoint,
                    f"week {c.timepoint_weeks:g} lies outside weeks {spec.weeks[0]:g}-{spec.weeks[1]:g}",
                )
            )
            continue
        if spec.primary_only and c.role != "primary":
            skipped.append(LeftOut(c.trial, c.endpoint, f"{c.role} endpoint, not the trial's primary one"))
            continue
        known = chosen.get(c.root)
        # one result per randomised population; the later read-out when a trial has two in the window
        if known is None or c.timepoint_weeks > known.timepoint_weeks:
            if known is not None:
                skipped.append(
                    LeftOut(known.trial, known.endpoint, "a later read-out of the same trial is used")
                )
            chosen[c.root] = c
        else:
            skipped.append(LeftOut(c.trial, c.endpoint, "a later read-out of the same trial is used"))
    included = tuple(sorted(chosen.values(), key=lambda c: (c.therapy, c.trial)))
    pooled: list[Pooled] = []
    if included:
        pooled.append(_pool("all add-ons", included))
        drugs = sorted({c.therapy for c in included})
        if len(drugs) > 1:
            pooled.extend(_pool(drug, [c for c in included if c.therapy == drug]) for drug in drugs)
    relevant = (*skipped, *(out for out in left_out if _relevant(out, spec)))
    return Analysis(spec, included, relevant, tuple(pooled))


def _pool(label: str, comparisons: Sequence[Comparison]) -> Pooled:
    studies = [
        BinaryStudy(study_label(c), c.treatment.events, c.treatment.n, c.control.events, c.control.n)
        for c in comparisons
    ]
    return Pooled(label, _rma(studies, "OR"), _rma(studies, "RD"), tuple(comparisons))


def _rma(studies: Sequence[BinaryStudy], measure: str) -> MetaResult:
    effects = binary_effects(studies, measure)  # type: ignore[arg-type]
    return rma_uni(effects, METHOD)


def study_label(c: Comparison) -> str:
    """How a trial row is named in tables and plots: trial, endpoint, week, and derived counts."""
    derived = " (counts derived)" if c.treatment.derived or c.control.derived else ""
    return f"{c.trial_name} {c.family.upper()} wk {c.timepoint_weeks:g}{derived}"


def _relevant(out: LeftOut, spec: Spec) -> bool:
    # a left-out endpoint belongs to an analysis when its family could have entered it
    return family_of(out.endpoint) in spec.families


def family_name(family: str) -> str:
    return FAMILY_NAMES[family]
