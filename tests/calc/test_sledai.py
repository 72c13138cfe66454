"""SLEDAI-2K against the shared vectors and the published weights (Gladman 2002)."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lncare.calc.sledai import DESCRIPTORS, WINDOW_DAYS, sledai2k, sledai2k_on
from lncare.errors import InputError

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "vectors"

# Weights as printed on the SLEDAI-2K form (Gladman, Ibañez, Urowitz, J Rheumatol 2002;29:288-91),
# written out here independently of the module's table.
PUBLISHED_WEIGHTS = {
    "seizure": 8, "psychosis": 8, "organic_brain_syndrome": 8, "visual_disturbance": 8,
    "cranial_nerve_disorder": 8, "lupus_headache": 8, "cva": 8, "vasculitis": 8,
    "arthritis": 4, "myositis": 4, "urinary_casts": 4, "hematuria": 4, "proteinuria": 4, "pyuria": 4,
    "rash": 2, "alopecia": 2, "mucosal_ulcers": 2, "pleurisy": 2, "pericarditis": 2,
    "low_complement": 2, "increased_dna_binding": 2,
    "fever": 1, "thrombocytopenia": 1, "leukopenia": 1,
}


def _vector_rows() -> list[dict[str, str]]:
    with (VECTORS / "sledai2k.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("row", _vector_rows(), ids=lambda row: row["case_id"])
def test_shared_vectors(row: dict[str, str]) -> None:
    items = [item for item in row["items_present"].split(";") if item]
    assert sledai2k(items) == int(row["expected_score"])


def test_vector_file_has_all_rows() -> None:
    assert len(_vector_rows()) == 10


@pytest.mark.parametrize(("name", "weight"), sorted(PUBLISHED_WEIGHTS.items()))
def test_each_descriptor_scores_its_published_weight(name: str, weight: int) -> None:
    assert sledai2k([name]) == weight


def test_table_has_exactly_the_24_published_descriptors() -> None:
    assert sorted(d.name for d in DESCRIPTORS) == sorted(PUBLISHED_WEIGHTS)
    assert sledai2k(PUBLISHED_WEIGHTS) == 105


def test_repeated_items_count_once() -> None:
    assert sledai2k(["proteinuria", "proteinuria", "Proteinuria"]) == 4


def test_spelling_variants_are_accepted() -> None:
    assert sledai2k(["Low complement", "increased-dna-binding", " SEIZURE "]) == 12


def test_unknown_item_names_field_and_lists_allowed_names() -> None:
    with pytest.raises(InputError) as err:
        sledai2k(["arthritis", "nephritis"], field="--items")
    message = str(err.value)
    assert err.value.field == "--items"
    assert message.startswith("--items: 'nephritis' is not a SLEDAI-2K descriptor")
    assert "seizure" in message and "leukopenia" in message
    assert "\n" not in message


VISIT = date(2026, 11, 27)


def test_window_includes_the_visit_day_and_the_ten_days_before() -> None:
    assert WINDOW_DAYS == 10
    findings = [("seizure", VISIT), ("proteinuria", VISIT - timedelta(days=10))]
    assert sledai2k_on(findings, VISIT) == 12


def test_findings_older_than_ten_days_or_after_the_visit_do_not_count() -> None:
    findings = [("seizure", VISIT - timedelta(days=11)), ("fever", VISIT + timedelta(days=1))]
    assert sledai2k_on(findings, VISIT) == 0


def test_dated_variant_counts_a_descriptor_once() -> None:
    findings = [("rash", VISIT), ("rash", VISIT - timedelta(days=3))]
    assert sledai2k_on(findings, VISIT) == 2


def test_dated_variant_rejects_unknown_names_outside_the_window() -> None:
    with pytest.raises(InputError, match="'nephritis'"):
        sledai2k_on([("nephritis", VISIT - timedelta(days=40))], VISIT)


item_sets = st.sets(st.sampled_from(sorted(PUBLISHED_WEIGHTS)))


@given(item_sets)
def test_score_stays_within_0_and_105(items: set[str]) -> None:
    assert 0 <= sledai2k(items) <= 105


@given(item_sets, st.sampled_from(sorted(PUBLISHED_WEIGHTS)))
def test_adding_an_item_never_lowers_the_score(items: set[str], extra: str) -> None:
    assert sledai2k(items | {extra}) >= sledai2k(items)


def test_non_text_item_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"^items: None is not a SLEDAI-2K descriptor"):
        sledai2k([None])  # type: ignore[list-item]


def test_dated_variant_takes_timestamps_by_their_day_and_rejects_non_dates() -> None:
    assert sledai2k_on([("fever", datetime(2026, 11, 17, 23, 59))], VISIT) == 1
    with pytest.raises(InputError, match=r"^items: '2026-11-20' is not a date"):
        sledai2k_on([("fever", "2026-11-20")], VISIT)  # type: ignore[list-item]
