"""Concept ids against the sources they cite: the expected ids are copied from shared/domain/interop.md
section 2, scale.md section 1.1 and PEDSnet's kidney-biopsy codeset, and cross-checked with the
knowledge base's own OMOP codes (written by other hands from OHDSI PhenotypeLibrary)."""

from __future__ import annotations

import pytest

from lncare import knowledge
from lncare.cohort import concepts as c
from lncare.model.units import LAB_TESTS, canonical_unit_spelling

# interop.md 2.1 (and scale.md 1.1 for eGFR 3049187).
LABS = {
    "upcr": 3001582, "creatinine": 3016723, "egfr": 3049187, "albumin": 3024561, "c3": 3000620,
    "c4": 3017766, "urine_rbc": 3035124, "systolic_bp": 3004249, "diastolic_bp": 3012888,
}
# interop.md 2.3 and scale.md 1.1.
INGREDIENTS = {
    "hydroxychloroquine": 1777087, "prednisone": 1551099, "prednisolone": 1550557,
    "methylprednisolone": 1506270, "mycophenolate-mofetil": 19003999, "azathioprine": 19014878,
    "belimumab": 40236987, "cyclophosphamide": 1310317, "tacrolimus": 950637, "cyclosporine": 19010482,
    "obinutuzumab": 44507676, "rituximab": 1314273, "lisinopril": 1308216, "losartan": 1367500,
    "dapagliflozin": 44785829, "empagliflozin": 45774751,
}


@pytest.mark.parametrize(("test", "concept"), LABS.items())
def test_lab_concepts_are_the_documented_ones(test: str, concept: int) -> None:
    assert c.MEASUREMENTS[test] == concept
    assert c.MEASUREMENT_SETS[test][0] == concept


@pytest.mark.parametrize(("drug", "concept"), INGREDIENTS.items())
def test_drug_ingredients_are_the_documented_ones(drug: str, concept: int) -> None:
    assert c.DRUGS[drug] == concept


def test_conditions_biopsy_and_body_are_the_documented_ones() -> None:
    assert c.CONDITIONS["sle"] == 257628  # interop 2.2, SNOMED 55464009
    assert c.CONDITIONS["lupus_nephritis"] == 4285717  # interop 2.2, SNOMED 68815009
    assert 37016279 in c.CONDITION_SETS["lupus_nephritis"]  # scale 1.1 / interop 2.2
    assert {4297164, 4267801, 4178133} <= set(c.CONDITION_SETS["lupus_nephritis"])  # WHO III, IV, V
    assert 255891 in c.CONDITION_SETS["sle"]  # scale 1.1: Synthea's lupus code
    assert c.KIDNEY_BIOPSY.id == 4217034  # PEDSnet px_2023_04_KidneyBiopsy_V1: "Kidney biopsy", 7246002
    assert c.WEIGHT.id == 3025315 and c.HEIGHT.id == 3036277
    assert (c.FEMALE.id, c.MALE.id) == (8532, 8507)


def test_verified_units_are_the_documented_ones() -> None:
    # interop.md 2.4: OMOP UCUM unit concepts seen in OHDSI PhenotypeLibrary.
    assert {8840: "mg/dL", 8749: "umol/L", 8713: "g/dL", 9529: "kg"}.items() <= c.UNITS.items()


def test_every_unit_is_one_lncare_accepts_for_a_test_that_uses_it() -> None:
    body_units = {"kg", "cm"}
    for unit in c.UNITS.values():
        accepted = unit in body_units or any(unit in t.factors for t in LAB_TESTS.values())
        assert accepted, unit
    for test in c.MEASUREMENTS:
        assert canonical_unit_spelling(LAB_TESTS[test], LAB_TESTS[test].canonical)


def test_ids_match_the_knowledge_base_where_it_has_omop_codes() -> None:
    kb = knowledge.load()
    checked = 0
    for therapy in kb.therapies.values():
        members = [(m.name, m.codes) for m in (therapy.members or ())]
        for name, codes in [(therapy.id, therapy.codes), *members]:
            for code in codes or ():
                if code.system == "omop" and name in c.DRUGS:
                    assert c.DRUGS[name] == int(code.code), name
                    checked += 1
    assert checked >= 15


def test_local_and_unverified_ids_are_marked() -> None:
    everything = c.all_concepts()
    local = {concept.id for concept in everything if concept.local}
    # No standard concept was found for these (interop 2.1, 2.3); they must be local, never invented.
    assert {c.MEASUREMENTS["anti_dsdna"], c.DRUGS["voclosporin"], c.BIOPSY_CLASS.id} <= local
    for concept in everything:
        assert concept.source, concept
        if concept.local:
            assert concept.source.startswith("local"), concept
        if "recalled" in concept.source or "public-map" in concept.source:
            assert not concept.verified, concept
    ids = [concept.id for concept in everything]
    assert len(ids) == len(set(ids)), "one id, one meaning"


def test_drug_names_are_knowledge_base_therapies() -> None:
    kb = knowledge.load()
    for name in c.DRUG_NAMES.values():
        assert name in kb.therapy_names, name
