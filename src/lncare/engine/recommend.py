"""Patient -> Assessment -> Plan: run every rule of the profile, then apply safety once for all.

Safety is one mechanism, not a check inside each rule: whatever the rules propose, a drug the patient
must not receive (contraindication, allergy, eGFR bar, interaction with the rest of the plan) never
leaves here as start, continue, increase or consider. A proposed drug the patient does not take is
dropped; one the patient takes becomes a "stop" line. Either way the plan lists the exclusion and why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar, cast

from lncare.engine import safety
from lncare.engine.assess import assess_patient
from lncare.engine.benefit import options_for
from lncare.engine.context import Context
from lncare.engine.kidney import Kidney
from lncare.engine.profile import DEFAULT_PROFILE, profile
from lncare.engine.rules import all_rules
from lncare.errors import InputError
from lncare.knowledge import KnowledgeBase, load
from lncare.model.load import load_patient
from lncare.model.patient import Patient
from lncare.model.plan import (
    GIVING_ACTIONS,
    Assessment,
    Exclusion,
    MonitoringItem,
    Plan,
    Recommendation,
    Warning,
)

PatientSource = Patient | dict[str, Any] | str | Path

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
# Plausibility bar for the plan date (lncare's, like the record's bars): schedules and look-back windows are
# dated arithmetic, and a date near the ends of the calendar would overflow it.
EARLIEST_AS_OF = date(1900, 1, 1)
LATEST_AS_OF = date(2199, 12, 31)


def context(
    patient: PatientSource, as_of: date, guideline: str = DEFAULT_PROFILE, kb: KnowledgeBase | None = None
) -> Context:
    """Load and assess a patient: everything a rule needs."""
    if not EARLIEST_AS_OF <= as_of <= LATEST_AS_OF:
        raise InputError(
            "as_of", as_of.isoformat(),
            f"is not a plausible date for a plan (use {EARLIEST_AS_OF} to {LATEST_AS_OF})",
        )
    kb = kb or load()
    record = load_patient(patient, as_of=as_of)
    chosen = profile(guideline, kb)
    kid = Kidney.of(record, as_of)
    return Context(record, as_of, chosen, kb, assess_patient(record, as_of, chosen, kb, kid), kid)


def assess(
    patient: PatientSource, as_of: date, guideline: str = DEFAULT_PROFILE, kb: KnowledgeBase | None = None
) -> Assessment:
    """The assessment alone (contract 2, ``assessment``)."""
    return context(patient, as_of, guideline, kb).assessment


def recommend(
    patient: PatientSource, as_of: date, guideline: str = DEFAULT_PROFILE, kb: KnowledgeBase | None = None
) -> Plan:
    """The full plan for ``patient`` on ``as_of`` under ``guideline`` (contract 2)."""
    ctx = context(patient, as_of, guideline, kb)
    lines = [line for rule in all_rules() for line in rule.decide(ctx)]
    proposed = [line for line in lines if isinstance(line, Recommendation)]
    review = safety.review(ctx, proposed)
    barred = review.excluded | {ctx_id(ctx, line.drug): line for line in lines if isinstance(line, Exclusion)}
    recommendations, excluded = _apply_safety(ctx, proposed, barred)
    plan_recommendations = tuple(_unique_by_id(recommendations))
    return Plan(
        patient_id=ctx.patient.id,
        as_of=as_of,
        guideline=ctx.profile.name,
        knowledge_version=str(ctx.kb.version),
        assessment=ctx.assessment,
        recommendations=plan_recommendations,
        warnings=tuple(_merge_warnings(
            [*(line for line in lines if isinstance(line, Warning)), *review.warned.values()]
        )),
        excluded=tuple(sorted(excluded, key=lambda e: e.drug)),
        monitoring=tuple(_merge_monitoring(line for line in lines if isinstance(line, MonitoringItem))),
        options=tuple(options_for(ctx, plan_recommendations, barred)),
    )


def ctx_id(ctx: Context, drug: str) -> str:
    """The therapy id a drug name resolves to (the folded name itself when lncare does not know it)."""
    therapy = ctx.therapy(drug)
    return therapy.id if therapy else drug


def _apply_safety(
    ctx: Context, proposed: list[Recommendation], barred: dict[str, Exclusion]
) -> tuple[list[Recommendation], list[Exclusion]]:
    kept: list[Recommendation] = []
    relevant: dict[str, Exclusion] = {}
    for line in proposed:
        therapy_id = ctx_id(ctx, line.drug) if line.drug else None
        exclusion = barred.get(therapy_id) if therapy_id else None
        if exclusion is None or line.action not in GIVING_ACTIONS:
            kept.append(line)
            continue
        relevant[exclusion.drug] = exclusion
        if therapy_id is not None and ctx.takes(therapy_id) is not None:
            kept.append(_stop_instead(line, exclusion))
    for therapy_id, exclusion in barred.items():
        if ctx.takes(therapy_id) is not None:
            relevant[exclusion.drug] = exclusion
    return kept, list(relevant.values())


def _stop_instead(line: Recommendation, exclusion: Exclusion) -> Recommendation:
    return Recommendation(
        id=f"{line.id}-stop",
        category=line.category,
        action="stop",
        drug=line.drug,
        strength="recommended",
        text=f"Stop {line.drug}: {exclusion.reason}",
        because={**exclusion.because, "excluded": exclusion.reason},
        cites=exclusion.cites or line.cites,
        certainty=line.certainty,
    )


def _unique_by_id(lines: Iterable[Recommendation]) -> Iterable[Recommendation]:
    seen: set[str] = set()
    for line in lines:
        if line.id not in seen:
            seen.add(line.id)
            yield line


def _merge_warnings(warnings: Iterable[Warning]) -> list[Warning]:
    """One warning per code (the most severe), its citations merged; most severe first."""
    merged = _merge(warnings, key=lambda w: w.code, rank=lambda w: SEVERITY_ORDER[w.severity])
    return sorted(merged, key=lambda w: (SEVERITY_ORDER[w.severity], w.code))


def _merge_monitoring(items: Iterable[MonitoringItem]) -> list[MonitoringItem]:
    """One item per test at the shortest interval asked for, citations merged."""
    merged = _merge(items, key=lambda m: m.test, rank=lambda m: m.every_weeks)
    return sorted(merged, key=lambda m: (m.every_weeks, m.test))


Cited = TypeVar("Cited", bound=Warning | MonitoringItem)


def _merge(
    items: Iterable[Cited], key: Callable[[Cited], str], rank: Callable[[Cited], float]
) -> list[Cited]:
    """One item per ``key``: the lowest ``rank`` (first listed on a tie), with every citation kept."""
    merged: dict[str, Cited] = {}
    for item in items:
        known = merged.get(key(item))
        if known is None:
            merged[key(item)] = item
        else:
            cites = tuple(dict.fromkeys((*known.cites, *item.cites)))
            # model_copy keeps the model's class; mypy reads it as the bound's union
            merged[key(item)] = cast(Cited, min(known, item, key=rank).model_copy(update={"cites": cites}))
    return list(merged.values())
