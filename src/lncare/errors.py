"""The one error type for bad input: it names the field, the value and what would be accepted."""

from __future__ import annotations

from typing import Any


class InputError(ValueError):
    """Input a person gave that lncare cannot use.

    ``str(err)`` is one line, e.g.
    ``labs[3].unit: 'mmol/L' is not a unit for upcr (use g/g, mg/g, mg/mg or mg/mmol)``.
    The CLI prints it and exits with 2; the service returns it in a 4xx problem body.
    """

    def __init__(self, field: str, value: Any, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}: {reason}" if value is _MISSING else f"{field}: {value!r} {reason}")

    @classmethod
    def missing(cls, field: str, hint: str = "") -> InputError:
        """A required value that was not given: ``--age: is required but missing``."""
        return cls(field, _MISSING, "is required but missing" + (f" ({hint})" if hint else ""))


# Marks "no value was given", which must read differently from a value of None that was given.
_MISSING: Any = object()


def one_of(options: list[str] | tuple[str, ...]) -> str:
    """Human list of allowed values: 'a, b or c'."""
    items = list(options)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def field_path(loc: tuple[int | str, ...]) -> str:
    """('labs', 3, 'unit') -> 'labs[3].unit', the way a person would point at the field."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "record"


def from_validation_error(err: Any, prefix: tuple[int | str, ...] = ()) -> InputError:
    """The first problem of a pydantic ``ValidationError`` as an :class:`InputError`."""
    first = err.errors(include_url=False)[0]
    loc = prefix + tuple(part for part in first["loc"] if not _is_union_tag(part))
    reason = str(first["msg"])
    if reason.startswith("Value error, "):
        reason = reason[len("Value error, ") :]
    value = first.get("input")
    if first["type"] == "missing":
        return InputError.missing(field_path(loc))
    return InputError(field_path(loc), value, f"is not accepted: {reason}")


def _is_union_tag(part: int | str) -> bool:
    # pydantic adds the chosen union member or validator name to 'loc'; a person never typed it.
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))
