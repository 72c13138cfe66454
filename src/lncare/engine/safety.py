"""Which drugs this patient must not receive, and what to watch for in the rest.

Safety reads the therapy knowledge (pregnancy and lactation facts with washouts, eGFR limits, lab and
blood-pressure limits, contraindications, interactions) against the patient and against the drugs in
play: those the patient takes on ``as_of`` plus those the rules propose to give. Only facts of certainty
V or S exclude a drug or raise a warning; an R fact that would have acted yields one ``info`` warning
saying it is unconfirmed, so a reviewer sees it and the plan does not rest on it.

An :class:`~lncare.model.plan.Exclusion` names the drug by its INN (as the record and the plan do) and
cites the guideline statements that say it; the therapy facts' references go in ``because["sources"]``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from lncare.engine.context import Context
from lncare.engine.kidney_function import EgfrReading, current_egfr, egfr_on, kidney_failure
from lncare.knowledge.schema.therapy import EgfrLimit, Fact, Interaction, Therapy
from lncare.model.plan import GIVING_ACTIONS, Exclusion, Recommendation, Severity, Warning

COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
# Limit actions that keep a drug out of the plan; the others ask for care or monitoring.
BARRING_EGFR_ACTIONS = frozenset({"contraindicated", "not_recommended", "avoid", "do_not_start", "stop"})
BARRING_LAB_ACTIONS = frozenset({"do_not_start", "hold", "stop"})
BARRING_INTERACTIONS = frozenset({"avoid", "not_recommended"})
# Drug classes of which a patient takes one member at a time. Every LN regimen of EULAR 2023, KDIGO 2024
# (rec 10.2.3.1.1: MPAA plus ONE calcineurin inhibitor) and ACR 2024 uses one drug per class; the tacrolimus
# label bars it with cyclosporine (label:prograf-us); a second member adds toxicity with no evidence of
# benefit. Matched as the start of the therapy's drug_class (see docs/decisions/003-one-drug-per-class.md).
ONE_PER_CLASS: tuple[str, ...] = ("calcineurin inhibitor", "antimetabolite immunosuppressant")
# Patient-record spellings of states the therapy schema spells otherwise (model/vocabulary.py).
CONDITION_ALIASES = {"hypogammaglobulinemia": "hypogammaglobulinaemia"}
# Words by which a guideline statement about a drug speaks of pregnancy or breastfeeding.
PREGNANCY_WORDS = ("pregnan", "conception")
LACTATION_WORDS = ("breastfeed", "lactat")
# Roles whose drugs suppress immunity: latent TB and active infection matter before them (EULAR 2022
# infection screening statement, eular2022inf-text-screening).
IMMUNOSUPPRESSIVE_ROLES = frozenset({"induction", "add_on", "maintenance", "refractory"})


def usable(fact: Fact) -> bool:
    return fact.certainty in ("V", "S")


@dataclass
class _Review:
    """What safety found for one patient: exclusions by therapy id (first reason wins) and warnings."""

    ctx: Context
    current: dict[str, Therapy]
    new: dict[str, Therapy]
    excluded: dict[str, Exclusion] = field(default_factory=dict)
    warned: dict[str, Warning] = field(default_factory=dict)
    states: set[str] = field(default_factory=set)  # the patient's conditions, read once per review

    def exclude(self, therapy: Therapy, reason: str, because: Mapping[str, object], facts: Sequence[Fact],
                words: Sequence[str] = ()) -> None:
        if therapy.id in self.excluded:
            return
        self.excluded[therapy.id] = Exclusion.trusted(
            drug=therapy.name, reason=reason,
            because={**because, "sources": _sources(facts)},
            cites=_statements_saying(self.ctx, therapy.id, words),
        )

    def warn(self, code: str, severity: Severity, message: str, because: Mapping[str, object],
             facts: Sequence[Fact] = (), cites: Sequence[str] = ()) -> None:
        if code not in self.warned:
            extra = {"sources": _sources(facts)} if facts else {}
            self.warned[code] = Warning.trusted(code=code, severity=severity, message=message,
                                                because={**because, **extra}, cites=tuple(cites))

    def unconfirmed(self, therapy: Therapy, kind: str, what: str) -> None:
        self.warn(f"unconfirmed-{kind}-{therapy.id}", "info",
                  f"Unconfirmed (certainty R, not acted on): {therapy.name}: {what}",
                  {"therapy": therapy.id})

    def in_play(self) -> dict[str, Therapy]:
        return {**self.current, **self.new}


def exclusions(ctx: Context, proposed: Sequence[Recommendation]) -> dict[str, Exclusion]:
    """Therapy id -> why it is excluded for this patient, given the lines the rules propose."""
    return review(ctx, proposed).excluded


def warnings(ctx: Context, proposed: Sequence[Recommendation]) -> list[Warning]:
    """Safety warnings for the drugs in play, one per code, graded info | warning | critical."""
    return list(review(ctx, proposed).warned.values())


def review(ctx: Context, proposed: Sequence[Recommendation]) -> _Review:
    """Run every check over the drugs the patient takes and those the rules propose to give."""
    # A drug the rules propose to stop is not in play for combinations (a switch, not a pair).
    stopping = {
        t.id for line in proposed if line.drug and line.action == "stop" and (t := ctx.therapy(line.drug))
    }
    current = {
        tid: t for tid in ctx.current if tid not in stopping and (t := ctx.kb.therapies.get(tid)) is not None
    }
    new: dict[str, Therapy] = {}
    for line in proposed:
        therapy = ctx.therapy(line.drug) if line.drug and line.action in GIVING_ACTIONS else None
        if therapy is not None and therapy.id not in current:
            new[therapy.id] = therapy
    found = _Review(ctx, current, new, states=_patient_conditions(ctx))
    for therapy in found.in_play().values():
        _allergy(found, therapy)
        _pregnancy(found, therapy)
        _contraindications(found, therapy)
        _egfr_limits(found, therapy)
        _lab_limits(found, therapy)
    _combinations(found)
    _one_per_class(found)
    _infections(found)
    return found


def _allergy(found: _Review, therapy: Therapy) -> None:
    if found.ctx.allergic_to(therapy.id):
        facts = [c for c in therapy.contraindications if c.condition == "hypersensitivity" and usable(c)]
        found.exclude(therapy, f"listed allergy to {therapy.name}",
                      {"allergies": list(found.ctx.patient.allergies)}, facts)


def _pregnancy(found: _Review, therapy: Therapy) -> None:
    patient = found.ctx.patient
    state, fact = patient.pregnancy, therapy.pregnancy
    if state in ("pregnant", "planning") and fact is not None and fact.status != "compatible":
        if not usable(fact):
            found.unconfirmed(therapy, "pregnancy", f"{fact.status} in pregnancy")
        elif state == "pregnant":
            found.exclude(therapy, f"{fact.status} in pregnancy", {"pregnancy": state}, [fact],
                          PREGNANCY_WORDS)
        else:
            _planning(found, therapy, fact.status, fact.washout_weeks, fact.paternal_washout_weeks, fact)
    lactation = therapy.lactation
    if state == "lactating" and lactation is not None and lactation.status != "compatible":
        if not usable(lactation):
            found.unconfirmed(therapy, "lactation", f"{lactation.status} while breastfeeding")
        else:
            found.exclude(therapy, f"{lactation.status} while breastfeeding", {"pregnancy": state},
                          [lactation], LACTATION_WORDS)


def _planning(found: _Review, therapy: Therapy, status: str, washout: float | None,
              paternal: float | None, fact: Fact) -> None:
    """Planning conception: a drug with a washout stops that long before; the father's washout for men."""
    weeks = paternal if found.ctx.patient.sex == "male" else washout
    because = {"pregnancy": "planning", "sex": found.ctx.patient.sex, "washout_weeks": weeks}
    if weeks is not None and weeks > 0:
        found.exclude(therapy, f"stop at least {weeks:g} weeks before conception", because, [fact],
                      PREGNANCY_WORDS)
    elif status == "contraindicated" and found.ctx.patient.sex == "female":
        found.exclude(therapy, "contraindicated in pregnancy: stop before conception", because, [fact],
                      PREGNANCY_WORDS)
    elif weeks is None:
        found.warn(f"pregnancy-planning-{therapy.id}", "warning",
                   f"{therapy.name}: {status} in pregnancy; stop it at conception or plan a switch",
                   because, [fact], _statements_saying(found.ctx, therapy.id, PREGNANCY_WORDS))


def _patient_conditions(ctx: Context) -> set[str]:
    states = {CONDITION_ALIASES.get(c, c) for c in ctx.patient.conditions}
    if ctx.patient.pregnancy == "pregnant":
        states.add("pregnancy")
    if ctx.patient.pregnancy == "lactating":
        states.add("lactation")
    return states


def _contraindications(found: _Review, therapy: Therapy) -> None:
    states = found.states
    for item in therapy.contraindications:
        if item.condition not in states:
            continue
        if not usable(item):
            found.unconfirmed(therapy, item.condition, f"{item.severity} contraindication: {item.text}")
        elif item.severity == "absolute":
            found.exclude(therapy, f"contraindicated with {item.condition}: {item.text}",
                          {"condition": item.condition}, [item])
        else:
            severity: Severity = "critical" if item.condition == "hbv_infection" else "warning"
            found.warn(f"{item.condition}-{therapy.id}", severity,
                       f"{therapy.name} with {item.condition.replace('_', ' ')}: {item.text}",
                       {"condition": item.condition}, [item])


def _egfr_limits(found: _Review, therapy: Therapy) -> None:
    ctx = found.ctx
    reading = current_egfr(ctx)
    starting = therapy.id in found.new
    for limit in therapy.egfr_limits:
        if limit.phase == ("ongoing" if starting else "start"):
            continue
        met, because = _egfr_limit_met(ctx, therapy, limit, reading)
        if met is None:
            if usable(limit) and limit.phase == "start" and limit.action in BARRING_EGFR_ACTIONS:
                found.warn(f"egfr-missing-{therapy.id}", "warning",
                           f"{therapy.name}: no eGFR on record; {limit.text}", {"missing": "egfr"}, [limit])
            continue
        if not met:
            continue
        if not usable(limit):
            found.unconfirmed(therapy, "egfr", limit.text)
        elif limit.action in BARRING_EGFR_ACTIONS:
            found.exclude(therapy, f"eGFR limit: {limit.text}", because, [limit])
        else:
            severity: Severity = "info" if limit.action == "monitor" else "warning"
            found.warn(f"egfr-{limit.action}-{therapy.id}", severity, f"{therapy.name}: {limit.text}",
                       because, [limit])


def _egfr_limit_met(
    ctx: Context, therapy: Therapy, limit: EgfrLimit, reading: EgfrReading | None
) -> tuple[bool | None, dict[str, object]]:
    """Whether the limit applies (None: eGFR unknown), with the facts used."""
    if kidney_failure(ctx):
        failing = limit.comparison in ("<", "<=") and limit.fall_from_baseline_percent is None
        return failing, {"conditions": [c for c in ("dialysis", "esrd") if ctx.has(c)]}
    if reading is None:
        return None, {}
    because: dict[str, object] = {"egfr": reading.value, "egfr_date": reading.on.isoformat(),
                                  "egfr_source": reading.source}
    if not COMPARE[limit.comparison](reading.value, limit.threshold):
        return False, because
    if limit.fall_from_baseline_percent is None:
        return True, because
    fall = egfr_fall_percent(ctx, therapy.id, reading)
    if fall is None:
        return None, because
    because["fall_from_baseline_percent"] = round(fall, 1)
    return fall >= limit.fall_from_baseline_percent, because


def egfr_fall_percent(ctx: Context, therapy_id: str, reading: EgfrReading) -> float | None:
    """Percent fall of eGFR from its value at the start of the current course of ``therapy_id``."""
    medication = ctx.takes(therapy_id)
    baseline = egfr_on(ctx, medication.start) if medication is not None else None
    if baseline is None or baseline.on == reading.on:
        return None
    return 100.0 * (baseline.value - reading.value) / baseline.value


def _lab_limits(found: _Review, therapy: Therapy) -> None:
    starting = therapy.id in found.new
    for limit in therapy.lab_limits:
        if limit.phase == ("ongoing" if starting else "start"):
            continue
        value = found.ctx.latest(limit.measure)
        if value is None:
            if usable(limit) and starting and limit.action in BARRING_LAB_ACTIONS:
                found.warn(f"{limit.measure}-missing-{therapy.id}", "warning",
                           f"{therapy.name}: no {limit.measure} on record; {limit.text}",
                           {"missing": limit.measure}, [limit])
            continue
        if not COMPARE[limit.comparison](value, limit.threshold):
            continue
        because = {limit.measure: value, "limit": f"{limit.comparison} {limit.threshold:g} {limit.unit}"}
        if not usable(limit):
            found.unconfirmed(therapy, limit.measure, limit.text)
        elif limit.action in BARRING_LAB_ACTIONS:
            found.exclude(therapy, f"{limit.measure} {value:g} {limit.unit}: {limit.text}", because, [limit])
        else:
            found.warn(f"{limit.measure}-{limit.action}-{therapy.id}", "warning",
                       f"{therapy.name}: {limit.text}", because, [limit])


def _interactions(found: _Review) -> Iterator[tuple[Therapy, Therapy, Interaction]]:
    """Each pair of drugs in play that a fact on either names, once per pair (a confirmed fact first)."""
    in_play = found.in_play()
    facts = [
        (therapy, partner, item)
        for therapy in in_play.values()
        for item in therapy.interactions
        if item.partner and (partner := in_play.get(item.partner)) is not None
    ]
    facts.sort(key=lambda fact: not usable(fact[2]))
    seen: set[frozenset[str]] = set()
    for therapy, partner, item in facts:
        pair = frozenset({therapy.id, partner.id})
        if pair not in seen:
            seen.add(pair)
            yield therapy, partner, item


def _combinations(found: _Review) -> None:
    """Drugs not to be given together: exclude the newly proposed one, or the later-started of two taken."""
    for first, second, item in _interactions(found):
        if item.action not in BARRING_INTERACTIONS:
            continue
        names = f"{first.name} with {second.name}"
        if not usable(item):
            found.unconfirmed(first, f"with-{second.id}", f"not with {second.name} ({item.reason})")
            continue
        because = {"combination": [first.name, second.name], "interaction": item.reason}
        first_new, second_new = first.id in found.new, second.id in found.new
        if first_new and second_new:
            found.warn(f"combination-{'-'.join(sorted((first.id, second.id)))}", "warning",
                       f"Do not give {names}: {item.reason}", because, [item])
            continue
        if first_new or second_new:
            barred = first if first_new else second
        else:
            barred = max(first, second, key=lambda t: (found.ctx.current[t.id].start, t.id))
        found.exclude(barred, f"not to be given {names}: {item.reason}", because, [item])


def _one_per_class(found: _Review) -> None:
    """Two members of one class (ONE_PER_CLASS): keep the one taken longest and bar the others.

    Two members that are both only proposed are alternatives the rules offer, not a combination.
    """
    def seniority(therapy: Therapy) -> tuple[int, date, str]:
        taken = found.ctx.current.get(therapy.id) if therapy.id in found.current else None
        return (0, taken.start, therapy.id) if taken else (1, date.max, therapy.id)

    kept: dict[str, Therapy] = {}
    for therapy in sorted(found.in_play().values(), key=seniority):
        family = _family(therapy)
        if family is None or therapy.id in found.excluded:
            continue
        other = kept.setdefault(family, therapy)
        if other is therapy or (therapy.id in found.new and other.id in found.new):
            continue
        pair = (therapy.id, other.id)
        labels = [i for t in (therapy, other) for i in t.interactions if i.partner in pair and usable(i)]
        found.exclude(
            therapy,
            f"the patient already takes {other.name}, another {family}; one drug per class",
            {"combination": [other.name, therapy.name], "class": family}, labels, words=(family,),
        )


def _family(therapy: Therapy) -> str | None:
    return next((f for f in ONE_PER_CLASS if therapy.drug_class.startswith(f)), None)


def _infections(found: _Review) -> None:
    """Latent TB before a new immunosuppressant: screen and treat first (EULAR 2022 infections)."""
    ctx = found.ctx
    starting = [t for t in found.new.values() if IMMUNOSUPPRESSIVE_ROLES & set(t.roles)]
    if not starting or not ctx.has("latent_tb"):
        return
    # Cited in every profile: it is the one verified statement on TB screening before immunosuppression.
    statement = ctx.kb.statements.get("eular2022inf-text-screening")
    found.warn("latent-tb", "critical",
               "Latent tuberculosis: treat it before or alongside new immunosuppression ("
               + ", ".join(t.name for t in starting) + ")",
               {"conditions": ["latent_tb"], "starting": [t.name for t in starting]},
               cites=[statement.id] if statement else (),
               )


def _sources(facts: Sequence[Fact]) -> list[str]:
    return list(dict.fromkeys(ref for fact in facts for ref in fact.sources))


def _statements_saying(ctx: Context, therapy_id: str, words: Sequence[str]) -> tuple[str, ...]:
    """Ids of the profile's statements on ``therapy_id`` that speak of any of ``words``."""
    if not words:
        return ()
    return ctx.profile.derived(("saying", therapy_id, tuple(words)), lambda: tuple(
        s.id for s in ctx.profile.find(therapies=[therapy_id])
        if any(word in s.paraphrase.lower() for word in words)
    ))
