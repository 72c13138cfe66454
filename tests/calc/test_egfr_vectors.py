"""Every row of shared/vectors/egfr.csv, compared at the precision its expected cell is written in.

The vectors come from official calculators (NKF via admiral, the CKiD study group) and from two
independent R packages that agree (nephro, kidney.epi); see shared/vectors/README.md.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from lncare.calc import egfr

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "egfr.csv"

# The vector files name equations with underscores and a year; lncare's names are the contract's.
EQUATION_NAMES = {
    "ckd_epi_2021_cr": "ckd-epi-2021-cr",
    "ckd_epi_2021_cr_cys": "ckd-epi-2021-cr-cys",
    "ckd_epi_2012_cys": "ckd-epi-2012-cys",
    "ckid_u25_cr": "ckid-u25-cr",
    "ckid_u25_cys": "ckid-u25-cys",
    "ckid_u25_avg": "ckid-u25-avg",
    "bedside_schwartz_2009": "schwartz-bedside",
}
SEXES = {"F": "female", "M": "male", "": None}
# Bedside Schwartz rows from nephro give no age; the formula has no age term, so any age inside the
# equation's range (1 to under 18) gives the same value.
AGE_FOR_AGELESS_SCHWARTZ_ROWS = 10.0


def _rows() -> list[dict[str, str]]:
    with VECTORS.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _optional(cell: str) -> float | None:
    return float(cell) if cell else None


def test_vector_file_has_every_equation() -> None:
    names = {row["equation"] for row in _rows()}
    assert names == set(EQUATION_NAMES)
    assert len(_rows()) == 165  # shared/vectors/README.md


@pytest.mark.parametrize("row", _rows(), ids=lambda row: f"{row['equation']}-{row['age']}-{row['sex']}")
def test_vector(row: dict[str, str]) -> None:
    equation = EQUATION_NAMES[row["equation"]]
    if row["age"]:
        age = float(row["age"])
    else:
        assert equation == "schwartz-bedside"
        age = AGE_FOR_AGELESS_SCHWARTZ_ROWS
    value = egfr(
        equation,
        age=age,
        sex=SEXES[row["sex"]],
        creatinine=_optional(row["scr_mg_dl"]),
        cystatin_c=_optional(row["cys_mg_l"]),
        height_cm=_optional(row["height_cm"]),
    )
    expected = row["expected_egfr"]
    decimals = len(expected.split(".")[1]) if "." in expected else 0
    # One unit in the last place of slack (shared/vectors/README.md), plus float noise.
    assert abs(round(value, decimals) - float(expected)) <= 10.0**-decimals * (1 + 1e-9)
