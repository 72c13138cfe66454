"""Renal response, treatment milestones, renal flare and refractory status, by the profile's definitions.

Only definitions the profile may use (certainty V or S, :mod:`lncare.engine.profile`) are judged; where a
profile has none for a question, the answer says so instead of borrowing another guideline's.

Time and values (lncare's conventions; no guideline gives these numbers):
- Baseline = the value nearest on or before the start of the current induction, no older than
  :data:`BASELINE_WINDOW_DAYS` (labs drawn at the biopsy or the first infusion, weeks before).
- A value is *current* when it is no older than :data:`RECENT_DAYS` on the day judged (UPCR is checked
  every 1-3 months during initial therapy, shared/domain/guidelines.md section 9).
- A milestone due on day D is judged on values measured after the induction start and up to
  :data:`MILESTONE_GRACE_DAYS` after D, so a visit a few days late still counts.
- ``gfr_near_normal`` (EULAR: normal GFR, or within 10 % of normal if previously abnormal) is read as
  eGFR >= 90 (the KDIGO G1 bound of normal) or within 10 % of it (>= 81); lncare's reading.
- Flare "baseline" (KDIGO 2012 Table 29) is the pre-flare value: the lowest in the 12 months before
  the current value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from lncare.engine.criteria import Facts, Truth, Verdict, evaluate
from lncare.engine.kidney import NEPHROTIC_G_PER_DAY, Kidney
from lncare.engine.observations import Observations
from lncare.engine.profile import Profile
from lncare.engine.treatment import INITIAL_PHASE, Treatment, weeks_between
from lncare.knowledge import KnowledgeBase
from lncare.knowledge.schema.definition import Definition
from lncare.model.plan import Finding, Flare, Milestone, RenalResponse

BASELINE_WINDOW_DAYS = 92
RECENT_DAYS = 92
MILESTONE_GRACE_DAYS = 14
PRE_FLARE_DAYS = 365
NORMAL_GFR = 90.0  # KDIGO G1 lower bound (KDIGO 2012 CKD guideline, kept in 2024)
NEAR_NORMAL_FRACTION = 0.9  # "within 10 % of normal" (EULAR 2012 statement 3.2)
# Nephritic (active) urinary sediment read from the red-cell count: more than 5 red cells per high-power
# field, the haematuria descriptor of SLEDAI-2K (Gladman 2002; lncare.calc.sledai). Casts are not in the
# record, so a sediment with casts but few red cells stays unknown rather than negative.
ACTIVE_SEDIMENT_RBC_PER_HPF = 5.0
LAB_MEASURES = ("upcr", "protein_24h", "creatinine", "urine_rbc", "albumin")
PROTEINURIA = ("upcr", "protein_24h")

MilestoneStatus = Literal["met", "missed", "due", "not_assessable"]


def _weeks_to_days(weeks: float) -> timedelta:
    return timedelta(days=round(weeks * 7))


@dataclass
class Judge:
    """Builds the facts on a given day against one baseline day and judges definitions on them."""

    profile: Profile
    kb: KnowledgeBase
    obs: Observations
    kidney: Kidney
    baseline_day: date | None

    def __post_init__(self) -> None:
        self.baseline = self._baseline()
        self._facts: dict[date, Facts] = {}
        # The facts, the pre-flare values and every ``because`` ask for the same days' values again.
        self._current: dict[date, dict[str, tuple[date, float]]] = {}

    def _baseline(self) -> dict[str, tuple[date, float]]:
        if self.baseline_day is None:
            return {}
        found = {}
        for test in LAB_MEASURES:
            point = self.obs.on_or_before(test, self.baseline_day, BASELINE_WINDOW_DAYS)
            if point is not None:
                found[test] = point
        egfr = self.kidney.egfr_near(self.baseline_day, BASELINE_WINDOW_DAYS)
        if egfr is not None:
            found["egfr"] = (egfr[0], egfr[1])
        return found

    def current_at(self, day: date) -> dict[str, tuple[date, float]]:
        """Test -> (date, value) of the recent values on ``day`` (callers must not change it)."""
        found = self._current.get(day)
        if found is None:
            found = self._current[day] = self._find_current(day)
        return found

    def _find_current(self, day: date) -> dict[str, tuple[date, float]]:
        found = {}
        for test in LAB_MEASURES:
            point = self.obs.on_or_before(test, day, RECENT_DAYS)
            if point is not None:
                found[test] = point
        egfr = self.kidney.egfr_near(day, RECENT_DAYS)
        if egfr is not None:
            found["egfr"] = (egfr[0], egfr[1])
        return found

    def facts_at(self, day: date) -> Facts:
        """The facts on ``day`` (built once per day: milestones and the response share them)."""
        if day not in self._facts:
            self._facts[day] = self._build_facts(day)
        return self._facts[day]

    def _build_facts(self, day: date) -> Facts:
        current = self.current_at(day)
        # A value measured at or before the baseline is not an on-treatment value.
        if self.baseline_day is not None:
            current = {k: p for k, p in current.items() if p[0] > self.baseline_day}
        values = {k: v for k, (_, v) in current.items()}
        previous = {}
        for test, (when, _) in current.items():
            if test != "egfr" and (point := self.obs.before(test, when)) is not None:
                previous[test] = point[1]
        baseline = {k: v for k, (_, v) in self.baseline.items()}
        memo: dict[str, Truth] = {}
        facts = Facts(
            current=values,
            reference={"baseline": baseline, "previous": previous},
            findings=self._findings(values, baseline),
            definition=lambda ident: self._definition(ident, facts, memo),
            measured=self.obs.measured,
        )
        return facts

    def pre_flare(self, day: date) -> dict[str, float]:
        current = self.current_at(day)
        lowest: dict[str, float] = {}
        for test in ("upcr", "protein_24h", "creatinine"):
            if test in current:
                when = current[test][0]
                window = self.obs.between(
                    test, when - timedelta(days=PRE_FLARE_DAYS), when - timedelta(days=1)
                )
                if window:
                    lowest[test] = min(v for _, v in window)
        return lowest

    def _findings(self, current: dict[str, float], baseline: dict[str, float]) -> dict[str, Truth]:
        egfr = current.get("egfr")
        near_normal = None if egfr is None else egfr >= NORMAL_GFR * NEAR_NORMAL_FRACTION
        proteinuria = [baseline[t] for t in PROTEINURIA if t in baseline]
        nephrotic = (max(proteinuria) >= NEPHROTIC_G_PER_DAY) if proteinuria else None
        rbc = current.get("urine_rbc")
        active_sediment = None if rbc is None else rbc > ACTIVE_SEDIMENT_RBC_PER_HPF
        return {
            "gfr_near_normal": near_normal,
            "nephrotic_baseline": nephrotic,
            "active_urinary_sediment": active_sediment,
        }

    def _definition(self, ident: str, facts: Facts, memo: dict[str, Truth]) -> Truth:
        if ident not in memo:
            definition = self.kb.definitions.get(ident)
            usable = definition is not None and definition.certainty in ("V", "S")
            memo[ident] = evaluate(definition.criteria, facts).holds if usable and definition else None
        return memo[ident]

    def dates_of(self, measure: str, day: date) -> dict[str, str]:
        """ISO dates of the values used on ``day``, for ``because``."""
        out = {}
        current = self.current_at(day)
        if measure in current:
            out[f"{measure}_date"] = current[measure][0].isoformat()
        if measure in self.baseline:
            out[f"{measure}_baseline_date"] = self.baseline[measure][0].isoformat()
        return out


def _cites(*definitions: Definition) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for d in definitions for i in (d.id, *d.statements)))


def _one(profile: Profile, concept: str, outcome: str) -> Definition | None:
    return next((d for d in profile.definitions_for(concept) if d.outcome == outcome), None)


def _because(judge: Judge, verdict: Verdict, day: date, extra: dict[str, Any]) -> dict[str, Any]:
    because: dict[str, Any] = dict(extra)
    for key, value in verdict.used.items():
        because[key] = round(value, 3) if isinstance(value, float) else value
    for measure in ("upcr", "protein_24h", "egfr", "creatinine"):
        if measure in verdict.used or f"{measure}_baseline" in verdict.used:
            because.update(judge.dates_of(measure, day))
    if verdict.gaps and verdict.holds is None:
        because["indeterminate"] = list(dict.fromkeys(verdict.gaps))
    return because


def renal_response(judge: Judge, treatment_start: date | None, day: date, phase: str) -> RenalResponse:
    """Complete, partial, none or not assessable (with the reason) on ``day``."""
    profile = judge.profile
    complete, partial = (
        _one(profile, "renal_response", "complete"),
        _one(profile, "renal_response", "partial"),
    )
    none_def = _one(profile, "renal_response", "none")
    if phase == "untreated" or treatment_start is None:
        reason = (
            "untreated: no kidney-directed immunosuppression has started"
            if phase == "untreated"
            else ("off treatment: no current course to judge a response against")
        )
        return RenalResponse(status="not_assessable", reason=reason)
    if complete is None and partial is None:
        return RenalResponse(
            status="not_assessable", reason=f"{profile.name} has no usable response definition"
        )
    weeks = round(weeks_between(treatment_start, day), 1)
    base = {"induction_start": treatment_start.isoformat(), "weeks_on_treatment": weeks}
    if not any(t in judge.baseline for t in PROTEINURIA):
        return RenalResponse(
            status="not_assessable",
            because=base,
            reason=f"no baseline UPCR or 24-h protein within {BASELINE_WINDOW_DAYS} days "
            "before the induction start",
        )
    for test in PROTEINURIA:  # the response is always relative to the baseline proteinuria
        if test in judge.baseline:
            when, value = judge.baseline[test]
            base |= {f"{test}_baseline": value, f"{test}_baseline_date": when.isoformat()}
    facts = judge.facts_at(day)
    if not any(t in facts.current for t in PROTEINURIA):
        return RenalResponse(
            status="not_assessable",
            because=base,
            reason=f"no UPCR or 24-h protein after the induction start "
            f"in the {RECENT_DAYS} days before {day}",
        )
    verdicts = {d.id: evaluate(d.criteria, facts) for d in (complete, partial) if d is not None}
    for definition, status in ((complete, "complete"), (partial, "partial")):
        if definition is not None and verdicts[definition.id].holds is True:
            if status == "partial" and complete is not None and verdicts[complete.id].holds is None:
                break  # could be complete: say so below rather than under-call it
            return RenalResponse(
                status=status,
                definition=definition.id,
                because=_because(judge, verdicts[definition.id], day, base),
                cites=_cites(definition),
            )
    open_ = [d for d in (complete, partial) if d is not None and verdicts[d.id].holds is None]
    if open_ or complete is None or partial is None:
        gaps = [g for d in open_ for g in verdicts[d.id].gaps]
        missing_def = "complete" if complete is None else "partial" if partial is None else None
        reason = (
            "indeterminate: " + "; ".join(dict.fromkeys(gaps))
            if open_
            else f"{profile.name} has no usable {missing_def}-response definition"
        )
        used = [d for d in (complete, partial) if d is not None]
        merged = Verdict(None, {k: v for d in used for k, v in verdicts[d.id].used.items()}, gaps)
        return RenalResponse(
            status="not_assessable",
            reason=reason,
            because=_because(judge, merged, day, base),
            cites=_cites(*used),
        )
    assert complete is not None and partial is not None
    earliest = (
        none_def.window.earliest
        if none_def and none_def.window and none_def.window.earliest
        else INITIAL_PHASE
    )
    used_defs = [complete, partial] + ([none_def] if none_def else [])
    merged = Verdict(False, {k: v for d in (complete, partial) for k, v in verdicts[d.id].used.items()})
    if weeks < earliest.weeks:
        return RenalResponse(
            status="not_assessable",
            because=_because(judge, merged, day, base),
            cites=_cites(*used_defs),
            reason=f"too early: neither complete nor partial yet, and no response is judged before "
            f"{earliest.value:g} {earliest.unit} of treatment",
        )
    return RenalResponse(
        status="none",
        definition=none_def.id if none_def else None,
        because=_because(judge, merged, day, base),
        cites=_cites(*used_defs),
    )


def milestones(judge: Judge, treatment_start: date | None, as_of: date) -> tuple[Milestone, ...]:
    """The profile's milestone trajectory from the current induction start."""
    if treatment_start is None:
        return ()
    found = []
    defs = [d for d in judge.profile.definitions_for("milestone") if d.window and d.window.by]
    for definition in sorted(defs, key=lambda d: d.window.by.weeks if d.window and d.window.by else 0):
        assert definition.window is not None and definition.window.by is not None
        due = treatment_start + _weeks_to_days(definition.window.by.weeks)
        status, because = _milestone(judge, definition, treatment_start, due, as_of)
        found.append(
            Milestone(id=definition.id, label=definition.paraphrase, due=due, status=status, because=because)
        )
    return tuple(found)


def _milestone(
    judge: Judge, definition: Definition, start: date, due: date, as_of: date
) -> tuple[MilestoneStatus, dict[str, Any]]:
    if not any(t in judge.baseline for t in PROTEINURIA):
        return "not_assessable", {"reason": "no baseline UPCR or 24-h protein"}
    last = min(as_of, due + timedelta(days=MILESTONE_GRACE_DAYS))
    days = sorted({d for t in PROTEINURIA for d, _ in judge.obs.between(t, start + timedelta(days=1), last)})
    if as_of < due:
        days = days[-1:]  # not due yet: only whether the latest value already meets it
    results = []
    for day in days:
        verdict = evaluate(definition.criteria, judge.facts_at(day))
        if verdict.holds:
            return "met", _because(judge, verdict, day, {"on": day.isoformat()})
        results.append((day, verdict))
    if as_of < due:
        return "due", {"days_left": (due - as_of).days}
    if results and all(v.holds is False for _, v in results):
        day, verdict = results[-1]
        return "missed", _because(judge, verdict, day, {"on": day.isoformat()})
    if not results:
        return "not_assessable", {"reason": f"no UPCR or 24-h protein between the induction start and {last}"}
    day, verdict = results[-1]
    return "not_assessable", _because(judge, verdict, day, {"on": day.isoformat()})


def flare(judge: Judge, as_of: date) -> Flare | None:
    """A renal flare by the profile's flare definitions (kind, and the worst grade that is met)."""
    defs = judge.profile.definitions_for("flare")
    if not defs:
        return None
    judged = judge.facts_at(as_of)
    # Table 29's "baseline" and Moroni's "previous value" are the values before the flare (in remission),
    # not the start of the induction nor the last reading: a flare that builds over two visits still counts.
    pre_flare = judge.pre_flare(as_of)
    reference = {**judged.reference, "baseline": pre_flare, "previous": pre_flare, "pre_flare": pre_flare}
    facts = Facts(judged.current, reference, judged.findings, judged.definition)
    met: dict[str, tuple[Definition, Verdict]] = {}
    for definition in defs:
        verdict = evaluate(definition.criteria, facts)
        if verdict.holds:
            met[definition.outcome] = (definition, verdict)
    kind = "nephritic" if "nephritic" in met else "proteinuric" if "proteinuric" in met else None
    severity = next((g for g in ("severe", "moderate", "mild") if g in met), None)
    key = kind or severity
    if key is None:
        return None
    definition, verdict = met[key]
    graded = [met[severity][0]] if severity and kind else []
    return Flare(
        kind=kind,
        severity=severity,
        definition=definition.id,
        because=_because(judge, verdict, as_of, {}),
        cites=_cites(definition, *graded),
    )


def refractory(
    judge: Judge, failed_courses: Callable[[], float | None], as_of: date
) -> tuple[Finding | None, Finding | None]:
    """(refractory finding, indeterminate finding) by the profile's refractory definition."""
    defs = judge.profile.definitions_for("refractory")
    if not defs:
        return None, None
    definition = defs[0]
    count = failed_courses()
    judged = judge.facts_at(as_of)
    current = {**judged.current, **({"failed_standard_courses": count} if count is not None else {})}
    facts = Facts(current, judged.reference, judged.findings, judged.definition, judged.measured)
    verdict = evaluate(definition.criteria, facts)
    because = _because(judge, verdict, as_of, {})
    if verdict.holds:
        return Finding(
            code="refractory", message=definition.paraphrase, because=because, cites=_cites(definition)
        ), None
    if verdict.holds is None:
        return None, Finding(
            code="refractory_indeterminate",
            message=f"Refractory status cannot be judged by {definition.id}: "
            "the outcome of earlier courses is not known",
            because=because,
            cites=_cites(definition),
        )
    return None, None


def failed_courses(judge_for: Callable[[date], Judge], treatment: Treatment, as_of: date) -> float | None:
    """Inductions that ran their initial phase and ended (at a re-escalation or now) with no response.

    None when an induction's outcome cannot be judged and it could change whether two courses failed.
    """
    starts = treatment.inductions
    failed = unknown = 0
    for i, start in enumerate(starts):
        # Labs drawn on the day of a re-escalation show how the previous induction ended.
        end = starts[i + 1] if i + 1 < len(starts) else as_of
        if weeks_between(start, end) < INITIAL_PHASE.weeks:
            continue
        status = renal_response(judge_for(start), start, end, "induction").status
        failed += status == "none"
        unknown += status == "not_assessable"
    return float(failed) if unknown == 0 or failed >= 2 else None
