"""The example patients of the repository (``examples/``), offered one click away on the page.

They are read from the source tree, next to the package; an installation without the tree lists none
(the page then offers upload and the form only).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from lncare.errors import InputError, one_of

EXAMPLES = Path(__file__).resolve().parents[4] / "examples"

Format = Literal["record", "fhir"]


class Example(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str  # file stem, e.g. p03-class-iii-induction
    id: str
    story: str | None
    fhir: bool  # a FHIR R4 Bundle of the same patient is there too


@cache
def examples() -> tuple[Example, ...]:
    """Every example record, by name."""
    found = []
    for path in sorted(EXAMPLES.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        notes = record.get("notes") or {}
        story = notes.get("story") if isinstance(notes, dict) else None
        found.append(Example(name=path.stem, id=str(record.get("id", path.stem)), story=story,
                             fhir=(EXAMPLES / "fhir" / path.name).is_file()))
    return tuple(found)


def example(name: str, form: Format = "record") -> dict[str, Any]:
    """The example called ``name`` as a record or as its FHIR Bundle; InputError names ``name`` otherwise."""
    known = {e.name: e for e in examples()}
    if name not in known:
        allowed = one_of(sorted(known)) or "none: this installation has no examples/"
        raise InputError("name", name, f"is not an example (use {allowed})")
    if form == "fhir" and not known[name].fhir:
        raise InputError("format", form, f"is not available for {name} (use record)")
    folder = EXAMPLES / "fhir" if form == "fhir" else EXAMPLES
    data: dict[str, Any] = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    return data
