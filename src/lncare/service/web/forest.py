"""The committed forest plots of the add-on analyses (``docs/evidence/``, written by ``lncare evidence
lupus``), listed with their titles from the analyses' JSON so the page can caption them."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from lncare.errors import InputError

EVIDENCE = Path(__file__).resolve().parents[4] / "docs" / "evidence"
# The file names lncare evidence lupus writes: lupus-<analysis id>-<measure>.svg
MEASURES = {"or": "odds ratio", "rd": "risk difference"}


class Plot(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str  # file stem, e.g. lupus-crr-1y-or
    analysis: str
    title: str
    measure: str  # or | rd


@cache
def plots() -> tuple[Plot, ...]:
    """The forest plots present, in the order of the analyses."""
    source = EVIDENCE / "lupus.json"
    if not source.is_file():
        return ()
    analyses = json.loads(source.read_text(encoding="utf-8"))["analyses"]
    found = []
    for analysis in analyses:
        for measure in MEASURES:
            name = f"lupus-{analysis['id']}-{measure}"
            if (EVIDENCE / f"{name}.svg").is_file():
                title = analysis["title"]
                found.append(Plot(name=name, analysis=analysis["id"], title=title, measure=measure))
    return tuple(found)


def plot_svg(name: str) -> bytes:
    """The SVG of the plot called ``name``; InputError names ``name`` when there is none."""
    if name not in {p.name for p in plots()}:
        raise InputError("name", name, "is not a forest plot (GET /web/evidence lists them)")
    return (EVIDENCE / f"{name}.svg").read_bytes()
