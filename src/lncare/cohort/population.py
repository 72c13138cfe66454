"""The population tables of an OMOP CDM v5.4 source as Ibis expressions: cohort, induction, response at
landmarks, flare, quality measures and time to complete response.

Every expression stays in the portable subset of shared/domain/scale.md 3.2: no asof join and no ordered
``first`` (latest values come from ``argmax``), windows with explicit partition, order and frame, and day
arithmetic on ``epoch_days`` integers or constant intervals, so DuckDB and Spark give the same rows.

The answers are the engine's, for many patients at once: the same knowledge-base definitions
(:mod:`lncare.cohort.compile`), the same windows (imported from lncare.engine.response), the same units
(lncare.model.units), the same eGFR (CKD-EPI 2021 from the day's creatinine, else a reported eGFR) and the
same treatment courses (lncare.engine.treatment); :mod:`lncare.cohort.definitions` says how each OMOP
record becomes those inputs. The parity test (tests/cohort/test_parity.py) holds both executors to one
answer per patient and landmark.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Mapping, Sequence
from typing import Any, get_args

import ibis
import ibis.expr.types as ir

from lncare.cohort import concepts
from lncare.cohort import definitions as d
from lncare.cohort.compile import FINDING, NEVER, Compiler, ckd_epi_2021_cr, column, compare, unit_factors
from lncare.engine import response as engine_response
from lncare.engine.kidney import NEPHROTIC_G_PER_DAY
from lncare.engine.profile import PROFILES
from lncare.engine.profile import profile as engine_profile
from lncare.engine.rules.facts import PROTEINURIA_G_PER_G
from lncare.engine.rules.monitoring import IN_CRR_EVERY_WEEKS, UNTIL_CRR_EVERY_WEEKS
from lncare.engine.treatment import DOSE_INTERVAL_DAYS, DOSES_PER_DAY, ESCALATING_ROLES, KIDNEY_DIRECTED_ROLES
from lncare.errors import InputError, one_of
from lncare.knowledge import KnowledgeBase, load
from lncare.knowledge.load import name_key
from lncare.knowledge.schema.definition import ValueCriterion
from lncare.model.vocabulary import MG_PER_DOSE_UNIT, DoseUnit, Frequency, Route

# Measures the response and flare definitions read from labs (the engine's LAB_MEASURES), and eGFR.
LAB_MEASURES = engine_response.LAB_MEASURES
FACT_MEASURES = (*LAB_MEASURES, "egfr")
PRE_FLARE_MEASURES = ("upcr", "protein_24h", "creatinine")  # engine: Judge.pre_flare
PROTEINURIA = engine_response.PROTEINURIA
STATUSES = ("complete", "partial", "none", "not_assessable")
_ROUTE_OF_CONCEPT = {concept.id: name for name, concept in concepts.ROUTES.items()}
_NEVER_DAY = 10**7  # an open-ended exposure covers every day of interest (about year 29,000)


def population_tables(
    con: ibis.BaseBackend,
    *,
    profile: str = "eular2023",
    landmarks_months: Sequence[int] = d.LANDMARK_MONTHS,
    as_of: datetime.date | None = None,
) -> dict[str, ir.Table]:
    """The population tables of the OMOP source behind ``con`` (unexecuted Ibis expressions).

    ``profile`` is the engine profile whose response and flare definitions are used; ``as_of`` is the data
    cut-off (default: each person's observation end). Keys: cohort, induction, response, flare, measures,
    time_to_response (columns in the cohort-common contract).
    """
    if profile not in PROFILES:
        raise InputError("profile", profile, f"is not a guideline profile (use {one_of(PROFILES)})")
    months = tuple(landmarks_months)
    if not months or any(isinstance(m, bool) or not isinstance(m, int) or m <= 0 for m in months):
        raise InputError("landmarks_months", list(months), "must be positive whole months, e.g. 6, 12, 24")
    p = _Population(con, load(), as_of)
    facts = p.keep(p.facts(p.landmarks(months)))
    response = p.response(facts, profile)
    return {
        "cohort": p.cohort(),
        "induction": p.induction.select("person_id", "induction_start", "regimen"),
        "response": response.select(
            "person_id", "regimen", "landmark_months", "landmark_date", "status"
        ),
        "flare": p.flare(facts, profile),
        "measures": p.measures(),
        "time_to_response": p.time_to_response(profile),
    }


class _Population:
    """The shared steps (persons, lab points, eGFR, exposures, entry, induction) are materialised once
    on the backend (a temporary table on DuckDB, a cached DataFrame on Spark): every output reads them,
    and inlined they made each output's query tens of kilobytes of SQL that repeated the same work."""

    def __init__(self, con: ibis.BaseBackend, kb: KnowledgeBase, as_of: datetime.date | None) -> None:
        self.con = con
        self.kb = kb
        self.as_of = as_of
        self.persons = self.keep(self._persons())
        self.points = self.keep(self._lab_points())
        self.egfr_points = self.keep(self._egfr_points())
        self.exposures = self.keep(self._exposures())
        self.entry = self.keep(self._ln_entry())
        self.induction = self.keep(self._induction())

    def keep(self, table: ir.Table) -> ir.Table:
        """``table`` computed now and kept on the backend for the expressions built on it."""
        # Ibis registers in-memory lookup tables (unit factors, therapies) when a query runs; the PySpark
        # backend's cache compiles one without doing so (ibis 12.0), so the hook is run here first.
        self.con._run_pre_execute_hooks(table)
        return table.cache()

    # ---- source tables ----------------------------------------------------------------------------

    def _table(self, name: str) -> ir.Table:
        try:
            return self.con.table(name)
        except Exception as err:  # each backend raises its own "not found"
            raise InputError("source", name, "is not a table of this OMOP source") from err

    def _persons(self) -> ir.Table:
        person = self._table("person")
        period = self._table("observation_period")
        ends = period.group_by("person_id").aggregate(
            obs_end=period.observation_period_end_date.max()
        )
        # A missing month of birth is read as July 1, a missing day as the 15th (lncare.cohort.records).
        return person.select(
            "person_id",
            female=ibis.cases(
                (person.gender_concept_id == concepts.FEMALE.id, True),
                (person.gender_concept_id == concepts.MALE.id, False),
                else_=ibis.null("boolean"),
            ),
            birth_year=person.year_of_birth.cast("int64"),
            birth_month=person.month_of_birth.fill_null(7).cast("int64"),
            birth_day=ibis.ifelse(person.month_of_birth.isnull(), 1, person.day_of_birth.fill_null(15)).cast(
                "int64"
            ),
        ).join(ends, "person_id")

    def _lab_points(self) -> ir.Table:
        """One canonical value per person, test and date: the record's "last listed" value of the date."""
        m = self._table("measurement")
        factors = unit_factors(concepts.MEASUREMENT_SETS, concepts.UNITS)
        rows = m.join(
            factors,
            [m.measurement_concept_id.cast("int64") == factors.concept_id,
             m.unit_concept_id.cast("int64") == factors.unit_concept_id],
        )
        rows = rows.mutate(value=rows.value_as_number * rows.factor)
        rows = rows.filter(rows.value.notnull(), rows.value >= rows.low, rows.value <= rows.high)
        if self.as_of is not None:
            rows = rows.filter(rows.measurement_date <= self.as_of)
        rows = rows.mutate(day=rows.measurement_date.epoch_days().cast("int64"))
        return rows.group_by("person_id", "test", "day").aggregate(
            value=rows.value.argmax(rows.measurement_id), date=rows.measurement_date.max()
        )

    def _egfr_points(self) -> ir.Table:
        """eGFR per person and date as the engine's Kidney.egfr_on: CKD-EPI 2021 from the date's creatinine
        (adults with a recorded sex), else a laboratory-reported eGFR of that date."""
        pts = self.points
        scr = pts.filter(pts.test == "creatinine")
        reported = pts.filter(pts.test == "egfr")
        days = pts.filter(pts.test.isin(("creatinine", "egfr"))).select("person_id", "day", "date").distinct()
        t = _left(days, scr.select("person_id", "day", scr=scr.value), ["person_id", "day"])
        t = _left(t, reported.select("person_id", "day", reported=reported.value), ["person_id", "day"])
        t = t.join(self.persons, "person_id")
        age = _age(t, t.date)
        computed = ckd_epi_2021_cr(age, t.female, t.scr)
        # CKD-EPI is validated from 18 (lncare.calc.egfr); the cohort is adult, younger days use the report.
        computed = ibis.ifelse(age >= d.ADULT_YEARS, computed, ibis.null("float64"))
        value = computed.fill_null(t.reported)
        out = t.select("person_id", "day", value=value)
        return out.filter(out.value.notnull()).mutate(test=ibis.literal("egfr"))

    def _exposures(self) -> ir.Table:
        """Drug rows as the record's medications (lncare.cohort.records): dose, unit, frequency and route
        from ``sig``, else ``quantity / days_supply`` mg daily; exact repeats kept once. Then the engine's
        view of each: therapy, roles, dose per day and the days it covers (treatment._exposures)."""
        drugs = self._table("drug_exposure")
        therapy = _therapy_table(self.kb)
        rows = drugs.join(therapy, drugs.drug_concept_id.cast("int64") == therapy.concept_id)
        parts = rows.sig.split(" ")
        amount = parts[0].try_cast("float64")
        sig_ok = (
            (parts.length() == 4) & (amount > 0) & parts[1].isin(get_args(DoseUnit))
            & parts[2].isin(get_args(Frequency)) & parts[3].isin(get_args(Route))
        ).fill_null(False)
        route = rows.route_source_value.fill_null(
            _lookup(rows.route_concept_id.cast("int64"), _ROUTE_OF_CONCEPT, "string")
        )
        days = rows.days_supply.cast("float64")
        mean_daily = (rows.quantity / days).round(4)
        rows = rows.mutate(
            dose=ibis.ifelse(sig_ok, amount, mean_daily),
            unit=ibis.ifelse(sig_ok, parts[1], "mg"),
            frequency=ibis.ifelse(sig_ok, parts[2], "daily"),
            route=ibis.ifelse(sig_ok, parts[3], route),
            usable=sig_ok
            | ((rows.quantity > 0) & (days > 0) & route.isin(get_args(Route))).fill_null(False),
        )
        rows = rows.filter(rows.usable)
        if self.as_of is not None:
            rows = rows.filter(rows.drug_exposure_start_date <= self.as_of)
        # An end before the start reads as "still taken" (records: end None).
        end = ibis.ifelse(rows.drug_exposure_end_date >= rows.drug_exposure_start_date,
                          rows.drug_exposure_end_date, ibis.null("date"))
        keys = ("person_id", "therapy_id", "kidney_directed", "escalating", "induction_role",
                "glucocorticoid", "class_base", "equivalence", "drug_concept_id", "dose", "unit", "frequency",
                "route")
        dated = rows.mutate(end_date=end)
        rows = dated.group_by(*keys, "drug_exposure_start_date", "end_date").aggregate(
            id=dated.drug_exposure_id.min()
        )
        interval = _lookup(rows.frequency, DOSE_INTERVAL_DAYS, "int64")
        per_day = _lookup(rows.frequency, DOSES_PER_DAY, "float64")
        mg = rows.dose * _lookup(rows.unit, MG_PER_DOSE_UNIT, "float64")
        start = rows.drug_exposure_start_date.epoch_days().cast("int64")
        end_day = rows.end_date.epoch_days().cast("int64")
        return rows.mutate(
            start=start,
            end=end_day,
            pulse=rows.glucocorticoid & (rows.route == "iv"),
            daily=rows.dose * per_day,
            mg_per_day=mg * per_day,
            covered=end_day.fill_null(_NEVER_DAY) + interval - 1,
        )

    # ---- cohort entry and induction ---------------------------------------------------------------

    def _ln_entry(self) -> ir.Table:
        cond = self._table("condition_occurrence")
        ln = cond.filter(cond.condition_concept_id.isin(concepts.CONDITION_SETS["lupus_nephritis"]))
        ln = ln.select("person_id", date=ln.condition_start_date)
        proc = self._table("procedure_occurrence")
        biopsy = proc.filter(proc.procedure_concept_id.isin(concepts.KIDNEY_BIOPSY_SET))
        m = self._table("measurement")
        klass = m.filter(m.measurement_concept_id == concepts.BIOPSY_CLASS.id,
                         m.value_as_number.isin([float(c) for c in d.ENTRY_CLASSES]))
        biopsy = biopsy.join(klass, [biopsy.person_id == klass.person_id,
                                     biopsy.procedure_date == klass.measurement_date])
        biopsy = biopsy.select(person_id=biopsy.person_id, date=biopsy.procedure_date)
        events = ln.union(biopsy)
        if self.as_of is not None:
            events = events.filter(events.date <= self.as_of)
        first = events.group_by("person_id").aggregate(index=events.date.min())
        sle = cond.filter(cond.condition_concept_id.isin(concepts.CONDITION_SETS["sle"]))
        sle = sle.select("person_id", sle_date=sle.condition_start_date)
        ok = first.join(sle, "person_id")
        ok = ok.filter(ok.sle_date <= ok.index + ibis.interval(days=d.SLE_AFTER_DAYS))
        ok = ok.select("person_id", "index").distinct()
        period = self._table("observation_period")
        inside = ok.join(period, [ok.person_id == period.person_id,
                                  period.observation_period_start_date <= ok.index,
                                  period.observation_period_end_date >= ok.index])
        return inside.group_by(person_id=ok.person_id, index=ok.index).aggregate(
            end=period.observation_period_end_date.max()
        )

    def _courses(self) -> ir.Table:
        """Each kidney-directed exposure with its course number (engine: gaps over COURSE_GAP_DAYS)."""
        e = self.exposures.filter(self.exposures.kidney_directed | self.exposures.pulse)
        before = ibis.window(group_by="person_id", order_by=["start", "id"], rows=(None, -1))
        e = e.mutate(reach=e.covered.max().over(before))
        e = e.mutate(new=(e.reach.isnull() | (e.start > e.reach + d.COURSE_GAP_DAYS)).cast("int64"))
        upto = ibis.window(group_by="person_id", order_by=["start", "id"], rows=(None, 0))
        return e.mutate(course=e.new.sum().over(upto))

    def _induction(self) -> ir.Table:
        courses = self._courses()
        spans = courses.group_by("person_id", "course").aggregate(
            course_start=courses.start.min(),
            course_start_date=courses.drug_exposure_start_date.min(),
            course_covered=courses.covered.max(),
        )
        entry = self.entry.mutate(index_day=self.entry.index.epoch_days().cast("int64"))
        first = spans.join(entry, "person_id")
        first = first.filter(first.course_start >= first.index_day - d.INDUCTION_BEFORE_ENTRY_DAYS)
        first = first.group_by("person_id").aggregate(course=first.course.min())
        start = first.join(spans, ["person_id", "course"]).join(entry, "person_id")
        start = start.join(self.persons, "person_id")
        # Adults from the first baseline day on (definitions: cohort 2).
        start = start.filter(
            _age(start, start.course_start_date - ibis.interval(days=d.BASELINE_WINDOW_DAYS)) >= d.ADULT_YEARS
        )
        members = self.keep(
            courses.join(start.select("person_id", "course", "course_start"), ["person_id", "course"])
        )
        self.members = members
        escalation = _first_escalation(members)
        next_course = spans.join(start.select("person_id", c0="course"), "person_id")
        next_course = next_course.filter(next_course.course == next_course.c0 + 1)
        next_course = next_course.select("person_id", next_start=next_course.course_start)
        out = _left(start, escalation, "person_id")
        out = _left(out, next_course, "person_id")
        out = _left(out, _regimens(members, self.kb), "person_id")
        return out.mutate(
            induction_start=out.course_start_date, regimen=out.regimen.fill_null(d.OTHER_REGIMEN)
        )

    def cohort(self) -> ir.Table:
        entry = self.entry.select(
            cohort_definition_id=ibis.literal(d.LN_ENTRY, "int64"),
            subject_id=self.entry.person_id,
            cohort_start_date=self.entry.index,
            cohort_end_date=self.entry.end,
        )
        ind = self.induction
        treated = ind.select(
            cohort_definition_id=ibis.literal(d.LN_INDUCTION, "int64"),
            subject_id=ind.person_id,
            cohort_start_date=ind.induction_start,
            cohort_end_date=ind.end,
        )
        return entry.union(treated)

    # ---- landmarks and the facts on a day ---------------------------------------------------------

    def landmarks(self, months: Sequence[int]) -> ir.Table:
        """(person, landmark) rows observed in the data and still on the first induction (else censored)."""
        rows = []
        ind = self.induction
        for m in months:
            delta = d.months_to_days(m)
            rows.append(ind.select(
                "person_id", "regimen", "course_start", "obs_end", "escalation", "next_start",
                landmark_months=ibis.literal(m, "int64"),
                landmark_date=ind.induction_start + ibis.interval(days=delta),
                day=ind.course_start + delta,
            ))
        lm = ibis.union(*rows)
        lm = lm.filter(lm.landmark_date <= lm.obs_end)
        if self.as_of is not None:
            lm = lm.filter(lm.landmark_date <= self.as_of)
        return self._uncensored(lm.mutate(key=lm.landmark_months))

    def _uncensored(self, anchors: ir.Table) -> ir.Table:
        """Anchors on which the engine's current induction is still this one (definitions: censoring)."""
        m = self.members
        on = anchors.join(m.select("person_id", m_start=m.start, m_covered=m.covered), "person_id")
        on = on.filter(on.m_start <= on.day)
        reach = on.group_by("person_id", "key").aggregate(reach=on.m_covered.max())
        a = anchors.join(reach, ["person_id", "key"]).select(~ibis.selectors.endswith("_right"))
        return a.filter(
            a.reach >= a.day,
            a.escalation.isnull() | (a.escalation > a.day),
            a.next_start.isnull() | (a.next_start > a.day),
        )

    def facts(self, anchors: ir.Table, *, history: bool = True) -> ir.Table:
        """The wide facts table on each anchor (person_id, key, day, course_start): compile.py's columns.

        ``history=False`` leaves out the previous and pre-flare values (only flare definitions read them)
        and so joins each anchor with the points of its two windows alone (the recent and the baseline
        window), not with the person's whole history: time to response has an anchor per proteinuria
        date, and the whole-history join was most of a million-patient run.
        """
        raw = self.points.select("person_id", "test", "day", "value")
        egfr = self.egfr_points.select("person_id", "test", "day", "value")
        # only the measures a definition reads: the join below grows with every point of a person
        pts = raw.filter(raw.test.isin([m for m in FACT_MEASURES if m != "egfr"])).union(egfr)
        a = anchors.select("person_id", "key", a_day=anchors.day, base=anchors.course_start)
        if history:
            j = a.join(pts, [a.person_id == pts.person_id, pts.day <= a.a_day])
        else:
            oldest = ibis.least(a.a_day - d.RECENT_DAYS, a.base - d.BASELINE_WINDOW_DAYS)
            j = a.join(pts, [a.person_id == pts.person_id, pts.day <= a.a_day, pts.day >= oldest])
        j = j.select(a.person_id, a.key, a.a_day, a.base, pts.test, pts.day, pts.value)
        recent = j.day >= j.a_day - d.RECENT_DAYS
        in_base = (j.day <= j.base) & (j.day >= j.base - d.BASELINE_WINDOW_DAYS)
        per_test = j.group_by("person_id", "key", "test").aggregate(
            cur_day=j.day.max(where=recent),
            cur=j.value.argmax(j.day, where=recent),
            base_value=j.value.argmax(j.day, where=in_base),
            base=j.base.max(),
        )
        if history:
            # Previous value and the pre-flare lowest are read relative to the current value's date.
            k = j.join(per_test.select("person_id", "key", "test", "cur_day"), ["person_id", "key", "test"])
            k = k.filter(k.day < k.cur_day)
            earlier = k.group_by("person_id", "key", "test").aggregate(
                previous=k.value.argmax(k.day),
                pre_flare=k.value.min(where=k.day >= k.cur_day - engine_response.PRE_FLARE_DAYS),
            )
            t = _left(per_test, earlier, ["person_id", "key", "test"])
        else:
            t = per_test.mutate(previous=ibis.null("float64"), pre_flare=ibis.null("float64"))
        # A value measured at or before the baseline day is not an on-treatment value (Judge._build_facts).
        on_treatment = t.cur_day > t.base
        t = t.mutate(
            current=ibis.ifelse(on_treatment, t.cur, ibis.null("float64")),
            previous=ibis.ifelse(on_treatment, t.previous, ibis.null("float64")),
        )
        wide = t.group_by("person_id", "key").aggregate(
            **{
                name: expr
                for m in FACT_MEASURES
                for name, expr in (
                    (column(m), t.current.max(where=t.test == m)),
                    (column(m, "baseline"), t.base_value.max(where=t.test == m)),
                    (column(m, "previous"), t.previous.max(where=t.test == m)),
                    (column(m, "pre_flare"), t.pre_flare.max(where=t.test == m)),
                )
            }
        )
        wide = _left(anchors, wide, ["person_id", "key"])
        # Whether a measure was ever taken by the anchor (the engine's "never measured"), from each
        # person's first day per test; eGFR counts as measured once a creatinine or an eGFR is on record.
        first = pts.group_by("person_id", "test").aggregate(first=pts.day.min())
        first = first.union(
            raw.filter(raw.test.isin(("creatinine", "egfr")))
            .group_by("person_id")
            .aggregate(test=ibis.literal("egfr_measured"), first=raw.day.min())
            .select("person_id", "test", "first")
        )
        seen = a.join(first, "person_id")
        seen = seen.filter(seen.first <= seen.a_day)
        seen = seen.group_by("person_id", "key").aggregate(
            **{f"{m}__seen": (seen.test == m).any() for m in (*LAB_MEASURES, "egfr_measured")}
        )
        wide = _left(wide, seen, ["person_id", "key"])
        never = {m + NEVER: ~(wide[f"{m}__seen"].fill_null(False)) for m in LAB_MEASURES} | {
            "egfr" + NEVER: ~(wide.egfr_measured__seen.fill_null(False))
        }
        wide = wide.mutate(**never)
        proteinuria = ibis.greatest(*(wide[column(m, "baseline")].fill_null(-1.0) for m in PROTEINURIA))
        near_normal = engine_response.NORMAL_GFR * engine_response.NEAR_NORMAL_FRACTION
        return wide.mutate(**{
            FINDING + "gfr_near_normal": wide.egfr >= near_normal,
            FINDING + "nephrotic_baseline": ibis.ifelse(
                proteinuria < 0, ibis.null("boolean"), proteinuria >= NEPHROTIC_G_PER_DAY
            ),
            FINDING + "active_urinary_sediment": wide.urine_rbc > engine_response.ACTIVE_SEDIMENT_RBC_PER_HPF,
        })

    # ---- renal response ---------------------------------------------------------------------------

    def status(self, facts: ir.Table, profile: str) -> ir.StringValue:
        """The engine's renal_response status on each facts row (lncare.engine.response.renal_response)."""
        chosen = engine_profile(profile, self.kb)
        compiler = Compiler(facts, self.kb)
        outcome = {o: next((x for x in chosen.definitions_for("renal_response") if x.outcome == o), None)
                   for o in ("complete", "partial", "none")}
        complete = compiler.criterion(outcome["complete"].criteria).holds if outcome["complete"] else None
        partial = compiler.criterion(outcome["partial"].criteria).holds if outcome["partial"] else None
        base = _any([facts[column(m, "baseline")].notnull() for m in PROTEINURIA])
        current = facts.upcr.notnull() | facts.protein_24h.notnull()
        none_def = outcome["none"]
        earliest = (none_def.window.earliest if none_def and none_def.window and none_def.window.earliest
                    else d.INITIAL_PHASE)
        too_early = (facts.day - facts.course_start) < _first_day_at_weeks(earliest.weeks)
        na = ibis.literal("not_assessable")
        if complete is None and partial is None:
            return na
        cases: list[tuple[ir.BooleanValue, ir.StringValue | str]] = [(~base, na), (~current, na)]
        if complete is not None:
            cases.append((complete.fill_null(False), "complete"))
        if partial is not None:
            decided = complete.notnull() if complete is not None else ibis.literal(True)
            cases.append((partial.fill_null(False) & decided, "partial"))
        if complete is None or partial is None:
            return ibis.cases(*cases, else_=na)
        cases += [(complete.isnull() | partial.isnull(), na), (too_early, na)]
        return ibis.cases(*cases, else_=ibis.literal("none"))

    def response(self, facts: ir.Table, profile: str) -> ir.Table:
        """The renal response status on each facts row (from :meth:`facts` of the landmarks)."""
        return facts.mutate(status=self.status(facts, profile))

    # ---- flare ------------------------------------------------------------------------------------

    def flare(self, facts: ir.Table, profile: str) -> ir.Table:
        """A renal flare judged on each landmark's facts, as lncare.engine.response.flare (kind, else
        grade)."""
        chosen = engine_profile(profile, self.kb)
        defs = chosen.definitions_for("flare")
        empty = ibis.memtable({"person_id": [], "flare_date": [], "kind": []},
                              schema={"person_id": "int64", "flare_date": "date", "kind": "string"})
        if not defs:
            return empty
        # The engine judges flares against the pre-flare values, with every gap keeping a question open.
        pre_flare = {column(m, at): facts[column(m, "pre_flare")]
                     for m in PRE_FLARE_MEASURES for at in ("baseline", "previous")}
        unknown = {column(m, at): ibis.null("float64") for m in FACT_MEASURES if m not in PRE_FLARE_MEASURES
                   for at in ("baseline", "previous", "pre_flare")}
        facts = facts.mutate(**pre_flare, **unknown)
        compiler = Compiler(facts, self.kb, track_unmeasured=False)
        met = {x.outcome: compiler.criterion(x.criteria).holds.fill_null(False) for x in defs}
        order = [o for o in ("nephritic", "proteinuric", "severe", "moderate", "mild") if o in met]
        kind = ibis.cases(*[(met[o], o) for o in order], else_=ibis.null("string"))
        out = facts.select("person_id", flare_date=facts.landmark_date, kind=kind)
        return out.filter(out.kind.notnull())

    # ---- quality measures -------------------------------------------------------------------------

    def measures(self) -> ir.Table:
        """Each quality measure of definitions.MEASURES on the 6-month landmark of every uncensored member."""
        facts = self.keep(self.facts(self.landmarks((d.MEASURE_MONTHS,))))
        facts = facts.mutate(acr_status=self.status(facts, d.MONITORING_PROFILE))
        e = self.exposures
        on = facts.select("person_id", "key", a_day=facts.day).join(e, "person_id")
        on = on.filter(on.start <= on.a_day)
        active = on.end.isnull() | (on.end >= on.a_day)  # Medication.active_on: start and end both count
        oral_gc = on.glucocorticoid & (on.route != "iv")
        drugs = on.group_by("person_id", "key").aggregate(
            hcq=(active & (on.therapy_id == "hydroxychloroquine")).any(),
            raas=(active & on.therapy_id.isin(("ace-inhibitor", "arb"))).any(),
            gc_mg=(on.mg_per_day * on.equivalence).sum(where=active & oral_gc),
            # A glucocorticoid dose lncare cannot turn into prednisone mg leaves the exposure unknown.
            gc_unknown=(on.glucocorticoid & (on.mg_per_day.isnull()
                                            | (oral_gc & on.equivalence.isnull()))).any(),
        )
        upcr = self.points.filter(self.points.test == "upcr")
        u = facts.select("person_id", "key", a_day=facts.day).join(upcr, "person_id")
        u = u.filter(u.day <= u.a_day)
        last = u.group_by("person_id", "key").aggregate(upcr_day=u.day.max(), upcr_last=u.value.argmax(u.day))
        t = _left(facts, drugs, ["person_id", "key"])
        t = _left(t, last, ["person_id", "key"])
        gc = t.gc_mg.fill_null(0.0).round(2)
        target = _gc_target(self.kb)
        interval = ibis.ifelse(
            t.acr_status == "complete",
            d.monitoring_interval_days(IN_CRR_EVERY_WEEKS),
            d.monitoring_interval_days(UNTIL_CRR_EVERY_WEEKS),
        )
        rows = {
            "hcq_not_in_use": (ibis.literal(True), ~t.hcq.fill_null(False)),
            "gc_above_target_6_months": (
                ~t.gc_unknown.fill_null(False), ~compare(gc, target.comparator, target.value)
            ),
            "proteinuric_without_raas": (
                t.upcr_last.notnull() & (t.upcr_last >= PROTEINURIA_G_PER_G), ~t.raas.fill_null(False)
            ),
            "upcr_monitoring_overdue": (
                ibis.literal(True), t.upcr_day.isnull() | ((t.day - t.upcr_day).cast("float64") > interval)
            ),
        }
        parts = [
            t.select("person_id", measure=ibis.literal(name), denominator=den,
                     numerator=den & num.fill_null(False))
            for name, (den, num) in rows.items()
        ]
        return ibis.union(*parts)

    # ---- time to complete response ----------------------------------------------------------------

    def time_to_response(self, profile: str) -> ir.Table:
        """Days from the induction start to the first complete response (engine status on a proteinuria
        date), or to the end of follow-up on this induction (event false)."""
        ind = self.induction
        pts = self.points.filter(self.points.test.isin(("upcr", "protein_24h")))
        a = ind.select("person_id", "regimen", "course_start", "obs_end", "escalation", "next_start").join(
            pts.select("person_id", day=pts.day), "person_id"
        )
        limit = a.obs_end.epoch_days().cast("int64")
        if self.as_of is not None:
            limit = ibis.least(limit, ibis.literal(self.as_of).epoch_days().cast("int64"))
        a = a.filter(a.day > a.course_start, a.day <= limit).distinct()
        a = self._uncensored(a.mutate(key=a.day))
        facts = self.facts(a, history=False)
        facts = facts.mutate(status=self.status(facts, profile))
        complete = facts.filter(facts.status == "complete")
        first = complete.group_by("person_id").aggregate(event_day=complete.day.min())
        t = _left(ind, first, "person_id")
        end = t.obs_end.epoch_days().cast("int64")
        if self.as_of is not None:
            end = ibis.least(end, ibis.literal(self.as_of).epoch_days().cast("int64"))
        stop = ibis.least(end, t.course_covered, t.escalation.fill_null(_NEVER_DAY) - 1,
                          t.next_start.fill_null(_NEVER_DAY) - 1)
        out = t.select(
            "person_id", "regimen",
            days=ibis.ifelse(t.event_day.notnull(), t.event_day, stop) - t.course_start,
            event=t.event_day.notnull(),
        )
        return out.filter(out.days >= 0)


# ---- helpers ---------------------------------------------------------------------------------------------


def _lookup(key: ir.Value, table: Mapping[Any, object], kind: str) -> ir.Value:
    """``table[key]`` as a CASE expression over the table's few entries (NULL for any other key)."""
    return ibis.cases(*[(key == k, ibis.literal(v, kind)) for k, v in table.items()], else_=ibis.null(kind))


def _age(t: ir.Table, on: ir.DateValue) -> ir.IntegerValue:
    """Completed years on ``on`` (lncare.model.dates.completed_years)."""
    month, day = on.month().cast("int64"), on.day().cast("int64")
    before_birthday = (month < t.birth_month) | ((month == t.birth_month) & (day < t.birth_day))
    return on.year().cast("int64") - t.birth_year - before_birthday.cast("int64")


def _first_day_at_weeks(weeks: float) -> int:
    """The first day count whose weeks, rounded to one decimal as the engine rounds them, reach ``weeks``."""
    days = 0
    while round(days / 7, 1) < weeks:
        days += 1
    return days


def _therapy_table(kb: KnowledgeBase) -> ir.Table:
    """Drug concept -> the knowledge-base therapy the record's drug name resolves to, with its roles."""
    rows: dict[str, list[object]] = {k: [] for k in (
        "concept_id", "therapy_id", "kidney_directed", "escalating", "induction_role", "glucocorticoid",
        "class_base", "equivalence")}
    for concept_id, name in concepts.DRUG_NAMES.items():
        therapy = kb.therapy_names.get(name_key(name))
        if therapy is None:
            continue
        roles = set(therapy.roles)
        eq = therapy.glucocorticoid_equivalence
        usable = eq is not None and eq.certainty in ("V", "S")
        values = (concept_id, therapy.id, bool(KIDNEY_DIRECTED_ROLES & roles), bool(ESCALATING_ROLES & roles),
                  "induction" in roles, "glucocorticoid" in roles, therapy.drug_class.split(" (")[0],
                  eq.prednisone_mg_per_mg if usable and eq else None)
        for key, value in zip(rows, values, strict=True):
            rows[key].append(value)
    schema = {"concept_id": "int64", "therapy_id": "string", "kidney_directed": "boolean",
              "escalating": "boolean", "induction_role": "boolean", "glucocorticoid": "boolean",
              "class_base": "string", "equivalence": "float64"}
    return ibis.memtable(rows, schema=schema)


def _first_escalation(members: ir.Table) -> ir.Table:
    """The first re-escalation in the induction course after the initial phase (engine: _escalates)."""
    e = members
    o = members.view()
    pairs = e.join(o, [e.person_id == o.person_id, o.start <= e.start, o.id != e.id])
    pairs = pairs.select(
        person_id=e.person_id, id=e.id, o_start=o.start, same=o.therapy_id == e.therapy_id,
        o_daily=o.daily, o_unit=o.unit,
        same_class=o.induction_role & e.induction_role & (o.class_base == e.class_base)
        & (o.covered >= e.start - 14),
    )
    prev = pairs.filter(pairs.same).group_by("person_id", "id").aggregate(
        prev_daily=pairs.o_daily.argmax(pairs.o_start), prev_unit=pairs.o_unit.argmax(pairs.o_start)
    )
    same_class = pairs.filter(pairs.same_class)
    replaced = same_class.group_by("person_id", "id").aggregate(replaced=ibis.literal(True))
    c = e.filter(e.start - e.course_start >= _escalation_after_days())
    c = _left(c, prev, ["person_id", "id"])
    c = _left(c, replaced, ["person_id", "id"])
    escalates = (
        c.pulse
        | (c.prev_daily.notnull() & (c.unit == c.prev_unit) & (c.daily > c.prev_daily))
        | (c.prev_daily.isnull() & c.escalating & c.replaced.isnull())
    )
    c = c.filter(escalates)
    return c.group_by("person_id").aggregate(escalation=c.start.min())


def _escalation_after_days() -> int:
    """Days from the induction start at which a re-escalation counts: the engine skips exposures less than
    INITIAL_PHASE weeks after it (a timedelta comparison, so whole days at or above 26.09 weeks)."""
    limit = datetime.timedelta(weeks=d.INITIAL_PHASE.weeks)
    days = 0
    while datetime.timedelta(days=days) < limit:
        days += 1
    return days


def _regimens(members: ir.Table, kb: KnowledgeBase) -> ir.Table:
    """The regimen named by the therapies started in the first REGIMEN_WINDOW_DAYS of the course."""
    early = members.filter(members.start <= members.course_start + d.REGIMEN_WINDOW_DAYS)
    therapies = sorted({t for r in d.REGIMENS for t in r.therapies})
    has = early.group_by("person_id").aggregate(**{
        f"has_{i}": (early.therapy_id == t).any() for i, t in enumerate(therapies)
    })
    flags = {t: has[f"has_{i}"] for i, t in enumerate(therapies)}
    regimen = ibis.cases(
        *[(_all([flags[t] for t in r.therapies]), r.name) for r in d.REGIMENS], else_=d.OTHER_REGIMEN
    )
    return has.select("person_id", regimen=regimen)


def _all(items: list[ir.BooleanValue]) -> ir.BooleanValue:
    return functools.reduce(lambda a, b: a & b, items)


def _any(items: list[ir.BooleanValue]) -> ir.BooleanValue:
    return functools.reduce(lambda a, b: a | b, items)


def _left(left: ir.Table, right: ir.Table, keys: list[str] | str) -> ir.Table:
    """A left join on shared key columns, keeping one copy of the keys."""
    return left.left_join(right, keys).select(~ibis.selectors.endswith("_right"))


def _gc_target(kb: KnowledgeBase) -> ValueCriterion:
    """The prednisone target the GC measure reads (acr2024-text-gc-target: <= 5 mg/day by 6 months)."""
    statement = kb.statements["acr2024-text-gc-target"]
    criterion = statement.condition("prednisone_target_6_months").criterion
    assert isinstance(criterion, ValueCriterion) and not isinstance(criterion.value, tuple)
    return criterion


