"""Modified NIH activity and chronicity indices (Bajema 2018) against the shared vectors."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lncare.calc.pathology import lesion_grade, nih_activity_index, nih_chronicity_index
from lncare.errors import InputError

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "vectors"

# vector column -> keyword of the index functions
ACTIVITY_COLUMNS = {
    "endocapillary_hypercellularity_pct_glom": "endocapillary_hypercellularity",
    "neutrophils_karyorrhexis_pct_glom": "neutrophils_karyorrhexis",
    "fibrinoid_necrosis_pct_glom": "fibrinoid_necrosis",
    "hyaline_deposits_pct_glom": "hyaline_deposits",
    "cellular_fibrocellular_crescents_pct_glom": "cellular_fibrocellular_crescents",
    "interstitial_inflammation_pct_cortex": "interstitial_inflammation",
}
CHRONICITY_COLUMNS = {
    "glomerulosclerosis_pct_glom": "glomerulosclerosis",
    "fibrous_crescents_pct_glom": "fibrous_crescents",
    "tubular_atrophy_pct_cortex": "tubular_atrophy",
    "interstitial_fibrosis_pct_cortex": "interstitial_fibrosis",
}
NO_ACTIVITY = dict.fromkeys(ACTIVITY_COLUMNS.values(), 0.0)
NO_CHRONICITY = dict.fromkeys(CHRONICITY_COLUMNS.values(), 0.0)


def _vector_rows() -> list[dict[str, str]]:
    with (VECTORS / "nih_indices.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("row", _vector_rows(), ids=lambda row: row["case_id"])
def test_shared_vectors(row: dict[str, str]) -> None:
    activity = nih_activity_index(**{kw: float(row[col]) for col, kw in ACTIVITY_COLUMNS.items()})
    chronicity = nih_chronicity_index(**{kw: float(row[col]) for col, kw in CHRONICITY_COLUMNS.items()})
    assert activity.total == int(row["expected_activity_index"])
    assert chronicity.total == int(row["expected_chronicity_index"])


def test_vector_file_has_all_rows() -> None:
    assert len(_vector_rows()) == 10


def test_per_item_scores_of_a_mixed_biopsy() -> None:
    # Vector N09, item by item as its note spells it out: 3+1+1x2+1+2x2+2 = 13 and 1+0+1+2 = 4.
    activity = nih_activity_index(
        endocapillary_hypercellularity=60, neutrophils_karyorrhexis=20, fibrinoid_necrosis=5,
        hyaline_deposits=10, cellular_fibrocellular_crescents=40, interstitial_inflammation=30,
    )
    assert [(i.lesion.name, i.grade, i.points) for i in activity.items] == [
        ("endocapillary_hypercellularity", 3, 3),
        ("neutrophils_karyorrhexis", 1, 1),
        ("fibrinoid_necrosis", 1, 2),
        ("hyaline_deposits", 1, 1),
        ("cellular_fibrocellular_crescents", 2, 4),
        ("interstitial_inflammation", 2, 2),
    ]
    chronicity = nih_chronicity_index(
        glomerulosclerosis=10, fibrous_crescents=0, tubular_atrophy=20, interstitial_fibrosis=30
    )
    assert [i.points for i in chronicity.items] == [1, 0, 1, 2]
    assert (activity.maximum, chronicity.maximum) == (24, 12)


@pytest.mark.parametrize(
    ("percent", "grade"),
    [(0, 0), (0.1, 1), (24.9, 1), (25, 2), (37, 2), (50, 2), (50.1, 3), (100, 3)],
)
def test_bins(percent: float, grade: int) -> None:
    # Bajema 2018: 0 absent, 1 < 25%, 2 25-50%, 3 > 50%.
    assert lesion_grade(percent, "lesion") == grade


@pytest.mark.parametrize("bad", [-1, 100.5, math.nan, math.inf, True, "30", None])
def test_bad_percentages_name_the_lesion(bad: Any) -> None:
    with pytest.raises(InputError) as err:
        nih_activity_index(**{**NO_ACTIVITY, "fibrinoid_necrosis": bad})
    assert err.value.field == "fibrinoid_necrosis"
    assert str(err.value).startswith(f"fibrinoid_necrosis: {bad!r}")


def test_bad_chronicity_percentage_names_the_lesion() -> None:
    with pytest.raises(InputError, match=r"^tubular_atrophy: 120 is outside 0-100 percent$"):
        nih_chronicity_index(**{**NO_CHRONICITY, "tubular_atrophy": 120})


percent = st.floats(min_value=0, max_value=100, allow_nan=False)


@given(st.fixed_dictionaries(dict.fromkeys(NO_ACTIVITY, percent)))
def test_activity_stays_within_0_and_24(lesions: dict[str, float]) -> None:
    assert 0 <= nih_activity_index(**lesions).total <= 24


@given(st.fixed_dictionaries(dict.fromkeys(NO_CHRONICITY, percent)))
def test_chronicity_stays_within_0_and_12(lesions: dict[str, float]) -> None:
    assert 0 <= nih_chronicity_index(**lesions).total <= 12


@given(st.fixed_dictionaries(dict.fromkeys(NO_ACTIVITY, percent)), st.sampled_from(sorted(NO_ACTIVITY)),
       percent)
def test_more_of_a_lesion_never_lowers_activity(lesions: dict[str, float], name: str, more: float) -> None:
    worse = {**lesions, name: max(lesions[name], more)}
    assert nih_activity_index(**worse).total >= nih_activity_index(**lesions).total


@given(st.fixed_dictionaries(dict.fromkeys(NO_CHRONICITY, percent)), st.sampled_from(sorted(NO_CHRONICITY)),
       percent)
def test_more_of_a_lesion_never_lowers_chronicity(lesions: dict[str, float], name: str, more: float) -> None:
    worse = {**lesions, name: max(lesions[name], more)}
    assert nih_chronicity_index(**worse).total >= nih_chronicity_index(**lesions).total
