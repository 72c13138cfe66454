"""eGFR: worked values from the sources, input checks, the default chooser and the KDIGO category."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from lncare.calc import EQUATIONS, ckd_stage, egfr, estimate_egfr
from lncare.errors import InputError


def _at(value: float, expected: float, decimals: int) -> bool:
    """``value`` equals ``expected`` when rounded to ``decimals``, with one unit of slack."""
    return abs(round(value, decimals) - expected) <= 10.0**-decimals * (1 + 1e-9)


# ---- worked values (shared/domain/calculators.md sections 1-2) ----------------------------------


def test_ckd_epi_2021_cr_cys_worked_value() -> None:
    value = egfr("ckd-epi-2021-cr-cys", age=60, sex="female", creatinine=0.9, cystatin_c=0.8)
    assert _at(value, 89.6937, 4)


def test_ckd_epi_2012_cys_worked_value() -> None:
    assert _at(egfr("ckd-epi-2012-cys", age=45, sex="male", cystatin_c=1.1), 72.7538, 4)


def test_nkf_calculator_values() -> None:
    # NKF online calculator, quoted in pharmaverse/admiral tests: 1.09 mg/dL, 55 y, male -> 80;
    # 85 umol/L, 65 y, female -> 66.
    assert round(egfr("ckd-epi-2021-cr", age=55, sex="male", creatinine=1.09)) == 80
    assert round(egfr("ckd-epi-2021-cr", age=65, sex="female", creatinine=85, creatinine_unit="umol/L")) == 66


def test_creatinine_conversion_uses_88_4() -> None:
    # calculators.md 1d: 96.3 umol/L, male, 55 y gives 80.2075 with 88.4 and 80.2293 with 88.42.
    assert _at(egfr("ckd-epi-2021-cr", age=55, sex="male", creatinine=96.3, creatinine_unit="umol/L"),
               80.2075, 4)
    assert _at(egfr("ckd-epi-2021-cr", age=55, sex="male", creatinine=96.3 / 88.42), 80.2293, 4)


def test_creatinine_unit_spellings() -> None:
    reference = egfr("ckd-epi-2021-cr", age=40, sex="female", creatinine=1.0)
    for unit in ("umol/L", "µmol/L", "UMOL/L"):
        assert egfr("ckd-epi-2021-cr", age=40, sex="female", creatinine=88.4, creatinine_unit=unit) == (
            pytest.approx(reference, rel=1e-12)
        )


@pytest.mark.parametrize(
    ("sex", "age", "height_cm", "scr", "cys", "expected"),
    [
        # Official CKiD Shiny calculator values listed in the study group's R code
        # (github.com/ckidstudy/CKiD_U25, "R Code for U25eGFR calculation.R"): cr, cys, average.
        ("male", 15, 160, 1.9, 1.6, (37.5, 54.5, 46.0)),
        ("female", 20, 181, 2.1, 1.8, (35.7, 37.9, 36.8)),
    ],
)
def test_ckid_u25_official_calculator(
    sex: str, age: float, height_cm: float, scr: float, cys: float, expected: tuple[float, float, float]
) -> None:
    inputs = {"age": age, "sex": sex, "creatinine": scr, "cystatin_c": cys, "height_cm": height_cm}
    for equation, value in zip(("ckid-u25-cr", "ckid-u25-cys", "ckid-u25-avg"), expected, strict=True):
        assert _at(egfr(equation, **inputs), value, 1)


def test_ckid_u25_bands_meet_at_18() -> None:
    # calculators.md 2a: the female creatinine K is 41.38 just below 18 and 41.4 at 18; the male
    # cystatin C K is 77.15 just below 18 and 77.1 at 18 (height 1 m, Scr 1, CysC 1 give K itself).
    def k_cr(age: float) -> float:
        return egfr("ckid-u25-cr", age=age, sex="female", creatinine=1.0, height_cm=100)

    def k_cys(age: float) -> float:
        return egfr("ckid-u25-cys", age=age, sex="male", cystatin_c=1.0)

    assert _at(k_cr(17.999999), 41.38, 2)
    assert k_cr(18) == pytest.approx(41.4)
    assert _at(k_cys(17.999999), 77.15, 2)
    assert k_cys(18) == pytest.approx(77.1)


def test_ckid_u25_published_k_at_the_knots() -> None:
    # Pierce 2021 table: K_cr is 39.0 (male) and 36.1 (female) at 12; K_cys is 87.2 (male) at 15 and
    # 79.9 (female) at 12; adult constants 50.8 / 41.4 (cr) and 77.1 / 68.3 (cys).
    cases = [
        ("ckid-u25-cr", "male", 12, 39.0), ("ckid-u25-cr", "female", 12, 36.1),
        ("ckid-u25-cys", "male", 15, 87.2), ("ckid-u25-cys", "female", 12, 79.9),
        ("ckid-u25-cr", "male", 25, 50.8), ("ckid-u25-cr", "female", 25, 41.4),
        ("ckid-u25-cys", "male", 25, 77.1), ("ckid-u25-cys", "female", 25, 68.3),
    ]
    for equation, sex, age, k in cases:
        value = egfr(equation, age=age, sex=sex, creatinine=1.0, cystatin_c=1.0, height_cm=100)
        assert value == pytest.approx(k), (equation, sex, age)


def test_bedside_schwartz_in_umol_per_litre() -> None:
    # Schwartz 2009: 0.413 x height[cm] / Scr[mg/dL] = 36.5 x height / Scr[umol/L]; transplantr's test
    # gives 69.5 for Scr 0.6 mg/dL (53.04 umol/L) and height 101 cm.
    value = egfr("schwartz-bedside", age=8, sex=None, creatinine=53.04, creatinine_unit="umol/L",
                 height_cm=101)
    assert _at(value, 69.5, 1)


# ---- bad input ----------------------------------------------------------------------------------

ADULT = {"age": 50, "sex": "female", "creatinine": 1.0, "cystatin_c": 1.0, "height_cm": 165}
CHILD = {"age": 10, "sex": "male", "creatinine": 0.6, "cystatin_c": 1.0, "height_cm": 140}


@pytest.mark.parametrize(
    ("equation", "changes", "field"),
    [
        ("ckd-epi-2021", {}, "equation"),
        ("ckd-epi-2021-cr", {"creatinine": None}, "creatinine"),
        ("ckd-epi-2021-cr-cys", {"cystatin_c": None}, "cystatin_c"),
        ("ckd-epi-2012-cys", {"cystatin_c": None}, "cystatin_c"),
        ("ckd-epi-2021-cr", {"sex": None}, "sex"),
        ("ckd-epi-2021-cr", {"sex": "f"}, "sex"),
        ("ckd-epi-2021-cr", {"age": 17.9}, "age"),
        ("ckd-epi-2021-cr", {"age": 121}, "age"),
        ("ckd-epi-2021-cr", {"age": -1}, "age"),
        ("ckd-epi-2021-cr", {"age": math.nan}, "age"),
        ("ckd-epi-2021-cr", {"age": "fifty"}, "age"),
        ("ckd-epi-2021-cr", {"creatinine": 0.05}, "creatinine"),
        ("ckd-epi-2021-cr", {"creatinine": 30}, "creatinine"),
        ("ckd-epi-2021-cr", {"creatinine": math.inf}, "creatinine"),
        ("ckd-epi-2021-cr", {"creatinine": 3000, "creatinine_unit": "umol/L"}, "creatinine"),
        ("ckd-epi-2021-cr", {"creatinine_unit": "mmol/L"}, "creatinine_unit"),
        ("ckd-epi-2012-cys", {"cystatin_c": 0.1}, "cystatin_c"),
        ("ckd-epi-2012-cys", {"cystatin_c": 12}, "cystatin_c"),
        ("ckid-u25-cr", {"age": 25.5}, "age"),
        ("ckid-u25-cr", {"age": 0.5}, "age"),
        ("ckid-u25-cr", {"height_cm": None}, "height_cm"),
        ("ckid-u25-cr", {"height_cm": 1.4}, "height_cm"),
        ("ckid-u25-cr", {"height_cm": 210}, "height_cm"),
        ("ckid-u25-cr", {"creatinine": 12}, "creatinine"),
        ("ckid-u25-cys", {"cystatin_c": 9}, "cystatin_c"),
        ("ckid-u25-cys", {"sex": None}, "sex"),
        ("ckid-u25-avg", {"cystatin_c": None}, "cystatin_c"),
        ("schwartz-bedside", {"age": 18}, "age"),
        ("schwartz-bedside", {"height_cm": None}, "height_cm"),
    ],
)
def test_bad_input_names_the_argument(equation: str, changes: dict[str, object], field: str) -> None:
    base = CHILD if equation.startswith(("ckid", "schwartz")) else ADULT
    with pytest.raises(InputError) as caught:
        egfr(equation, **{**base, **changes})  # type: ignore[arg-type]
    assert caught.value.field == field
    assert field in str(caught.value)


def test_equation_list_matches_contract() -> None:
    # DESIGN.md contract 3, plus the CKiD U25 average that the vectors carry.
    assert set(EQUATIONS) == {
        "ckd-epi-2021-cr", "ckd-epi-2021-cr-cys", "ckd-epi-2012-cys", "ckid-u25-cr", "ckid-u25-cys",
        "ckid-u25-avg", "schwartz-bedside",
    }


# ---- default chooser ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("inputs", "equation", "expected", "decimals"),
    [
        ({"age": 55, "sex": "male", "creatinine": 1.09}, "ckd-epi-2021-cr", 80, 0),
        ({"age": 60, "sex": "female", "creatinine": 0.9, "cystatin_c": 0.8},
         "ckd-epi-2021-cr-cys", 89.6937, 4),
        ({"age": 45, "sex": "male", "cystatin_c": 1.1}, "ckd-epi-2012-cys", 72.7538, 4),
        # Adults get CKD-EPI even when height is known and they are under 25.
        ({"age": 20, "sex": "female", "creatinine": 0.9, "height_cm": 160}, "ckd-epi-2021-cr", None, 0),
        ({"age": 11, "sex": "male", "creatinine": 0.9, "height_cm": 120}, "ckid-u25-cr", 51.6, 1),
        ({"age": 11, "sex": "male", "cystatin_c": 1.3}, "ckid-u25-cys", 64.2, 1),
        ({"age": 11, "sex": "male", "creatinine": 0.9, "cystatin_c": 1.3, "height_cm": 120},
         "ckid-u25-avg", 57.9, 1),
        # Creatinine without height cannot feed CKiD U25; cystatin C alone still can.
        ({"age": 11, "sex": "female", "creatinine": 0.9, "cystatin_c": 1.3}, "ckid-u25-cys", 61.2, 1),
        ({"age": 8, "sex": None, "creatinine": 0.6, "height_cm": 101}, "schwartz-bedside", 69.5, 1),
    ],
)
def test_chooser_picks_and_computes(
    inputs: dict[str, object], equation: str, expected: float | None, decimals: int
) -> None:
    estimate = estimate_egfr(**inputs)  # type: ignore[arg-type]
    assert estimate.equation == equation
    assert estimate.reason
    if expected is not None:
        assert _at(estimate.value, expected, decimals)


def test_chooser_cites_its_sources() -> None:
    adult = estimate_egfr(age=50, sex="female", creatinine=1.0)
    child = estimate_egfr(age=10, sex="female", creatinine=0.6, height_cm=140)
    assert "KDIGO 2024" in adult.reason and "NKF-ASN" in adult.reason
    assert "Pierce" in child.reason and "KDIGO 2024" in child.reason


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        ({"age": 50, "sex": "female"}, "creatinine"),
        ({"age": 50, "sex": None, "creatinine": 1.0}, "sex"),
        ({"age": 0.5, "sex": "male", "creatinine": 0.3, "height_cm": 70}, "age"),
        ({"age": 10, "sex": "male", "creatinine": 0.6}, "height_cm"),
        ({"age": 10, "sex": None, "cystatin_c": 1.0}, "sex"),
        ({"age": 10, "sex": "boy", "creatinine": 0.6, "height_cm": 140}, "sex"),
    ],
)
def test_chooser_refuses_what_it_cannot_estimate(inputs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as caught:
        estimate_egfr(**inputs)  # type: ignore[arg-type]
    assert caught.value.field == field


# ---- KDIGO GFR category -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "stage"),
    [
        # KDIGO cut-offs: G1 >= 90, G2 60-89, G3a 45-59, G3b 30-44, G4 15-29, G5 < 15.
        (130.0, "G1"), (90.0, "G1"), (89.0, "G2"), (60.0, "G2"), (59.0, "G3a"), (45.0, "G3a"),
        (44.0, "G3b"), (30.0, "G3b"), (29.0, "G4"), (15.0, "G4"), (14.0, "G5"), (0.0, "G5"),
        # Documented rule: round to the reported whole number first, halves up.
        (59.6, "G2"), (59.5, "G2"), (59.4, "G3a"), (89.5, "G1"), (14.49, "G5"), (44.5, "G3a"),
    ],
)
def test_ckd_stage(value: float, stage: str) -> None:
    assert ckd_stage(value) == stage


@pytest.mark.parametrize("value", [-1.0, math.nan, math.inf])
def test_ckd_stage_refuses_impossible_values(value: float) -> None:
    with pytest.raises(InputError):
        ckd_stage(value)


# ---- properties ---------------------------------------------------------------------------------

SEX = st.sampled_from(["female", "male"])
CREATININE = st.floats(0.1, 10.0)
CYSTATIN = st.floats(0.2, 8.0)
U25_HEIGHT = st.floats(60.0, 200.0)
AGES = {
    "ckd-epi-2021-cr": st.floats(18.0, 120.0),
    "ckd-epi-2021-cr-cys": st.floats(18.0, 120.0),
    "ckd-epi-2012-cys": st.floats(18.0, 120.0),
    "ckid-u25-cr": st.floats(1.0, 25.0),
    "ckid-u25-cys": st.floats(1.0, 25.0),
    "ckid-u25-avg": st.floats(1.0, 25.0),
    "schwartz-bedside": st.floats(1.0, 17.99),
}
USES_CREATININE = [
    "ckd-epi-2021-cr", "ckd-epi-2021-cr-cys", "ckid-u25-cr", "ckid-u25-avg", "schwartz-bedside",
]


@pytest.mark.parametrize("equation", USES_CREATININE)
@given(data=st.data(), sex=SEX, low=CREATININE, high=CREATININE, cys=CYSTATIN, height=U25_HEIGHT)
def test_egfr_falls_as_creatinine_rises(
    equation: str, data: st.DataObject, sex: str, low: float, high: float, cys: float, height: float
) -> None:
    assume(high > low * (1 + 1e-6))
    age = data.draw(AGES[equation])
    inputs = {"age": age, "sex": sex, "cystatin_c": cys, "height_cm": height}
    assert egfr(equation, creatinine=high, **inputs) < egfr(equation, creatinine=low, **inputs)  # type: ignore[arg-type]


@pytest.mark.parametrize("equation", sorted(EQUATIONS))
@given(data=st.data(), sex=SEX, scr=CREATININE, cys=CYSTATIN, height=U25_HEIGHT)
def test_egfr_is_finite_and_positive(
    equation: str, data: st.DataObject, sex: str, scr: float, cys: float, height: float
) -> None:
    age = data.draw(AGES[equation])
    value = egfr(equation, age=age, sex=sex, creatinine=scr, cystatin_c=cys, height_cm=height)
    assert math.isfinite(value) and value > 0


@given(age=st.floats(1.0, 120.0), sex=SEX, scr=st.one_of(st.none(), CREATININE),
       cys=st.one_of(st.none(), CYSTATIN), height=st.one_of(st.none(), U25_HEIGHT))
def test_chooser_gives_a_positive_value_or_a_named_error(
    age: float, sex: str, scr: float | None, cys: float | None, height: float | None
) -> None:
    try:
        estimate = estimate_egfr(age=age, sex=sex, creatinine=scr, cystatin_c=cys, height_cm=height)
    except InputError as err:
        assert err.field in {"creatinine", "height_cm"}
        return
    assert math.isfinite(estimate.value) and estimate.value > 0
    assert estimate.equation in EQUATIONS
