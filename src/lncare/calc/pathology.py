"""Renal pathology of lupus nephritis: ISN/RPS classes and the modified NIH activity/chronicity indices.

Sources:
- ISN/RPS 2003: Weening JJ et al., J Am Soc Nephrol 2004;15:241-50 and Kidney Int 2004;65:521-30
  (class definitions as reproduced in PMC3367406, table 1: "Class V lupus nephritis may occur in
  combination with class III or IV in which case both will be diagnosed"; class VI is ">= 90% of
  glomeruli globally sclerosed without residual activity").
- 2018 revision: Bajema IM et al., Kidney Int 2018;93:789-96. It keeps classes I-VI, abolishes the
  IV-S/IV-G split and the A, A/C and C labels, and reports the modified NIH indices for every class.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lncare.errors import InputError, one_of

# Canonical ISN/RPS classes in their natural order; the tuple index is the sort key.
CLASSES: tuple[str, ...] = ("I", "II", "III", "IV", "V", "VI")

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
