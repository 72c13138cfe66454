"""Supportive care: bone protection on glucocorticoids, PJP prophylaxis, vaccination, contraception."""

from __future__ import annotations

from collections.abc import Iterator

from lncare.engine.context import Context
from lncare.engine.missing import REPRODUCTIVE_AGE
from lncare.engine.rules import Line, rule
from lncare.engine.rules.facts import condition_holds, prednisone_mg_per_day, taken_or_start
from lncare.engine.rules.lines import line, usable
from lncare.model.plan import MonitoringItem, Warning

# Therapy roles that make a patient "on immunosuppression" for the ACR 2022 vaccination guideline.
IMMUNOSUPPRESSIVE_ROLES = frozenset({"induction", "maintenance", "add_on", "refractory"})
# Age bounds printed in the ACR 2022 vaccination recommendations (acr2022vax-rec-*): recombinant zoster
# for adults (18 or older), pneumococcal under 65, HPV for 27 to 45 not vaccinated before.
ADULT_YEARS = 18
PNEUMOCOCCAL_BELOW_YEARS = 65
HPV_YEARS = (27, 45)
# Vaccines the ACR 2022 recommendations give without addressing pregnancy: not proposed to a pregnant patient.
NOT_IN_PREGNANCY = frozenset({"vaccine-hpv", "vaccine-zoster"})
# A bone density scan every 1-2 years on glucocorticoids (ACR 2022 GIOP); the shorter end is shown.
BMD_EVERY_WEEKS = 52.0


def _immunosuppressed(ctx: Context) -> list[str]:
    names = []
    for therapy_id, medication in ctx.current.items():
        therapy = ctx.kb.therapies.get(therapy_id)
        if therapy is not None and IMMUNOSUPPRESSIVE_ROLES & set(therapy.roles):
            names.append(medication.drug)
    return names


@rule(
    implements=[
        "acr2022giop-text-calcium-vitamin-d",
        "acr2022giop-text-fracture-risk",
        "acr2022giop-rec-bisphosphonate",
        "acr2022giop-text-very-high-risk",
    ]
)
def bone_protection(ctx: Context) -> Iterator[Line]:
    """Calcium and vitamin D, fracture-risk assessment and BMD on glucocorticoids; bisphosphonate if at very
    high risk from 40 years."""
    exposure = usable(ctx, ["acr2022giop-text-fracture-risk"])
    if not exposure or not condition_holds(ctx, exposure[0], "gc_exposure"):
        return
    dose = prednisone_mg_per_day(ctx)
    because = {"prednisone_mg_per_day": dose}
    calcium = usable(ctx, ["acr2022giop-text-calcium-vitamin-d"])
    if calcium:
        action, drug = taken_or_start(ctx, ["calcium-vitamin-d"])
        yield line(
            ctx,
            calcium,
            id="bone-calcium-vitamin-d",
            category="supportive",
            action=action,
            drug=drug,
            text="Calcium and vitamin D to the age-appropriate allowance while on glucocorticoids",
            because=because,
        )
    yield MonitoringItem(
        test="bone_density", every_weeks=BMD_EVERY_WEEKS, because=because, cites=(exposure[0].id,)
    )
    very_high = usable(ctx, ["acr2022giop-text-very-high-risk"])
    bisphosphonate = usable(ctx, ["acr2022giop-rec-bisphosphonate"])
    if (
        very_high
        and bisphosphonate
        and condition_holds(ctx, very_high[0], "high_dose")
        and condition_holds(ctx, bisphosphonate[0], "age_min")
    ):
        action, drug = taken_or_start(ctx, ["bisphosphonate"])
        yield line(
            ctx,
            [*bisphosphonate, *very_high],
            id="bone-bisphosphonate",
            category="supportive",
            action=action if action == "continue" else "consider",
            drug=drug,
            text="Oral bisphosphonate: very high fracture risk from high-dose glucocorticoids",
            because={**because, "age": ctx.age},
        )


@rule(implements=["eular2022inf-text-pjp"])
def pjp_prophylaxis(ctx: Context) -> Iterator[Line]:
    """Pneumocystis prophylaxis considered when prednisolone exceeds 15-30 mg/day for weeks."""
    for statement in ctx.profile.find(topic="supportive", therapies=["trimethoprim-sulfamethoxazole"]):
        if condition_holds(ctx, statement, "gc_threshold", low_end=True):
            action, drug = taken_or_start(ctx, ["trimethoprim-sulfamethoxazole"])
            yield line(
                ctx,
                [statement],
                id="pjp-prophylaxis",
                category="supportive",
                action=action if action == "continue" else "consider",
                drug=drug,
                strength="consider",
                text="Consider Pneumocystis prophylaxis: prednisone above 15-30 mg/day for over 2-4 weeks",
                because={"prednisone_mg_per_day": prednisone_mg_per_day(ctx)},
            )


@rule(
    implements=[
        "acr2022vax-rec-zoster",
        "acr2022vax-rec-pneumococcal",
        "acr2022vax-rec-hpv",
        "acr2022vax-text-influenza",
        "acr2022vax-text-prednisone-20",
    ]
)
def vaccination(ctx: Context) -> Iterator[Line]:
    """Non-live vaccines for people on immunosuppression (ACR 2022), deferred at prednisone >= 20 mg/day."""
    drugs = _immunosuppressed(ctx)
    if not drugs:
        return
    because: dict[str, object] = {"immunosuppression": drugs, "age": ctx.age}
    pregnant = ctx.patient.pregnancy == "pregnant"
    wanted = [
        (
            "acr2022vax-text-influenza",
            "vaccine-influenza",
            "Influenza vaccine (high-dose or adjuvanted)",
            ctx.age >= ADULT_YEARS,  # the high-dose/adjuvanted advice is for adults (ACR 2022)
        ),
        ("acr2022vax-rec-zoster", "vaccine-zoster", "Recombinant zoster vaccine", ctx.age >= ADULT_YEARS),
        (
            "acr2022vax-rec-pneumococcal",
            "vaccine-pneumococcal",
            "Pneumococcal vaccine",
            ctx.age < PNEUMOCOCCAL_BELOW_YEARS,
        ),
        (
            "acr2022vax-rec-hpv",
            "vaccine-hpv",
            "HPV vaccine if not vaccinated before",
            HPV_YEARS[0] <= ctx.age <= HPV_YEARS[1],
        ),
    ]
    for statement_id, line_id, text, applies in wanted:
        for statement in usable(ctx, [statement_id]):
            if applies and pregnant and line_id in NOT_IN_PREGNANCY:
                # The ACR 2022 statements do not address pregnancy; lncare proposes no vaccine there that
                # its knowledge base has not cleared for pregnancy, and says so instead.
                yield Warning(
                    code=f"{line_id}-after-pregnancy",
                    severity="info",
                    message=f"{text}: not proposed during pregnancy (its recommendation does not address "
                    "pregnancy); plan the timing with obstetrics",
                    because={**because, "pregnancy": "pregnant"},
                    cites=(statement.id,),
                )
            elif applies:
                yield line(
                    ctx,
                    [statement],
                    id=line_id,
                    category="supportive",
                    action="consider",
                    text=text,
                    because=because,
                )
    for statement in usable(ctx, ["acr2022vax-text-prednisone-20"]):
        if condition_holds(ctx, statement, "defer_non_live"):
            yield Warning(
                code="defer_non_live_vaccines",
                severity="info",
                message="Prednisone >= 20 mg/day: give influenza vaccine, defer other non-live vaccines",
                because={"prednisone_mg_per_day": prednisone_mg_per_day(ctx)},
                cites=(statement.id,),
            )


@rule(
    implements=[
        "acr2020-rec-contraception-active",
        "acr2020-rec-contraception-apl",
        "acr2020-text-contraception-mmf",
        "acr2020-rec-gnrh",
    ]
)
def contraception(ctx: Context) -> Iterator[Line]:
    """Effective contraception for women who could conceive on a teratogen or with active disease."""
    patient = ctx.patient
    if patient.sex != "female" or patient.pregnancy in ("pregnant", "planning"):
        return
    if not REPRODUCTIVE_AGE[0] <= ctx.age <= REPRODUCTIVE_AGE[1]:
        return
    teratogens = [
        m.drug
        for t, m in ctx.current.items()
        if (th := ctx.kb.therapies.get(t)) is not None
        and th.pregnancy is not None
        and th.pregnancy.status == "contraindicated"
        and th.pregnancy.certainty in ("V", "S")
    ]
    mmf = [
        s
        for s in ctx.profile.find(topic="supportive", therapies=["mycophenolate-mofetil"])
        if any(ctx.takes(t) for t in s.therapies)
    ]
    active = ctx.assessment.phase == "induction" or ctx.assessment.flare is not None
    statements = [*mmf, *(usable(ctx, ["acr2020-rec-contraception-active"]) if active or teratogens else [])]
    if statements:
        yield line(
            ctx,
            statements,
            id="contraception",
            category="supportive",
            action="start",
            text="Effective contraception: an IUD or progestin-only method"
            + ("; on mycophenolate an IUD alone or two methods together" if mmf else ""),
            because={"teratogens": teratogens, "active_disease": active},
        )
    if ctx.has("antiphospholipid_antibodies") or ctx.has("antiphospholipid_syndrome"):
        for statement in usable(ctx, ["acr2020-rec-contraception-apl"]):
            yield Warning(
                code="estrogen_contraindicated_apl",
                severity="critical",
                message="Antiphospholipid antibodies: no estrogen-containing contraception",
                because={"conditions": list(patient.conditions)},
                cites=(statement.id,),
            )
    cyclophosphamide = ctx.takes("cyclophosphamide")
    if cyclophosphamide is not None and cyclophosphamide.route == "iv":
        for statement in usable(ctx, ["acr2020-rec-gnrh"]):
            yield line(
                ctx,
                [statement],
                id="gnrh-agonist-with-cyclophosphamide",
                category="supportive",
                action="consider",
                text="GnRH agonist during monthly IV cyclophosphamide for fertility",
                because={"cyclophosphamide": cyclophosphamide.route},
            )
