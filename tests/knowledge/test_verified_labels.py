"""Therapy safety facts checked against product labels (knowledge base 2026.11.3).

Expected values are typed here from the label text, not read back from the data files:
Prograf US highlights (1.4 limitation of use) and UK SmPC (4.5); Lupkynis EU SmPC 4.3; CellCept US PI
(neutropenia and severe renal impairment paragraphs); Myfortic UK SmPC section 2; cyclophosphamide for
injection US highlights (dosage forms); Benlysta and Gazyva how-supplied statements. Each checked fact
must be certainty V and cite a label, so the engine may act on it.
"""

from __future__ import annotations

import pytest

from lncare import knowledge
from lncare.knowledge.schema.therapy import Fact, Formulation, Interaction, Therapy


def therapy(therapy_id: str) -> Therapy:
    return knowledge.load().therapies[therapy_id]


def interaction(therapy_id: str, partner: str) -> Interaction:
    found = [i for i in therapy(therapy_id).interactions if i.partner == partner]
    assert len(found) == 1, f"{therapy_id}: expected one interaction with {partner}"
    return found[0]


def strengths(therapy_id: str, form: str) -> dict[float, Formulation]:
    return {f.strength_mg: f for f in therapy(therapy_id).formulations
            if f.form == form and f.strength_mg is not None}


def assert_verified(fact: Fact, *sources: str) -> None:
    assert fact.certainty == "V"
    for source in sources:
        assert source in fact.sources


@pytest.mark.parametrize(("drug", "partner"), [
    ("tacrolimus", "cyclosporine"), ("cyclosporine", "tacrolimus"),
])
def test_tacrolimus_and_cyclosporine_are_not_given_together(drug: str, partner: str) -> None:
    # Prograf 1.4: "do not use simultaneously with cyclosporine" - a limitation, so major/avoid.
    item = interaction(drug, partner)
    assert (item.severity, item.action) == ("major", "avoid")
    assert_verified(item, "label:prograf-us", "label:prograf-uk")


def test_voclosporin_strong_cyp3a4_inhibitors_are_contraindicated() -> None:
    # Lupkynis EU SmPC 4.3: ketoconazole, itraconazole, clarithromycin named as examples.
    groups = [i for i in therapy("voclosporin").interactions
              if i.partner_group and i.partner_group.startswith("strong CYP3A4 inhibitors")]
    assert len(groups) == 1
    assert (groups[0].severity, groups[0].action) == ("contraindicated", "avoid")
    assert_verified(groups[0], "label:lupkynis-eu")
    assert "clarithromycin" in groups[0].partner_group


def test_voclosporin_with_other_cnis_stays_unconfirmed() -> None:
    # No label wording was found: the fact must not drive a rule.
    for partner in ("tacrolimus", "cyclosporine"):
        assert interaction("voclosporin", partner).certainty == "R"


def test_mycophenolate_neutropenia_limit() -> None:
    # CellCept: if neutropenia develops (ANC < 1.3 x 10^3/uL), interrupt or reduce the dose.
    limits = [x for x in therapy("mycophenolate-mofetil").lab_limits if x.measure == "neutrophils"]
    assert len(limits) == 1
    limit = limits[0]
    assert (limit.comparison, limit.threshold, limit.unit) == ("<", 1.3, "10*9/L")
    assert (limit.phase, limit.action) == ("ongoing", "hold")
    assert_verified(limit, "label:cellcept-us")


def test_mycophenolate_ceiling_below_gfr_25() -> None:
    # CellCept: GFR < 25 mL/min/1.73 m2 outside the immediate post-transplant period - avoid > 1 g bid.
    limits = [x for x in therapy("mycophenolate-mofetil").egfr_limits if x.threshold == 25]
    assert len(limits) == 1
    limit = limits[0]
    assert (limit.comparison, limit.action) == ("<", "reduce_dose")
    assert "1 g twice daily" in limit.text
    assert_verified(limit, "label:cellcept-us")


@pytest.mark.parametrize(("drug", "form", "expected", "source"), [
    ("tacrolimus", "capsule", {0.5, 1, 5}, "label:prograf-us"),  # Prograf 0.5, 1, 5 mg capsules
    ("mycophenolic-acid", "delayed_release_tablet", {180, 360}, "label:myfortic-uk"),  # Myfortic section 2
])
def test_label_strengths(drug: str, form: str, expected: set[float], source: str) -> None:
    found = strengths(drug, form)
    assert set(found) == expected
    for formulation in found.values():
        assert_verified(formulation, source)


BENLYSTA_HOW_SUPPLIED = "url:https://gsksource.com/pharma/content/gsk/source/us/en/brands/benlysta/pi/product-overview.html"


def test_belimumab_sc_presentations() -> None:
    # Benlysta SC: 200 mg in 1 mL, as an autoinjector and as a prefilled glass syringe.
    for form in ("autoinjector", "prefilled_syringe"):
        found = strengths("belimumab", form)
        assert set(found) == {200}
        assert found[200].volume_ml == 1
        assert_verified(found[200], BENLYSTA_HOW_SUPPLIED)


@pytest.mark.parametrize(("drug", "expected", "source"), [
    ("cyclophosphamide", {500, 1000, 2000}, "label:cyclophosphamide-us"),  # powder 500 mg, 1 g, 2 g
    ("belimumab", {120, 400}, BENLYSTA_HOW_SUPPLIED),  # 120 mg/5-mL and 400 mg/20-mL vials
])
def test_iv_vials_match_label(drug: str, expected: set[float], source: str) -> None:
    found = strengths(drug, "vial")
    assert set(found) == expected
    for formulation in found.values():
        assert_verified(formulation, source)



def test_obinutuzumab_vial() -> None:
    # Gazyva: one 1000 mg dose in 40 mL of concentrate (25 mg/mL).
    vial = strengths("obinutuzumab", "vial")
    assert set(vial) == {1000}
    assert vial[1000].volume_ml == 40
    assert vial[1000].certainty == "V"


def test_cited_labels_are_defined() -> None:
    kb = knowledge.load()
    for ref in ("label:prograf-us", "label:prograf-uk", "label:myfortic-uk", "label:cyclophosphamide-us",
                "label:cellcept-us", "label:lupkynis-eu", BENLYSTA_HOW_SUPPLIED):
        assert ref in kb.references
