"""Expected benefit of each candidate regimen, from the knowledge-base trials that match this patient.

For every induction or add-on drug the plan starts or considers, the option lists the renal-response
results of the randomised trials that tested it: rates per arm, the absolute difference with Newcombe's
CI and the NNT with Altman's CI, each labelled by trial, arms, endpoint definition and time point, and
whether the patient falls within the trial's population (:mod:`lncare.engine.trial_match`); figures from
outside it are shown as extrapolated, never silently.

The trial figures come from :func:`lncare.evidence.trial_results.renal_results`, the code path that
``lncare evidence lupus`` pools, so a trial reads the same in a plan and in the evidence tables. They are
read once per knowledge base; per patient only the population check runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lncare.engine.context import Context
from lncare.engine.trial_match import Entry, entry_rules, population_match
from lncare.evidence.lupus import CHOSEN_ARMS
from lncare.evidence.trial_results import Comparison, renal_results
from lncare.knowledge import KnowledgeBase
from lncare.model.plan import Exclusion, Option, Recommendation, TrialEvidence

CANDIDATE_CATEGORIES = frozenset({"induction", "add_on"})
CANDIDATE_ACTIONS = frozenset({"start", "consider"})
BACKGROUND_ACTIONS = frozenset({"start", "continue", "increase"})
MATCH_ORDER = {"within": 0, "unchecked": 1, "outside": 2}


@dataclass(frozen=True)
class _Figure:
    """One comparison as the plan shows it, and the entry rules its population check needs."""

    comparison: Comparison
    entry: Entry


def options_for(
    ctx: Context, recommendations: Sequence[Recommendation], excluded: Mapping[str, Exclusion]
) -> list[Option]:
    """Candidate regimens with the trial results that apply to this patient."""
    background = _drugs(recommendations, {"induction"}, BACKGROUND_ACTIONS)
    options: list[Option] = []
    seen: set[str] = set()
    for line in recommendations:
        if line.category not in CANDIDATE_CATEGORIES or line.action not in CANDIDATE_ACTIONS or not line.drug:
            continue
        therapy = ctx.therapy(line.drug)
        therapy_id = therapy.id if therapy else line.drug
        if therapy_id in excluded or therapy_id in seen:
            continue
        seen.add(therapy_id)
        regimen = (
            (*[d for d in background if d != line.drug], line.drug)
            if line.category == "add_on"
            else (line.drug,)
        )
        options.append(_option(ctx, therapy_id, regimen, add_on=line.category == "add_on"))
    return options


def _option(ctx: Context, therapy_id: str, regimen: tuple[str, ...], add_on: bool) -> Option:
    figures = figures_for(ctx.kb).get(therapy_id, ())
    if add_on:
        # an add-on's benefit is what it adds to standard therapy: only placebo-controlled comparisons
        # (CALIBRATE's belimumab after rituximab + cyclophosphamide answers another question)
        figures = tuple(f for f in figures if f.comparison.placebo_controlled)
    rows = []
    for figure in figures:
        match = population_match(ctx, figure.entry)
        rows.append((MATCH_ORDER[match.status], figure, match.text))
    rows.sort(key=lambda row: (row[0], row[1].comparison.trial, row[1].comparison.timepoint_weeks))
    expected = tuple(_evidence(figure.comparison, text) for _, figure, text in rows)
    notes = [
        f"{_trial_label(f.comparison)} {f.comparison.endpoint}: {f.comparison.absolute.nnt_note}"
        for _, f, _ in rows
        if f.comparison.absolute.nnt_note
    ]
    if not expected:
        notes.append(f"no verified randomised renal-response figures for {regimen[-1]} in the knowledge base")
    return Option(regimen=regimen, expected=expected, note="; ".join(notes) or None)


def _evidence(c: Comparison, match: str) -> TrialEvidence:
    a = c.absolute
    derived = (
        " (counts derived from reported percentages)" if c.treatment.derived or c.control.derived else ""
    )
    return TrialEvidence(
        trial=_trial_label(c),
        endpoint=f"{c.endpoint_name} ({c.treatment.events}/{c.treatment.n} vs "
        f"{c.control.events}/{c.control.n}){derived}",
        definition=c.definition,
        timepoint_weeks=c.timepoint_weeks,
        rate_treatment=a.rate_treatment,
        rate_control=a.rate_control,
        difference=a.difference,
        difference_ci=a.difference_ci,
        nnt=a.nnt,
        nnt_ci=a.nnt_ci,
        population_match=match,
    )


def _trial_label(c: Comparison) -> str:
    return f"{c.trial_name}: {c.treatment.label} vs {c.control.label}"


def figures_for(kb: KnowledgeBase) -> Mapping[str, tuple[_Figure, ...]]:
    """Therapy id -> the comparisons a plan may show for it, read once per knowledge base."""
    known = _CACHE.get(id(kb))
    if known is None or known[0] is not kb:
        known = _CACHE[id(kb)] = (kb, _index(kb))
    return known[1]


_CACHE: dict[int, tuple[KnowledgeBase, Mapping[str, tuple[_Figure, ...]]]] = {}


def _index(kb: KnowledgeBase) -> Mapping[str, tuple[_Figure, ...]]:
    index: dict[str, list[_Figure]] = {}
    for c in renal_results(kb).comparisons:
        trial = kb.trials[c.trial]
        parent = kb.trials.get(trial.parent) if trial.parent else None
        # A randomised trial stands for its whole population. A post hoc or subgroup record enters only
        # when its population is stored as criteria the engine can check (e.g. UPCR >= 3); a subgroup
        # told in words (newly diagnosed, East Asian) cannot be matched to a record. Extensions are not
        # randomised comparisons at their time point.
        usable = c.study_type == "rct" or (
            c.study_type in ("post-hoc", "subgroup") and bool(trial.population.inclusion)
        )
        # A dose-finding trial speaks for the plan only through its arm at the dose the plan gives.
        usable = usable and CHOSEN_ARMS.get(c.trial, c.treatment.arm) == c.treatment.arm
        if usable:
            index.setdefault(c.therapy, []).append(_Figure(c, entry_rules(trial, parent)))
    return {therapy: tuple(figures) for therapy, figures in index.items()}


def _drugs(lines: Sequence[Recommendation], categories: set[str], actions: frozenset[str]) -> list[str]:
    return list(
        dict.fromkeys(
            line.drug
            for line in lines
            if line.drug and line.category in categories and line.action in actions
        )
    )
