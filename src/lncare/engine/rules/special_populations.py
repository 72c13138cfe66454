"""Special populations: pregnancy, planning and lactation; reduced eGFR; kidney failure, dialysis and
transplant; children; class I/II, pure class V and class VI; TMA and antiphospholipid syndrome."""

from __future__ import annotations

from collections.abc import Iterator

from lncare.engine.context import Context
from lncare.engine.kidney_function import egfr_on, kidney_failure
from lncare.engine.rules import Line, rule
from lncare.engine.rules.facts import (
    PROTEINURIA_G_PER_G,
    REDUCED_EGFR,
    condition_holds,
    prednisone_mg_per_day,
    taken_or_start,
)
from lncare.engine.rules.lines import line, usable
from lncare.model.plan import Exclusion, Warning

# Childhood-onset SLE: onset before 18 years (the ACR 2024 paediatric statements' population).
ADULT_YEARS = 18
# Pregnancy-compatible immunosuppressants for active LN (acr2020-text-compatible-drugs).
PREGNANCY_COMPATIBLE = ("azathioprine", "tacrolimus")


def _classes(ctx: Context) -> set[str]:
    return set(ctx.patient.biopsy.classes) if ctx.patient.biopsy else set()


def _active(ctx: Context) -> bool:
    a = ctx.assessment
    upcr = ctx.latest("upcr")
    proteinuric = upcr is not None and upcr >= PROTEINURIA_G_PER_G
    return a.flare is not None or (a.phase in ("untreated", "induction") and proteinuric)


@rule(
    implements=[
        "acr2020-text-mmf-stop",
        "acr2020-text-cyc-stop",
        "acr2020-text-biologics",
        "acr2020-text-leflunomide",
        "acr2020-text-raas-pregnancy",
    ]
)
def stop_before_conception(ctx: Context) -> Iterator[Line]:
    """Pregnant or planning: drugs the guideline stops before conception are excluded, with the washout."""
    if ctx.patient.pregnancy not in ("pregnant", "planning"):
        return
    for therapy in ctx.kb.therapies.values():
        statements = ctx.profile.find(topic="special_populations", therapies=[therapy.id])
        fact = therapy.pregnancy
        stops = [s for s in statements if s.id != "acr2020-text-men"]
        if fact is None or fact.status == "compatible" or fact.certainty not in ("V", "S") or not stops:
            continue
        washout = (
            f"; stop at least {fact.washout_weeks:g} weeks before conception" if fact.washout_weeks else ""
        )
        yield Exclusion.trusted(
            drug=therapy.name,
            reason=f"pregnancy {ctx.patient.pregnancy}: {fact.status}{washout}",
            because={"pregnancy": ctx.patient.pregnancy, "washout_weeks": fact.washout_weeks},
            cites=tuple(s.id for s in stops),
        )
        if ctx.takes(therapy.id) is not None:
            yield Warning.trusted(
                code=f"pregnancy-stop-{therapy.id}",
                severity="critical",
                message=f"Stop {therapy.name} before conception{washout}",
                because={"pregnancy": ctx.patient.pregnancy},
                cites=tuple(s.id for s in stops),
            )


@rule(
    implements=[
        "acr2020-text-compatible-drugs",
        "acr2020-rec-hcq-pregnancy",
        "acr2020-rec-aspirin",
        "acr2020-text-timing",
    ]
)
def pregnancy_compatible_care(ctx: Context) -> Iterator[Line]:
    """Pregnant or planning: HCQ continues, azathioprine (or tacrolimus) replaces mycophenolate, prednisone
    stays below 20 mg/day, low-dose aspirin in pregnancy; pregnancy after 6 months of quiet disease."""
    pregnancy = ctx.patient.pregnancy
    if pregnancy not in ("pregnant", "planning", "lactating"):
        return
    because: dict[str, object] = {"pregnancy": pregnancy}
    for statement in usable(ctx, ["acr2020-rec-hcq-pregnancy"]):
        action, drug = taken_or_start(ctx, ["hydroxychloroquine"])
        yield line(
            ctx,
            [statement],
            id="pregnancy-hcq",
            category="antimalarial",
            action=action,
            drug=drug,
            text="Hydroxychloroquine throughout pregnancy and breastfeeding",
            because=because,
        )
    if pregnancy == "lactating":
        return
    compatible = usable(ctx, ["acr2020-text-compatible-drugs"])
    on_mpa = [m.drug for t, m in ctx.current.items() if t in ("mycophenolate-mofetil", "mycophenolic-acid")]
    # ACR 2020: prednisone is brought below 20 mg/day by adding a pregnancy-compatible drug, so a dose at the
    # ceiling is a reason to offer one, like active disease (guidelines.md section 8.1).
    above_ceiling = bool(compatible) and condition_holds(
        ctx, compatible[0], "prednisone_pregnancy_ceiling"
    ) is False
    active = _active(ctx) or above_ceiling
    if compatible:
        for therapy_id in PREGNANCY_COMPATIBLE:
            action, drug = taken_or_start(ctx, [therapy_id])
            if action == "start" and not (on_mpa or active):
                continue  # a compatible drug is added only to replace mycophenolate or for active disease
            if therapy_id == "tacrolimus" and action == "start" and not active:
                continue  # tacrolimus is the second choice; offered for active disease only
            yield line(
                ctx,
                compatible,
                id=f"pregnancy-{therapy_id}",
                category="maintenance",
                action=action if action == "continue" else "consider",
                drug=drug,
                text=f"{drug.capitalize()} is compatible with pregnancy"
                + (f" (instead of {', '.join(on_mpa)})" if on_mpa else ""),
                because={**because, "replaces": on_mpa, "active_disease": _active(ctx),
                         "prednisone_at_pregnancy_ceiling": above_ceiling},
            )
        if above_ceiling:
            yield Warning(
                code="prednisone_pregnancy_ceiling",
                severity="warning",
                message="Bring prednisone below 20 mg/day by adding pregnancy-compatible drugs",
                because={"prednisone_mg_per_day": prednisone_mg_per_day(ctx)},
                cites=(compatible[0].id,),
            )
    if pregnancy == "pregnant":
        for statement in usable(ctx, ["acr2020-rec-aspirin"]):
            action, drug = taken_or_start(ctx, ["low-dose-aspirin"])
            yield line(
                ctx,
                [statement],
                id="pregnancy-aspirin",
                category="supportive",
                action=action,
                drug=drug,
                text="Low-dose aspirin 81 or 100 mg/day from the first trimester",
                because=because,
            )
    if pregnancy == "planning" and _active(ctx):
        for statement in usable(ctx, ["acr2020-text-timing"]):
            yield Warning(
                code="pregnancy_timing",
                severity="warning",
                message="Defer conception until about 6 months of stable inactive disease",
                because={"active_disease": True},
                cites=(statement.id,),
            )


@rule(implements=["acr2020-rec-hcq-pregnancy"])  # the ACR 2020 breastfeeding statement lncare holds
def lactation(ctx: Context) -> Iterator[Line]:
    """Breastfeeding: a drug whose verified label or guideline fact says avoid is flagged."""
    if ctx.patient.pregnancy != "lactating":
        return
    for therapy_id, medication in ctx.current.items():
        therapy = ctx.kb.therapies.get(therapy_id)
        fact = therapy.lactation if therapy else None
        if fact is not None and fact.status != "compatible" and fact.certainty in ("V", "S"):
            yield Warning(
                code=f"lactation-{therapy_id}",
                severity="critical",
                message=f"{medication.drug} is to be avoided while breastfeeding",
                because={"pregnancy": "lactating", "sources": list(fact.sources)},
            )


@rule(implements=["acr2024-gps-dose-adjust-gfr"])
def reduced_egfr(ctx: Context) -> Iterator[Line]:
    """Reduced GFR: review every LN drug's dose now and periodically; flag the verified eGFR limits."""
    reading = egfr_on(ctx, ctx.as_of)
    if reading is None or reading.value >= REDUCED_EGFR:
        return
    for statement in usable(ctx, ["acr2024-gps-dose-adjust-gfr"]):
        yield line(
            ctx,
            [statement],
            id="dose-review-gfr",
            category="referral",
            action="monitor",
            text="Adjust LN drug doses for the reduced GFR, now and periodically",
            because={"egfr": reading.value, "egfr_source": reading.source},
        )
    for therapy_id, medication in ctx.current.items():
        therapy = ctx.kb.therapies.get(therapy_id)
        for limit in therapy.egfr_limits if therapy else ():
            below = (
                reading.value < limit.threshold
                if limit.comparison == "<"
                else reading.value <= limit.threshold
            )
            if below and limit.phase in ("ongoing", "any") and limit.certainty in ("V", "S"):
                yield Warning(
                    code=f"egfr-limit-{therapy_id}",
                    severity="warning",
                    message=f"{medication.drug}: {limit.text}",
                    because={"egfr": reading.value, "threshold": limit.threshold},
                )


@rule(
    implements=[
        "eular2019-text-kidney-failure",
        "acr2024-rec-transplant-over-dialysis",
        "acr2024-rec-preemptive-transplant",
        "acr2024-rec-transplant-without-remission",
        "acr2024-rec-rheumatology-follow-up",
        "acr2024-gps-rrt-collaboration",
        "kdigo2024-text-kidney-failure",
    ]
)
def kidney_failure_and_transplant(ctx: Context) -> Iterator[Line]:
    """Kidney failure (dialysis, ESKD, class VI, eGFR near 15): transplant preferred, pre-emptive when
    possible, without waiting for serologic remission; rheumatology follow-up continues."""
    reading = egfr_on(ctx, ctx.as_of)
    preemptive = usable(ctx, ["acr2024-rec-preemptive-transplant"])
    nearing = bool(preemptive) and bool(condition_holds(ctx, preemptive[0], "nearing_eskd"))
    failed = kidney_failure(ctx) or "VI" in _classes(ctx)
    transplanted = ctx.has("kidney_transplant")
    if not (failed or nearing or transplanted):
        return
    because = {
        "conditions": list(ctx.patient.conditions),
        "classes": sorted(_classes(ctx)),
        "egfr": reading.value if reading else None,
    }
    if not transplanted:
        statements = usable(
            ctx,
            [
                "eular2019-text-kidney-failure",
                "acr2024-rec-transplant-over-dialysis",
                "acr2024-rec-transplant-without-remission",
                "kdigo2024-text-kidney-failure",
            ],
        )
        if nearing and not ctx.has("dialysis"):
            statements = [*preemptive, *statements]
        if statements:
            yield line(
                ctx,
                statements,
                id="transplant-referral",
                category="referral",
                action="consider",
                text="Refer for kidney transplantation (preferred to dialysis; remission not required)",
                because=because,
            )
    follow_up = usable(ctx, ["acr2024-rec-rheumatology-follow-up", "acr2024-gps-rrt-collaboration"])
    if follow_up and (ctx.has("dialysis") or transplanted or failed):
        yield line(
            ctx,
            follow_up,
            id="rheumatology-follow-up",
            category="referral",
            action="monitor",
            text="Keep regular rheumatology follow-up; decide dialysis and transplant with nephrology",
            because=because,
        )


@rule(
    implements=[
        "eular2019-text-children",
        "acr2024-gps-children-gc",
        "acr2024-gps-children-growth",
        "acr2024-gps-transition",
    ]
)
def children(ctx: Context) -> Iterator[Line]:
    """Children: adult principles (EULAR); paediatric glucocorticoid doses, growth and puberty, transition."""
    if ctx.age >= ADULT_YEARS:
        return
    because = {"age": ctx.age}
    items = [
        (
            "eular2019-text-children",
            "children-adult-principles",
            "monitor",
            "Treat LN in children on the same principles as in adults",
        ),
        (
            "acr2024-gps-children-gc",
            "children-glucocorticoid-dose",
            "decrease",
            "Use paediatric-appropriate, reduced glucocorticoid doses to limit cumulative exposure",
        ),
        (
            "acr2024-gps-children-growth",
            "children-growth",
            "monitor",
            "Watch growth and puberty; refer to paediatric endocrinology when delayed",
        ),
        (
            "acr2024-gps-transition",
            "children-transition",
            "monitor",
            "Plan a structured transition to adult rheumatology care",
        ),
    ]
    for statement_id, line_id, action, text in items:
        for statement in usable(ctx, [statement_id]):
            yield line(
                ctx,
                [statement],
                id=line_id,
                category="referral",
                action=action,  # type: ignore[arg-type]
                text=text,
                because=because,
            )


@rule(implements=["kdigo2024-pp-10.2.2.1", "eular2019-text-class-ii"])
def class_i_ii(ctx: Context) -> Iterator[Line]:
    """Class I/II: no kidney-directed immunosuppression (KDIGO), low-dose prednisone for proteinuria
    > 1 g despite RAAS blockade (EULAR)."""
    classes = _classes(ctx)
    if not classes or not classes <= {"I", "II"}:
        return
    for statement in ctx.profile.find(topic="special_populations", classes=sorted(classes)):
        because = {"classes": sorted(classes), "upcr_g_per_g": ctx.latest("upcr")}
        if statement.id == "kdigo2024-pp-10.2.2.1":
            yield line(
                ctx,
                [statement],
                id="class-i-ii-no-kidney-immunosuppression",
                category="induction",
                action="avoid",
                text="No kidney-directed immunosuppression for class I/II; treat "
                "extrarenal lupus, suspect podocytopathy if proteinuria is nephrotic",
                because=because,
            )
        elif any(c.name == "proteinuria_despite_raas" for c in statement.conditions):
            on_raas = any(ctx.takes(t) for t in ("ace-inhibitor", "arb"))
            if on_raas and condition_holds(ctx, statement, "proteinuria_despite_raas"):
                action, drug = taken_or_start(ctx, ["prednisone"])
                yield line(
                    ctx,
                    [statement],
                    id="class-ii-prednisone",
                    category="glucocorticoid",
                    action="consider" if action == "start" else action,
                    drug=drug,
                    text="Low-to-moderate prednisone (0.25-0.5 mg/kg/day), alone or with azathioprine",
                    because={**because, "on_raas_blockade": True},
                )


@rule(
    implements=[
        "eular2019-text-class-v",
        "acr2024-rec-class-v-high",
        "acr2024-rec-class-v-low",
        "kdigo2024-pp-class-v",
    ]
)
def pure_class_v(ctx: Context) -> Iterator[Line]:
    """Pure class V: immunosuppression above the profile's threshold (ACR/EULAR 1 g/g, KDIGO nephrotic)."""
    if _classes(ctx) != {"V"}:
        return
    for statement in ctx.profile.find(topic="special_populations", classes=["V"]):
        threshold = next(
            (c.name for c in statement.conditions if c.name in ("proteinuria_threshold", "nephrotic_range")),
            None,
        )
        if threshold is None or not condition_holds(ctx, statement, threshold):
            continue
        because = {"classes": ["V"], "upcr_g_per_g": ctx.latest("upcr"), "threshold": threshold}
        for therapy_id in statement.therapies:
            if therapy_id == "methylprednisolone":
                continue  # pulses are the glucocorticoid rules' line
            action, drug = taken_or_start(ctx, [therapy_id])
            yield line(
                ctx,
                [statement],
                id=f"class-v-{therapy_id}",
                category="induction",
                action=action if action == "continue" else "consider",
                drug=drug,
                text=f"Pure class V above the treatment threshold: {drug} is an option",
                because=because,
            )


@rule(implements=["kdigo2024-text-tma", "acr2024-rec-refractory"])
def tma_and_aps(ctx: Context) -> Iterator[Line]:
    """TMA on biopsy or antiphospholipid syndrome: work up TTP, aPL nephropathy and complement TMA."""
    biopsy = ctx.patient.biopsy
    tma = bool(biopsy and biopsy.tma) or ctx.has("thrombotic_microangiopathy")
    aps = ctx.has("antiphospholipid_syndrome")
    if not (tma or aps):
        return
    statements = usable(ctx, ["kdigo2024-text-tma"])
    if not statements and ctx.assessment.refractory is not None:
        statements = usable(ctx, ["acr2024-rec-refractory"])  # ACR: consider aPL nephropathy when refractory
    if statements:
        yield Warning(
            code="tma_aps_workup",
            severity="critical",
            message="TMA or APS: work up TTP (ADAMTS13), aPL nephropathy and complement-mediated TMA",
            because={"tma": tma, "antiphospholipid_syndrome": aps},
            cites=tuple(s.id for s in statements),
        )
