"""Properties every plan must have, over generated valid patient records (issue 4, acceptance).

The records are random but valid (contract 1): any ISN/RPS class, labs from the low to the high end of
what patients present with, medications a person with LN takes, every pregnancy state, conditions,
allergies, and weight or height missing. Whatever the engine proposes, it must never raise, never give
a drug it lists as excluded or that the patient must not have, and never state a dose it could not
compute.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lncare.engine import recommend
from lncare.engine.profile import PROFILES, profile
from lncare.knowledge import load
from lncare.knowledge.load import name_key
from lncare.model.plan import GIVING_ACTIONS, Assessment, Dose, Plan, Recommendation, RenalResponse
from lncare.model.vocabulary import CONDITIONS

AS_OF = date(2026, 11, 27)
KB = load()

# Teratogens a pregnant patient must not take: ACR 2020 reproductive health guideline (Sammaritano et
# al., Arthritis Rheumatol 2020;72:529-56) lists cyclophosphamide, leflunomide and mycophenolate (MMF and
# mycophenolic acid) as incompatible with pregnancy; EULAR 2016 points to consider on antirheumatic
# drugs in pregnancy (Götestam Skorpen et al., Ann Rheum Dis 2016;75:795-810) agree.
TERATOGENS = frozenset({"cyclophosphamide", "leflunomide", "mycophenolate mofetil", "mycophenolic acid"})

# eGFR limit actions that bar starting a drug (knowledge-base vocabulary, schema/therapy.py EgfrLimit).
BARRING = frozenset({"contraindicated", "do_not_start", "not_recommended", "avoid"})

# Lab values span what patients present with, inside lncare's plausibility bars (model/units.py):
# (test, unit, low, high).
LABS: tuple[tuple[str, str, float, float], ...] = (
    ("upcr", "g/g", 0.02, 14.0),
    ("creatinine", "mg/dL", 0.3, 12.0),
    ("egfr", "mL/min/{1.73_m2}", 4.0, 140.0),
    ("albumin", "g/dL", 1.0, 5.2),
    ("c3", "mg/dL", 15.0, 200.0),
    ("c4", "mg/dL", 1.0, 60.0),
    ("anti_dsdna", "[IU]/mL", 0.0, 2000.0),
    ("hemoglobin", "g/dL", 5.0, 17.0),
    ("wbc", "10*9/L", 0.5, 25.0),
    ("lymphocytes", "10*9/L", 0.1, 5.0),
    ("neutrophils", "10*9/L", 0.2, 20.0),
    ("platelets", "10*9/L", 8.0, 700.0),
    ("urine_rbc", "/[HPF]", 0.0, 200.0),
    ("systolic_bp", "mm[Hg]", 80.0, 230.0),
    ("diastolic_bp", "mm[Hg]", 40.0, 140.0),
    ("potassium", "mmol/L", 2.5, 7.5),
    ("igg", "g/L", 1.0, 30.0),
    ("tacrolimus_trough", "ng/mL", 1.0, 25.0),
)

# (drug, dose, unit, frequency, route): prescriptions as the example patients and labels write them.
MEDICATIONS: tuple[tuple[str, float, str, str, str], ...] = (
    ("hydroxychloroquine", 200.0, "mg", "daily", "oral"),
    ("hydroxychloroquine", 400.0, "mg", "daily", "oral"),
    ("mycophenolate mofetil", 1000.0, "mg", "bid", "oral"),
    ("mycophenolate mofetil", 600.0, "mg/m2", "bid", "oral"),
    ("mycophenolic acid", 720.0, "mg", "bid", "oral"),
    ("cyclophosphamide", 500.0, "mg", "q2w", "iv"),
    ("azathioprine", 100.0, "mg", "daily", "oral"),
    ("tacrolimus", 2.0, "mg", "bid", "oral"),
    ("voclosporin", 23.7, "mg", "bid", "oral"),
    ("belimumab", 10.0, "mg/kg", "q4w", "iv"),
    ("rituximab", 1000.0, "mg", "once", "iv"),
    ("prednisone", 5.0, "mg", "daily", "oral"),
    ("prednisone", 40.0, "mg", "daily", "oral"),
    ("methylprednisolone", 500.0, "mg", "daily", "iv"),
    ("ramipril", 5.0, "mg", "daily", "oral"),
    ("losartan", 50.0, "mg", "daily", "oral"),
    ("dapagliflozin", 10.0, "mg", "daily", "oral"),
    ("leflunomide", 20.0, "mg", "daily", "oral"),
    ("aspirin", 100.0, "mg", "daily", "oral"),
)
ALLERGY_NAMES = ("hydroxychloroquine", "mycophenolate mofetil", "cyclophosphamide", "belimumab",
                 "rituximab", "tacrolimus", "azathioprine", "ramipril", "trimethoprim-sulfamethoxazole")
CLASS_SETS = (["I"], ["II"], ["III"], ["IV"], ["V"], ["VI"], ["III", "V"], ["IV", "V"])


def _day(days_before: int) -> str:
    return (AS_OF - timedelta(days=days_before)).isoformat()


@st.composite
def labs(draw: st.DrawFn) -> list[dict[str, Any]]:
    out = []
    for test, unit, low, high in draw(st.lists(st.sampled_from(LABS), max_size=len(LABS), unique=True)):
        for days_before in draw(st.lists(st.integers(0, 600), min_size=1, max_size=3, unique=True)):
            value = draw(st.floats(low, high, allow_nan=False))
            out.append({"test": test, "value": round(value, 3), "unit": unit, "date": _day(days_before)})
    return out


@st.composite
def medications(draw: st.DrawFn) -> list[dict[str, Any]]:
    out = []
    for drug, dose, unit, frequency, route in draw(st.lists(st.sampled_from(MEDICATIONS), max_size=6)):
        start = draw(st.integers(0, 900))
        ended = draw(st.one_of(st.none(), st.integers(0, start)))
        out.append({"drug": drug, "dose": dose, "unit": unit, "frequency": frequency, "route": route,
                    "start": _day(start), "end": None if ended is None else _day(ended)})
    return out


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    sex = draw(st.sampled_from(["female", "male"]))
    pregnancy = draw(st.sampled_from(
        ["none", "pregnant", "planning", "lactating", "unknown"] if sex == "female"
        else ["none", "planning", "unknown"]
    ))
    record: dict[str, Any] = {
        "id": "generated", "sex": sex, "age": draw(st.integers(4, 90)), "pregnancy": pregnancy,
        "labs": draw(labs()), "medications": draw(medications()),
        "conditions": draw(st.lists(st.sampled_from(sorted(CONDITIONS)), max_size=4, unique=True)),
        "allergies": draw(st.lists(st.sampled_from(ALLERGY_NAMES), max_size=2, unique=True)),
    }
    weight = draw(st.one_of(st.none(), st.floats(15.0, 180.0)))
    height = draw(st.one_of(st.none(), st.floats(100.0, 200.0)))
    if weight is not None:
        record["weight_kg"] = round(weight, 1)
    if height is not None:
        record["height_cm"] = round(height, 1)
    if draw(st.booleans()):
        classes = draw(st.sampled_from(CLASS_SETS))
        record["biopsy"] = {"date": _day(draw(st.integers(0, 1500))), "classes": classes}
    return record


def therapy_id(drug: str) -> str:
    therapy = KB.therapy_names.get(name_key(drug))
    return therapy.id if therapy else name_key(drug)


def egfr_now(plan: Plan, record: dict[str, Any]) -> float | None:
    """The eGFR the assessment reports, else the latest reported eGFR in the record."""
    if plan.assessment.egfr is not None:
        return plan.assessment.egfr.value
    reported = sorted((lab["date"], lab["value"]) for lab in record["labs"] if lab["test"] == "egfr")
    return reported[-1][1] if reported else None


def _compares(value: float, comparison: str, threshold: float) -> bool:
    return {"<": value < threshold, "<=": value <= threshold, ">": value > threshold,
            ">=": value >= threshold}[comparison]


def taken_ids(record: dict[str, Any]) -> set[str]:
    return {therapy_id(m["drug"]) for m in record["medications"] if m["end"] is None}


def barred_by_egfr(drug: str, egfr: float | None, taken: set[str]) -> str | None:
    """Why starting ``drug`` is barred by a verified eGFR limit of the knowledge base, or None."""
    therapy = KB.therapy_names.get(name_key(drug))
    if therapy is None or egfr is None or therapy.id in taken:
        return None
    for limit in therapy.egfr_limits:
        if (limit.certainty in ("V", "S") and limit.phase in ("start", "any") and limit.action in BARRING
                and limit.fall_from_baseline_percent is None
                and _compares(egfr, limit.comparison, limit.threshold)):
            return limit.text
    return None


def problems(plan: Plan, record: dict[str, Any]) -> list[str]:
    """Every way ``plan`` breaks a safety property for ``record``."""
    found = []
    excluded = {therapy_id(e.drug) for e in plan.excluded}
    allergic = {therapy_id(name) for name in record["allergies"]}
    taken = taken_ids(record)
    egfr = egfr_now(plan, record)
    weight_missing, height_missing = "weight_kg" not in record, "height_cm" not in record
    for line in plan.recommendations:
        if line.drug is None:
            continue
        tid = therapy_id(line.drug)
        giving = line.action in GIVING_ACTIONS
        if giving and tid in excluded:
            found.append(f"{line.id}: {line.action} {line.drug}, which the plan excludes")
        if giving and tid in allergic:
            found.append(f"{line.id}: {line.action} {line.drug} despite a listed allergy")
        if giving and record["pregnancy"] == "pregnant" and line.drug in TERATOGENS:
            found.append(f"{line.id}: {line.action} {line.drug} in pregnancy")
        bar = barred_by_egfr(line.drug, egfr, taken) if line.action in ("start", "consider") else None
        if bar is not None:
            found.append(f"{line.id}: {line.action} {line.drug} at eGFR {egfr:g} ({bar})")
        dose = line.dose
        if dose is None:
            continue
        if weight_missing and (
            line.drug == "hydroxychloroquine" or (line.drug == "belimumab" and dose.route == "iv")
            or re.search(r"/\s*kg|per kg", dose.basis)
        ):
            found.append(f"{line.id}: weight-based dose of {line.drug} without a weight ({dose.basis})")
        if (weight_missing or height_missing) and (
            re.search(r"m2|m²|BSA|body surface", dose.basis, re.IGNORECASE)
            or (line.drug == "cyclophosphamide" and dose.route == "iv" and dose.amount != 500)
        ):
            found.append(f"{line.id}: body-surface dose of {line.drug} without weight and height")
    for line in plan.recommendations:
        if not any(profile(plan.guideline).statement(cite) for cite in line.cites):
            found.append(f"{line.id}: cites no statement usable in {plan.guideline} ({line.cites})")
    return found


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=records(), guideline=st.sampled_from(PROFILES))
def test_generated_patients_get_safe_plans(record: dict[str, Any], guideline: str) -> None:
    plan = recommend(record, AS_OF, guideline)
    assert plan.patient_id == "generated" and plan.guideline == guideline
    assert not problems(plan, record)


@settings(max_examples=20, deadline=None)
@given(record=records())
def test_same_record_and_date_give_the_same_plan(record: dict[str, Any]) -> None:
    assert recommend(record, AS_OF, "kdigo2024") == recommend(record, AS_OF, "kdigo2024")


# --- the checker itself must catch what it is meant to catch ---------------------------------------


def _plan_with(record: dict[str, Any], **line: Any) -> Plan:
    """A one-line plan built here, not by the engine, so the checker is tested on its own."""
    usable = profile("eular2023").statements[0].id
    made = Recommendation(category="induction", strength="recommended", text="test line",
                          cites=(usable,), **{"id": "x", "action": "start", **line})
    assessment = Assessment(phase="untreated", weeks_on_treatment=None, induction_start=None,
                            renal_response=RenalResponse(status="not_assessable", reason="test"))
    return Plan(patient_id=record["id"], as_of=AS_OF, guideline="eular2023", knowledge_version="test",
                assessment=assessment, recommendations=(made,))


BASE = {"id": "generated", "sex": "female", "age": 30, "pregnancy": "pregnant", "labs": [],
        "medications": [], "conditions": [], "allergies": ["belimumab"]}


def test_checker_flags_a_teratogen_in_pregnancy() -> None:
    plan = _plan_with(BASE, drug="mycophenolate mofetil")
    assert any("in pregnancy" in p for p in problems(plan, BASE))


def test_checker_flags_an_allergy() -> None:
    plan = _plan_with(BASE, drug="belimumab", action="consider")
    assert any("allergy" in p for p in problems(plan, BASE))


def test_checker_flags_a_weight_based_dose_without_weight() -> None:
    dose = Dose(amount=200, unit="mg", frequency="daily", route="oral", basis="5 mg/kg/day")
    plan = _plan_with(BASE, drug="hydroxychloroquine", action="continue", dose=dose)
    assert any("without a weight" in p for p in problems(plan, BASE))


def test_checker_flags_a_start_below_a_verified_egfr_bar() -> None:
    # Voclosporin label (Lupkynis USPI 2021): not recommended when baseline eGFR <= 45 unless the
    # benefit outweighs the risk; the knowledge base stores it as a verified start limit.
    record = {**BASE, "pregnancy": "none", "allergies": [],
              "labs": [{"test": "egfr", "value": 30.0, "unit": "mL/min/{1.73_m2}", "date": _day(3)}]}
    plan = _plan_with(record, drug="voclosporin")
    assert any("voclosporin at eGFR 30" in p for p in problems(plan, record))
    assert not problems(_plan_with(record, drug="azathioprine"), record)
