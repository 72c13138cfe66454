"""ISN/RPS class parsing and the class predicates (Weening 2004; Bajema 2018)."""

from __future__ import annotations

import pytest

from lncare.calc.pathology import (
    is_advanced_sclerosing,
    is_proliferative,
    is_pure_membranous,
    isn_rps_classes,
)
from lncare.errors import InputError


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["IV", "V"], ("IV", "V")),
        (["V", "IV"], ("IV", "V")),
        (["3"], ("III",)),
        (["iv"], ("IV",)),
        (["Class IV"], ("IV",)),
        # IV-S/IV-G and the A, A/C, C labels were abolished in 2018 (Bajema 2018): kept as plain IV/III.
        (["IV-G"], ("IV",)),
        (["IV-S (A/C)"], ("IV",)),
        (["III (C)"], ("III",)),
        (["III+V"], ("III", "V")),
        (["IV + V"], ("IV", "V")),
        ("III+V", ("III", "V")),
        (["4", "IV-G"], ("IV",)),
        (["1"], ("I",)),
        (["II"], ("II",)),
        (["6"], ("VI",)),
    ],
)
def test_classes_are_normalised(given: list[str] | str, expected: tuple[str, ...]) -> None:
    assert isn_rps_classes(given) == expected


@pytest.mark.parametrize(
    "given",
    [
        ["III", "IV"],  # focal (< 50%) and diffuse (>= 50%) exclude each other
        ["II", "V"],  # only III+V and IV+V are combined diagnoses in ISN/RPS 2003
        ["VI", "IV"],  # VI means no residual activity
        ["V", "VI"],
        ["I", "II"],
        ["I", "V"],
    ],
)
def test_impossible_combinations_are_rejected(given: list[str]) -> None:
    with pytest.raises(InputError) as err:
        isn_rps_classes(given)
    assert err.value.field == "biopsy.classes"
    assert "III+V or IV+V" in str(err.value)


@pytest.mark.parametrize("given", [["VII"], ["II-G"], ["V (A)"], ["IVX"], ["0"], ["membranous"], [""]])
def test_unknown_classes_name_the_entry(given: list[str]) -> None:
    with pytest.raises(InputError) as err:
        isn_rps_classes(given, field="classes")
    assert err.value.field == "classes[0]"
    assert str(err.value).startswith(f"classes[0]: {given[0]!r}")
    assert "I, II, III, IV, V or VI" in str(err.value)


def test_empty_list_is_rejected() -> None:
    with pytest.raises(InputError, match=r"^biopsy\.classes: \[\] needs at least one"):
        isn_rps_classes([])


@pytest.mark.parametrize(
    ("classes", "proliferative", "pure_v", "sclerosing"),
    [
        (["I"], False, False, False),
        (["II"], False, False, False),
        (["III"], True, False, False),
        (["IV"], True, False, False),
        (["III", "V"], True, False, False),
        (["IV", "V"], True, False, False),
        (["V"], False, True, False),
        (["VI"], False, False, True),
    ],
)
def test_predicates(classes: list[str], proliferative: bool, pure_v: bool, sclerosing: bool) -> None:
    assert is_proliferative(classes) is proliferative
    assert is_pure_membranous(classes) is pure_v
    assert is_advanced_sclerosing(classes) is sclerosing
