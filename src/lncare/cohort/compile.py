"""Knowledge-base criteria trees compiled to Ibis boolean expressions over a wide facts table.

The per-patient engine walks a definition's tree in :mod:`lncare.engine.criteria`; this module turns the
same tree (the same :class:`~lncare.knowledge.schema.definition.Definition` objects, so every threshold
is read from the knowledge base and none is retyped) into one Ibis expression per definition, evaluated
for every row of a table that holds one patient on one day.

Three-valued logic carries over unchanged: SQL's NULL is the engine's ``None`` (indeterminate), and SQL
``AND``/``OR`` are Kleene's, as ``all_of``/``any_of`` are in the engine. One engine rule needs more than
NULL: an ``any_of`` alternative that is open only because its measure was *never* measured (a 24-h urine
collection next to the UPCR) does not keep the ``any_of`` open. Each compiled node therefore carries a
second, never-null flag, ``unmeasured``: "open, and only because of never-measured measures".

Columns of the facts table (absent columns read as NULL, i.e. not known):
- ``{measure}``: the current value in the canonical unit;
- ``{measure}__{reference}``: the value at ``baseline``, ``previous`` or ``pre_flare``;
- ``{measure}__never``: true when the record holds no value of the measure up to the day judged;
- ``finding__{name}``: a finding (true, false or NULL).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce

import ibis
import ibis.expr.types as ir

from lncare.calc.egfr import (
    CKD_EPI_2021_CR_ABOVE_KAPPA,
    CKD_EPI_2021_CR_AGE_BASE,
    CKD_EPI_2021_CR_CONSTANT,
    CKD_EPI_2021_CR_FEMALE,
    CKD_EPI_2021_CR_KAPPA_ALPHA,
)
from lncare.engine.criteria import CHANGE_DECIMALS
from lncare.errors import InputError
from lncare.knowledge import KnowledgeBase
from lncare.knowledge.schema.definition import (
    AllOf,
    AnyOf,
    Bound,
    ChangeCriterion,
    Criterion,
    DefinitionCriterion,
    FindingCriterion,
    ValueCriterion,
)
from lncare.model.units import LAB_TESTS, canonical_unit_spelling

NEVER = "__never"
FINDING = "finding__"
# Definitions a rule may rest on (lncare.engine.profile: certainty V or S); another one reads as unknown.
USABLE_CERTAINTY = ("V", "S")


def column(measure: str, at: str = "current") -> str:
    """The facts-table column holding ``measure`` at ``at`` (current, baseline, previous, pre_flare)."""
    return measure if at == "current" else f"{measure}__{at}"


@dataclass(frozen=True)
class Truth:
    """A compiled criterion: ``holds`` (NULL when indeterminate) and ``unmeasured`` (never NULL)."""

    holds: ir.BooleanValue
    unmeasured: ir.BooleanValue


_NULL_BOOL = ibis.null("boolean")
_FALSE = ibis.literal(False)


class Compiler:
    """Compiles criteria against one facts table.

    ``track_unmeasured`` mirrors whether the engine passes the record's measured tests to the criteria
    (it does for responses and milestones, not for flares, where every gap keeps an ``any_of`` open).
    """

    def __init__(self, facts: ir.Table, kb: KnowledgeBase, *, track_unmeasured: bool = True) -> None:
        self.facts = facts
        self.kb = kb
        self.track_unmeasured = track_unmeasured
        self._columns = set(facts.columns)
        self._definitions: dict[str, Truth] = {}

    # ---- columns ---------------------------------------------------------------------------------

    def value(self, measure: str, at: str = "current") -> ir.FloatingValue:
        name = column(measure, at)
        if name in self._columns:
            return self.facts[name].cast("float64")
        return ibis.null("float64")

    def never(self, measure: str) -> ir.BooleanValue:
        if not self.track_unmeasured:
            return _FALSE
        name = measure + NEVER
        if name in self._columns:
            return self.facts[name].fill_null(False)
        return ibis.literal(True)  # the source has no such test at all

    def finding(self, name: str) -> ir.BooleanValue:
        col = FINDING + name
        return self.facts[col] if col in self._columns else _NULL_BOOL

    # ---- criteria --------------------------------------------------------------------------------

    def definition(self, ident: str) -> Truth:
        """Whether definition ``ident`` holds (NULL when indeterminate or not usable)."""
        if ident not in self._definitions:
            found = self.kb.definitions.get(ident)
            if found is None or found.certainty not in USABLE_CERTAINTY:
                truth = Truth(_NULL_BOOL, _FALSE)
            else:
                truth = self.criterion(found.criteria)
            self._definitions[ident] = truth
        return self._definitions[ident]

    def criterion(self, node: Criterion) -> Truth:
        if isinstance(node, AllOf):
            return self._all_of(node)
        if isinstance(node, AnyOf):
            return self._any_of(node)
        if isinstance(node, ValueCriterion):
            return self._value(node)
        if isinstance(node, ChangeCriterion):
            return self._change(node)
        if isinstance(node, FindingCriterion):
            return self._finding(node)
        return self._definition(node)

    def _value(self, node: ValueCriterion) -> Truth:
        value = self.value(node.measure, node.at)
        return Truth(compare(value, node.comparator, node.value), value.isnull() & self.never(node.measure))

    def _change(self, node: ChangeCriterion) -> Truth:
        current = self.value(node.measure)
        reference = self.value(node.measure, node.reference)
        # The same arithmetic, in the same order, as lncare.engine.criteria._change.
        delta = current - reference if node.direction == "increase" else reference - current
        if node.unit == "%":
            # A reference of 0 gives no percentage change: indeterminate, as in the engine.
            delta = ibis.ifelse(reference <= 0, ibis.null("float64"), delta / reference * 100)
        delta = delta.round(CHANGE_DECIMALS)  # as the engine does, so a change exactly at a bound meets it
        missing = current.isnull() | reference.isnull()
        return Truth(compare(delta, node.comparator, node.value), missing & self.never(node.measure))

    def _finding(self, node: FindingCriterion) -> Truth:
        if FINDING + node.finding not in self._columns:
            return Truth(_NULL_BOOL, _FALSE)
        return Truth(_is(self.finding(node.finding), node.present), _FALSE)

    def _definition(self, node: DefinitionCriterion) -> Truth:
        found = self.kb.definitions.get(node.definition)
        if found is None or found.certainty not in USABLE_CERTAINTY:
            return Truth(_NULL_BOOL, _FALSE)
        return Truth(_is(self.definition(node.definition).holds, node.met), _FALSE)

    def _all_of(self, node: AllOf) -> Truth:
        items = [self.criterion(item) for item in node.items]
        holds = _and([t.holds for t in items])
        # Open only through never-measured items: every open item is such an item.
        unmeasured = holds.isnull() & _and([t.holds.notnull() | t.unmeasured for t in items])
        return Truth(holds, unmeasured)

    def _any_of(self, node: AnyOf) -> Truth:
        items = [self.criterion(item) for item in node.items]
        # An alternative open only because it was never measured drops out, unless every one is such.
        decided = _or([~t.unmeasured for t in items])
        kept = [ibis.ifelse(t.unmeasured & decided, _FALSE, t.holds) for t in items]
        return Truth(_or(kept), _and([t.unmeasured for t in items]))


def compare(value: ir.FloatingValue, comparator: str, bound: Bound) -> ir.BooleanValue:
    """``value comparator bound``; NULL when a range bound's two ends disagree (engine: compare)."""
    if isinstance(bound, tuple):
        low, high = (_compare(value, comparator, end) for end in bound)
        return ibis.ifelse(low == high, low, _NULL_BOOL)
    return _compare(value, comparator, bound)


def _compare(value: ir.FloatingValue, comparator: str, bound: float) -> ir.BooleanValue:
    literal = ibis.literal(float(bound), type="float64")
    if comparator == "<":
        return value < literal
    if comparator == "<=":
        return value <= literal
    if comparator == ">":
        return value > literal
    if comparator == ">=":
        return value >= literal
    return value == literal


def _is(truth: ir.BooleanValue, wanted: bool) -> ir.BooleanValue:
    # NOT keeps NULL as NULL; Ibis rewrites a comparison with a NULL literal into IS NULL, so no "==" here.
    return truth if wanted else ~truth


def _and(items: Sequence[ir.BooleanValue]) -> ir.BooleanValue:
    return reduce(lambda a, b: a & b, items)


def _or(items: Sequence[ir.BooleanValue]) -> ir.BooleanValue:
    return reduce(lambda a, b: a | b, items)


# ---- the values criteria read: canonical units and eGFR ------------------------------------------------


def unit_factors(measurement_sets: dict[str, tuple[int, ...]], units: dict[int, str]) -> ir.Table:
    """(measurement_concept_id, unit_concept_id) -> lab test, factor to its canonical unit, plausible range.

    The factors are lncare.model.units' own (``LabTest.factors``), looked up through the same spelling
    rules the patient record uses, so a value converts to exactly the float the engine holds. Pairs whose
    unit does not suit the test are left out: such a row is no value of the test, as at the record border.
    """
    rows: dict[str, list[object]] = {k: [] for k in ("concept_id", "unit_concept_id", "test", "factor",
                                                      "low", "high")}
    for test_name, concept_ids in measurement_sets.items():
        test = LAB_TESTS[test_name]
        for unit_id, ucum in units.items():
            try:
                factor = test.factors[canonical_unit_spelling(test, ucum)]
            except InputError:
                continue
            for concept_id in concept_ids:
                for key, value in zip(rows, (concept_id, unit_id, test_name, factor, test.low, test.high),
                                      strict=True):
                    rows[key].append(value)
    schema = {"concept_id": "int64", "unit_concept_id": "int64", "test": "string", "factor": "float64",
              "low": "float64", "high": "float64"}
    return ibis.memtable(rows, schema=schema)


def ckd_epi_2021_cr(age: ir.NumericValue, female: ir.BooleanValue, scr: ir.FloatingValue) -> ir.FloatingValue:
    """eGFR (mL/min/1.73 m2) from age in completed years, sex and creatinine in mg/dL; NULL when a part is.

    CKD-EPI 2021 with the calculator's own constants (lncare.calc.egfr). The operations run in the
    engine's order (left to right, the sex factor last), so the floating-point result is the same.
    """
    kappa = ibis.ifelse(female, CKD_EPI_2021_CR_KAPPA_ALPHA[True][0], CKD_EPI_2021_CR_KAPPA_ALPHA[False][0])
    alpha = ibis.ifelse(female, CKD_EPI_2021_CR_KAPPA_ALPHA[True][1], CKD_EPI_2021_CR_KAPPA_ALPHA[False][1])
    ratio = scr / kappa
    low = ibis.least(ratio, 1.0)
    high = ibis.greatest(ratio, 1.0)
    value = (
        CKD_EPI_2021_CR_CONSTANT * low.pow(alpha) * high.pow(CKD_EPI_2021_CR_ABOVE_KAPPA)
        * ibis.literal(CKD_EPI_2021_CR_AGE_BASE).pow(age.cast("float64"))
    )
    value = ibis.ifelse(female, value * CKD_EPI_2021_CR_FEMALE, value)
    # SQL LEAST/GREATEST skip NULLs (DuckDB, Spark, PostgreSQL): without a creatinine there is no estimate.
    return ibis.ifelse(scr.isnull() | age.isnull(), ibis.null("float64"), value)
