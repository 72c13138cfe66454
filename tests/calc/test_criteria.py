"""2019 EULAR/ACR SLE classification against the shared vectors and the published table (Aringer 2019)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lncare.calc.criteria import CRITERIA, eular_acr_2019
from lncare.errors import InputError

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "vectors"

# Aringer et al., Ann Rheum Dis 2019;78:1151-9, table of domains and weights, written out here
# independently of the module: criterion -> (domain, weight).
PUBLISHED = {
    "fever": ("constitutional", 2),
    "leukopenia": ("hematologic", 3),
    "thrombocytopenia": ("hematologic", 4),
    "autoimmune_hemolysis": ("hematologic", 4),
    "delirium": ("neuropsychiatric", 2),
    "psychosis": ("neuropsychiatric", 3),
    "seizure": ("neuropsychiatric", 5),
    "nonscarring_alopecia": ("mucocutaneous", 2),
    "oral_ulcers": ("mucocutaneous", 2),
    "scle_or_dle": ("mucocutaneous", 4),
    "acle": ("mucocutaneous", 6),
    "pleural_or_pericardial_effusion": ("serosal", 5),
    "acute_pericarditis": ("serosal", 6),
    "joint_involvement": ("musculoskeletal", 6),
    "proteinuria_gt_0_5g_24h": ("renal", 4),
    "ln_class_ii_or_v": ("renal", 8),
    "ln_class_iii_or_iv": ("renal", 10),
    "antiphospholipid_antibodies": ("antiphospholipid_antibodies", 2),
    "low_c3_or_low_c4": ("complement", 3),
    "low_c3_and_low_c4": ("complement", 4),
    "anti_dsdna": ("sle_specific_antibodies", 6),
    "anti_smith": ("sle_specific_antibodies", 6),
}
IMMUNOLOGICAL = {
    "antiphospholipid_antibodies", "low_c3_or_low_c4", "low_c3_and_low_c4", "anti_dsdna", "anti_smith",
}


def _vector_rows() -> list[dict[str, str]]:
    with (VECTORS / "eular_acr_2019.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("row", _vector_rows(), ids=lambda row: row["case_id"])
def test_shared_vectors(row: dict[str, str]) -> None:
    items = [item for item in row["criteria_present"].split(";") if item]
    result = eular_acr_2019(items, ana_positive=row["ana_ge_1_80_ever"] == "true")
    expected = None if row["expected_score"] == "NA" else int(row["expected_score"])
    assert result.score == expected
    assert result.classified is (row["expected_classified_sle"] == "true")
    assert result.entry_criterion_met is (row["ana_ge_1_80_ever"] == "true")


def test_vector_file_has_all_rows() -> None:
    assert len(_vector_rows()) == 13


@pytest.mark.parametrize(("name", "domain", "weight"), [(n, d, w) for n, (d, w) in sorted(PUBLISHED.items())])
def test_each_criterion_has_its_published_domain_and_weight(name: str, domain: str, weight: int) -> None:
    result = eular_acr_2019([name], ana_positive=True)
    assert result.score == weight
    assert {d: c.name for d, c in result.counted.items()} == {domain: name}


def test_table_has_exactly_the_published_criteria() -> None:
    assert sorted(c.name for c in CRITERIA) == sorted(PUBLISHED)
    assert {c.name for c in CRITERIA if c.kind == "immunological"} == IMMUNOLOGICAL


def test_only_the_highest_item_of_a_domain_counts_and_the_rest_are_reported() -> None:
    result = eular_acr_2019(["oral_ulcers", "acle", "proteinuria_gt_0_5g_24h"], ana_positive=True)
    assert result.score == 10
    assert result.counted["mucocutaneous"].name == "acle"
    assert [c.name for c in result.not_counted] == ["oral_ulcers"]
    assert result.classified
    assert "10 points" in result.reason


def test_without_ana_the_criteria_are_not_applied() -> None:
    result = eular_acr_2019(["ln_class_iii_or_iv", "anti_dsdna"], ana_positive=False)
    assert (result.score, result.classified, result.counted) == (None, False, {})
    assert "ANA" in result.reason


def test_immunology_alone_explains_why_it_does_not_classify() -> None:
    items = ["anti_dsdna", "low_c3_and_low_c4", "antiphospholipid_antibodies"]
    result = eular_acr_2019(items, ana_positive=True)
    assert result.score == 12 and not result.classified
    assert "no clinical criterion" in result.reason


def test_unknown_criterion_names_field_and_lists_allowed_names() -> None:
    with pytest.raises(InputError) as err:
        eular_acr_2019(["fever", "malar rash"], ana_positive=True, field="--criteria")
    message = str(err.value)
    assert message.startswith("--criteria: 'malar rash' is not a 2019 EULAR/ACR criterion")
    assert "anti_smith" in message and "\n" not in message


def test_unknown_criterion_is_rejected_even_without_ana() -> None:
    with pytest.raises(InputError):
        eular_acr_2019(["malar rash"], ana_positive=False)


criterion_sets = st.sets(st.sampled_from(sorted(PUBLISHED)))


@given(criterion_sets)
def test_score_stays_within_0_and_51(items: set[str]) -> None:
    score = eular_acr_2019(items, ana_positive=True).score
    assert score is not None and 0 <= score <= 51


@given(criterion_sets, st.sampled_from(sorted(PUBLISHED)))
def test_adding_a_criterion_never_lowers_the_score_or_unclassifies(items: set[str], extra: str) -> None:
    before = eular_acr_2019(items, ana_positive=True)
    after = eular_acr_2019(items | {extra}, ana_positive=True)
    assert after.score is not None and before.score is not None and after.score >= before.score
    assert after.classified or not before.classified


@given(st.sets(st.sampled_from(sorted(IMMUNOLOGICAL))))
def test_immunological_criteria_alone_never_classify(items: set[str]) -> None:
    assert not eular_acr_2019(items, ana_positive=True).classified


def test_non_text_criterion_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"^criteria: 3 is not a 2019 EULAR/ACR criterion"):
        eular_acr_2019([3], ana_positive=True)  # type: ignore[list-item]
