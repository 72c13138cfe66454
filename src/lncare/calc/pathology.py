"""Renal pathology of lupus nephritis: ISN/RPS classes and the modified NIH activity/chronicity indices.

Sources:
- ISN/RPS 2003: Weening JJ et al., J Am Soc Nephrol 2004;15:241-50 and Kidney Int 2004;65:521-30
  (class definitions as reproduced in PMC3367406, table 1: "Class V lupus nephritis may occur in
  combination with class III or IV in which case both will be diagnosed"; class VI is ">= 90% of
  glomeruli globally sclerosed without residual activity").
- 2018 revision: Bajema IM et al., Kidney Int 2018;93:789-96. It keeps classes I-VI, abolishes the
  IV-S/IV-G split and the A, A/C and C labels, and reports the modified NIH indices for every class.
- Modified NIH activity (0-24) and chronicity (0-12) indices, as adopted by Bajema 2018: each lesion is
  graded 0 absent, 1 < 25%, 2 25-50%, 3 > 50% (of glomeruli for glomerular lesions, of cortex for
  tubulointerstitial ones); fibrinoid necrosis and cellular/fibrocellular crescents count twice.
  Checked: items, bins and doubling against shared/domain/calculators.md section 7c (verified there
  against Bajema 2018 and a Lupus Sci Med table) and the bins against PMC9386217 table 1.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from lncare.errors import InputError, one_of

# Canonical ISN/RPS classes in their natural order; the tuple index is the sort key.
CLASSES: tuple[str, ...] = ("I", "II", "III", "IV", "V", "VI")

# Class names of ISN/RPS 2003 (Weening 2004), unchanged by the 2018 revision.
CLASS_NAMES: MappingProxyType[str, str] = MappingProxyType({
    "I": "minimal mesangial", "II": "mesangial proliferative", "III": "focal", "IV": "diffuse",
    "V": "membranous", "VI": "advanced sclerosing",
})

# The only multi-class diagnoses ISN/RPS 2003 allows: membranous (V) together with focal (III) or
# diffuse (IV) LN (Weening 2004). III with IV is contradictory (< 50% vs >= 50% of glomeruli);
# VI excludes residual activity; I and II are superseded by any higher class.
_ALLOWED_COMBINATIONS: frozenset[tuple[str, ...]] = frozenset({("III", "V"), ("IV", "V")})

_ARABIC = {"1": "I", "2": "II", "3": "III", "4": "IV", "5": "V", "6": "VI"}
_CLASS_PATTERN = re.compile(r"^(VI|IV|V|III|II|I|[1-6])(.*)$")
# 2003 qualifiers that the 2018 revision abolished: segmental/global for IV, and the activity
# labels A, A/C, C for III and IV. They are accepted on input and dropped, as the 2018 revision does.
_SEGMENTAL_GLOBAL = re.compile(r"^\s*-?\s*[SG]")
_ACTIVITY_LABEL = re.compile(r"^\s*-?\s*\(?\s*(A/C|A|C)\s*\)?\s*$")
_PREFIX = re.compile(r"^(ISN/RPS\s*)?(LN\s*)?(CLASS\s*)?")


def isn_rps_classes(classes: Sequence[str], field: str = "biopsy.classes") -> tuple[str, ...]:
    """Validate an ISN/RPS class list and return it canonical and sorted, e.g. ``("IV", "V")``.

    Accepts Roman or Arabic numerals ("IV", "4"), a "class" prefix, the 2003 qualifiers that the
    2018 revision dropped ("IV-G", "III (A/C)") and combined entries ("III+V"). Raises
    :class:`InputError` naming ``field`` for an unknown class or an impossible combination.
    """
    entries = [classes] if isinstance(classes, str) else list(classes)
    if not entries:
        raise InputError(field, [], f"needs at least one ISN/RPS class ({one_of(list(CLASSES))})")
    found: set[str] = set()
    for index, entry in enumerate(entries):
        where = field if isinstance(classes, str) else f"{field}[{index}]"
        if not isinstance(entry, str):
            raise InputError(where, entry, f"is not an ISN/RPS class (use {one_of(list(CLASSES))})")
        for part in re.split(r"[+,]", entry):
            found.add(_one_class(part, entry, where))
    canonical = tuple(sorted(found, key=CLASSES.index))
    if len(canonical) > 1 and canonical not in _ALLOWED_COMBINATIONS:
        raise InputError(
            field,
            "+".join(canonical),
            "is not a possible ISN/RPS combination (only III+V or IV+V may be reported together)",
        )
    return canonical


def _one_class(part: str, entry: str, field: str) -> str:
    text = _PREFIX.sub("", part.strip().upper()).strip()
    match = _CLASS_PATTERN.match(text)
    if match is None:
        raise InputError(field, entry, f"is not an ISN/RPS class (use {one_of(list(CLASSES))})")
    name = _ARABIC.get(match.group(1), match.group(1))
    rest = match.group(2)
    if name == "IV" and (sg := _SEGMENTAL_GLOBAL.match(rest)) is not None:
        rest = rest[sg.end() :]
    if rest.strip() == "" or (name in ("III", "IV") and _ACTIVITY_LABEL.match(rest)):
        return name
    raise InputError(field, entry, f"is not an ISN/RPS class (use {one_of(list(CLASSES))})")


def is_proliferative(classes: Sequence[str]) -> bool:
    """True for focal (III) or diffuse (IV) LN, with or without V: the proliferative classes."""
    return any(c in ("III", "IV") for c in isn_rps_classes(classes))


def is_pure_membranous(classes: Sequence[str]) -> bool:
    """True for class V alone (not III+V or IV+V, which are treated as proliferative)."""
    return isn_rps_classes(classes) == ("V",)


def is_advanced_sclerosing(classes: Sequence[str]) -> bool:
    """True for class VI: >= 90% of glomeruli globally sclerosed without residual activity."""
    return "VI" in isn_rps_classes(classes)


Basis = Literal["glomeruli", "cortex"]


@dataclass(frozen=True)
class Lesion:
    """A lesion scored by an NIH index: id, name, what its percentage is of, and its multiplier."""

    name: str
    label: str
    basis: Basis
    multiplier: int


ACTIVITY_LESIONS: tuple[Lesion, ...] = (
    Lesion("endocapillary_hypercellularity", "Endocapillary hypercellularity", "glomeruli", 1),
    Lesion("neutrophils_karyorrhexis", "Neutrophils and/or karyorrhexis", "glomeruli", 1),
    Lesion("fibrinoid_necrosis", "Fibrinoid necrosis", "glomeruli", 2),
    Lesion("hyaline_deposits", "Hyaline deposits (wire loops and/or hyaline thrombi)", "glomeruli", 1),
    Lesion("cellular_fibrocellular_crescents", "Cellular and/or fibrocellular crescents", "glomeruli", 2),
    Lesion("interstitial_inflammation", "Interstitial inflammation", "cortex", 1),
)
CHRONICITY_LESIONS: tuple[Lesion, ...] = (
    Lesion("glomerulosclerosis", "Total glomerulosclerosis (global and/or segmental)", "glomeruli", 1),
    Lesion("fibrous_crescents", "Fibrous crescents", "glomeruli", 1),
    Lesion("tubular_atrophy", "Tubular atrophy", "cortex", 1),
    Lesion("interstitial_fibrosis", "Interstitial fibrosis", "cortex", 1),
)


@dataclass(frozen=True)
class LesionScore:
    """One lesion's contribution: the percentage given, its 0-3 grade and its points (grade x multiplier)."""

    lesion: Lesion
    percent: float
    grade: int
    points: int


@dataclass(frozen=True)
class NihIndex:
    """A modified NIH index: its total, its maximum and the score of every lesion."""

    name: Literal["activity", "chronicity"]
    total: int
    maximum: int
    items: tuple[LesionScore, ...]


def checked_percent(percent: object, field: str) -> float:
    """``percent`` as a float if it is a number from 0 to 100, else an InputError naming ``field``."""
    if isinstance(percent, bool) or not isinstance(percent, int | float) or not math.isfinite(percent):
        raise InputError(field, percent, "is not a percentage (use a number from 0 to 100)")
    if not 0 <= percent <= 100:
        raise InputError(field, percent, "is outside 0-100 percent")
    return float(percent)


def lesion_grade(percent: float, field: str) -> int:
    """Grade 0-3 of a lesion extent in percent: 0 absent, 1 < 25, 2 25-50 (both ends), 3 > 50."""
    percent = checked_percent(percent, field)
    if percent == 0:
        return 0
    if percent < 25:
        return 1
    return 2 if percent <= 50 else 3


def nih_activity_index(
    *,
    endocapillary_hypercellularity: float,
    neutrophils_karyorrhexis: float,
    fibrinoid_necrosis: float,
    hyaline_deposits: float,
    cellular_fibrocellular_crescents: float,
    interstitial_inflammation: float,
) -> NihIndex:
    """Modified NIH activity index (0-24) from lesion extents in percent (Bajema 2018)."""
    return _index("activity", ACTIVITY_LESIONS, {
        "endocapillary_hypercellularity": endocapillary_hypercellularity,
        "neutrophils_karyorrhexis": neutrophils_karyorrhexis,
        "fibrinoid_necrosis": fibrinoid_necrosis,
        "hyaline_deposits": hyaline_deposits,
        "cellular_fibrocellular_crescents": cellular_fibrocellular_crescents,
        "interstitial_inflammation": interstitial_inflammation,
    })


def nih_chronicity_index(
    *,
    glomerulosclerosis: float,
    fibrous_crescents: float,
    tubular_atrophy: float,
    interstitial_fibrosis: float,
) -> NihIndex:
    """Modified NIH chronicity index (0-12) from lesion extents in percent (Bajema 2018)."""
    return _index("chronicity", CHRONICITY_LESIONS, {
        "glomerulosclerosis": glomerulosclerosis,
        "fibrous_crescents": fibrous_crescents,
        "tubular_atrophy": tubular_atrophy,
        "interstitial_fibrosis": interstitial_fibrosis,
    })


def _index(
    name: Literal["activity", "chronicity"], lesions: tuple[Lesion, ...], percents: dict[str, float]
) -> NihIndex:
    items = []
    for lesion in lesions:
        percent = percents[lesion.name]
        grade = lesion_grade(percent, lesion.name)
        items.append(LesionScore(lesion, float(percent), grade, grade * lesion.multiplier))
    maximum = sum(3 * lesion.multiplier for lesion in lesions)
    return NihIndex(name, sum(item.points for item in items), maximum, tuple(items))
