"""Marketed strengths checked against FDA listings and labels (knowledge base 2026.11.5).

Expected strengths are typed here from the records read, not from the data files: the openFDA NDC
listings for prednisone (1, 2.5, 5, 10, 20, 50 mg), prednisolone 5 mg, mycophenolate mofetil for
injection (500 mg per 20-mL vial) and SOLU-MEDROL (40 mg/1 mL, 125 mg/2 mL, 500 mg/4 mL); the
methylprednisolone tablet label (4, 8, 16, 32 mg); the sulfamethoxazole-trimethoprim label (400/80 mg and
800/160 mg); the MabThera SmPC section 2 (100 mg/10 mL, 500 mg/50 mL). What could not be confirmed, and the
IV vials of per-kg or per-m2 infusions, must stay out of the engine's reach (certainty R).
"""

from __future__ import annotations

import pytest

from lncare import knowledge
from lncare.knowledge.schema.definition import Definition
from lncare.knowledge.schema.therapy import Formulation


def formulations(therapy_id: str, form: str, route: str) -> dict[float, Formulation]:
    therapy = knowledge.load().therapies[therapy_id]
    return {f.strength_mg: f for f in therapy.formulations
            if f.form == form and f.route == route and f.strength_mg is not None}


def definition(definition_id: str) -> Definition:
    return knowledge.load().definitions[definition_id]


@pytest.mark.parametrize(("drug", "form", "route", "expected", "source"), [
    ("prednisone", "tablet", "oral", {1, 2.5, 5, 10, 20, 50}, "label:prednisone-us-ndc"),
    ("methylprednisolone", "tablet", "oral", {4, 8, 16, 32}, "label:methylprednisolone-tablets-us"),
    ("mycophenolate-mofetil", "vial", "iv", {500}, "label:mycophenolate-iv-us-ndc"),
    # Sulfamethoxazole + trimethoprim, stored as the combined mass: 400 + 80 and 800 + 160 mg.
    ("trimethoprim-sulfamethoxazole", "tablet", "oral", {480, 960}, "label:smx-tmp-us"),
])
def test_label_strengths_are_verified(drug: str, form: str, route: str, expected: set[float],
                                      source: str) -> None:
    found = formulations(drug, form, route)
    assert set(found) == expected
    for formulation in found.values():
        assert formulation.certainty == "V"
        assert source in formulation.sources


def test_prednisolone_5_mg_tablet_has_a_us_listing() -> None:
    found = formulations("prednisolone", "tablet", "oral")
    assert found[5].certainty == "V"
    assert "label:prednisolone-us-ndc" in found[5].sources
    # 1 and 25 mg tablets rest on a UK palliative-care page alone.
    assert {found[1].certainty, found[25].certainty} == {"S"}


@pytest.mark.parametrize(("drug", "expected", "source"), [
    ("methylprednisolone", {40: 1, 125: 2, 500: 4}, "label:solu-medrol-us-ndc"),  # mg: mL per vial
    ("rituximab", {100: 10, 500: 50}, "label:mabthera-eu"),
])
def test_iv_vials_match_the_listing(drug: str, expected: dict[float, float], source: str) -> None:
    found = formulations(drug, "vial", "iv")
    for strength, volume in expected.items():
        assert found[strength].volume_ml == volume
        assert found[strength].certainty == "V"
        assert source in found[strength].sources


def test_unconfirmed_methylprednisolone_1_g_vial_stays_r_without_source() -> None:
    vial = formulations("methylprednisolone", "vial", "iv")[1000]
    assert vial.certainty == "R"
    assert vial.sources == ()


def test_hcq_strengths_other_than_200_mg_are_not_usable() -> None:
    # Generic 100 and 300 mg tablets exist but are deliberately not stored (CHANGELOG 2026.11.5).
    assert set(formulations("hydroxychloroquine", "tablet", "oral")) == {200}


def test_acr_partial_response_stays_out_of_rules() -> None:
    # The ACR 2024 manuscript with the definitions was not found; the summary's garbled figure is all
    # that was read, so complete response stays S and partial response, and what rests on it, stay R.
    assert definition("acr2024-response-complete").certainty == "S"
    assert definition("acr2024-response-partial").certainty == "R"
    assert definition("acr2024-inadequate-response").certainty == "R"


def test_acr_inadequate_response_window_is_the_summarys_6_to_12_months() -> None:
    # ACR 2024 summary: inadequate renal response = not at least partial response by 6-12 months.
    window = definition("acr2024-inadequate-response").window
    assert window is not None and window.earliest is not None and window.by is not None
    assert (window.earliest.value, window.earliest.unit) == (6, "months")
    assert (window.by.value, window.by.unit) == (12, "months")
