"""Monitoring: how often to quantify proteinuria and check serology, and what each current drug needs."""

from __future__ import annotations

from collections.abc import Iterator

from lncare.engine.context import Context
from lncare.engine.rules import Line, rule
from lncare.engine.rules.lines import usable
from lncare.model.plan import MonitoringItem

# Weeks in a month as lncare counts them (1/12 of a Julian year; knowledge schema TimePoint).
WEEKS_PER_MONTH = 365.25 / 12 / 7
# ACR 2024: proteinuria at least every 3 months until complete response (acr2024-rec-monitor-not-crr),
# every 3-6 months in sustained complete response (acr2024-rec-monitor-crr; the longer end is shown).
UNTIL_CRR_EVERY_WEEKS = 3 * WEEKS_PER_MONTH
IN_CRR_EVERY_WEEKS = 6 * WEEKS_PER_MONTH
# ACR 2024 GPS: complement and anti-dsDNA at each visit but not more often than monthly.
SEROLOGY_AT_MOST_EVERY_WEEKS = 1 * WEEKS_PER_MONTH
SEROLOGY = ("c3", "c4", "anti_dsdna")


@rule(implements=["acr2024-rec-monitor-not-crr", "acr2024-rec-monitor-crr", "acr2024-gps-serology"])
def proteinuria_and_serology(ctx: Context) -> Iterator[Line]:
    """Quantify proteinuria every 3 months until complete response, then every 3-6 months; C3, C4 and
    anti-dsDNA with it, never more often than monthly."""
    if ctx.patient.biopsy is None and not ctx.patient.series("upcr", ctx.as_of):
        return
    complete = ctx.assessment.renal_response.status == "complete"
    chosen = usable(ctx, ["acr2024-rec-monitor-crr" if complete else "acr2024-rec-monitor-not-crr"])
    if not chosen:
        return
    every = IN_CRR_EVERY_WEEKS if complete else UNTIL_CRR_EVERY_WEEKS
    status = ctx.assessment.renal_response.status
    yield MonitoringItem.trusted(
        test="upcr", every_weeks=round(every, 1), because={"renal_response": status}, cites=(chosen[0].id,)
    )
    for statement in usable(ctx, ["acr2024-gps-serology"]):
        for test in SEROLOGY:
            yield MonitoringItem.trusted(
                test=test,
                every_weeks=round(max(every, SEROLOGY_AT_MOST_EVERY_WEEKS), 1),
                because={"renal_response": status},
                cites=(statement.id,),
            )


@rule(implements=["kdigo2024-text-monitoring", "eular2019-text-monitoring"])
def initial_phase_monitoring(ctx: Context) -> Iterator[Line]:
    """During initial therapy kidney function, UPCR, sediment, BP, blood count, albumin and serology are
    checked every 2-4 weeks (KDIGO text; used once verified)."""
    statements = usable(ctx, ["kdigo2024-text-monitoring"])
    if not statements or ctx.assessment.phase != "induction":
        return
    for test in ("creatinine", "upcr", "urine_rbc", "systolic_bp", "wbc", "albumin", *SEROLOGY):
        # every 4 weeks: the longer end of the 2-4 weeks the text gives
        yield MonitoringItem.trusted(
            test=test, every_weeks=4.0, because={"phase": "induction"}, cites=tuple(s.id for s in statements)
        )


@rule(implements=["eular2019-text-monitoring", "acr2024-gps-adjunctive"])
def drug_monitoring(ctx: Context) -> Iterator[Line]:
    """What each current drug's verified label or guideline facts ask to be measured, and how often."""
    for therapy_id, medication in ctx.current.items():
        therapy = ctx.kb.therapies.get(therapy_id)
        weeks_on = (ctx.as_of - medication.start).days / 7
        for fact in therapy.monitoring if therapy else ():
            if fact.certainty not in ("V", "S") or fact.every_weeks is None:
                continue
            if (fact.from_week is not None and weeks_on < fact.from_week) or (
                fact.until_week is not None and weeks_on >= fact.until_week
            ):
                continue
            yield MonitoringItem.trusted(
                test=fact.test,
                every_weeks=fact.every_weeks,
                because={"drug": medication.drug, "sources": list(fact.sources)},
            )
