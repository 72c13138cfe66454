"""Every row of shared/vectors/meta_expected.csv: metafor's and RevMan's printed values, one test each.

Tolerance is the row's own (half a unit in the printed last digit). Rows cover escalc, EE, DL, REML, ML
(with Q-profile and profile-likelihood tau² intervals, Knapp-Hartung), PM, EB, HE, HS, SJ, DLIT, SJIT,
Mantel-Haenszel (with Cochran, CMH and Tarone tests) and Peto.
"""

from __future__ import annotations

import math

import pytest
from evidence_vectors import binary_studies, row_id, rows

from lncare.evidence.effects import binary_effects
from lncare.evidence.heterogeneity import tau2_ci_profile
from lncare.evidence.meta import MetaResult, meta_analysis

ROWS = rows("meta_expected.csv")


def _settings(test_adjust: str) -> tuple[str, float, bool]:
    test, *extra = test_adjust.split(";")
    opts = dict(part.split("=") for part in extra)
    return test, float(opts.get("level", 95)), opts.get("correct", "TRUE") != "FALSE"


def _study_value(result: MetaResult, quantity: str) -> float:
    name, index = quantity[:-1].split("[")
    row = result.studies[int(index) - 1]
    values = {
        "yi_exp": math.exp(row.yi),
        "sei": math.sqrt(row.vi),
        "ci_lb_exp": math.exp(row.ci_lb),
        "ci_ub_exp": math.exp(row.ci_ub),
        "weight_pct": row.weight,
    }
    return values[name]


def computed(row: dict[str, str]) -> float | None:
    dataset, measure, method, quantity = row["dataset"], row["measure"], row["method"], row["quantity"]
    studies = binary_studies(dataset)
    if method == "escalc":
        effects = binary_effects(studies, measure)  # type: ignore[arg-type]
        name, index = quantity[:-1].split("[")
        return float((effects.yi if name == "yi" else effects.vi)[int(index) - 1])
    test, level, correct = _settings(row["test_adjust"])
    result = meta_analysis(studies, measure, method, test, level, correct)
    as_json = result.to_json()
    if "[" in quantity:
        return _study_value(result, quantity)
    if quantity == "prob_lt0":
        return result.prob_below(0.0)
    if quantity == "zval_abs":
        return abs(result.zval)
    if quantity.startswith("tau_ci_"):
        return math.sqrt(as_json["tau2_ci_" + quantity[len("tau_ci_") :]])
    if quantity.endswith("_PL"):
        effects = binary_effects(studies, measure)  # type: ignore[arg-type]
        assert result.tau2 is not None
        interval = tau2_ci_profile(effects.yi, effects.vi, result.tau2, method, level)
        return interval.lower if quantity.startswith("tau2_ci_lb") else interval.upper
    value = as_json[quantity.lower()]
    return None if value is None else float(value)


@pytest.mark.parametrize("row", ROWS, ids=[row_id(r) for r in ROWS])
def test_reproduces_r(row: dict[str, str]) -> None:
    value = computed(row)
    assert value is not None, f"{row['quantity']} missing"
    assert abs(value - float(row["expected"])) <= float(row["tolerance"]), (
        value,
        row["expected"],
        row["source"],
    )


def test_every_row_is_checked() -> None:
    assert len(ROWS) == 265
