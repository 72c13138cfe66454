"""Types every knowledge-base item shares: references, certainty, review dates, cross-links.

Each data file under ``knowledge/data/`` is validated by one of the models in this package at load
time and in tests. An item says which references it cites and which other items it links to, so the
loader can check referential integrity in one place (an unknown id anywhere is an error).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

# A reference id is the identifier itself, so two files citing the same paper agree on its id:
# "pmid:34894070", "doi:10.1056/NEJMoa2001180", "nct:NCT01639339", "url:https://...",
# or "guideline:kdigo2024" for a whole guideline document.
RefId = Annotated[str, Field(pattern=r"^(pmid|doi|nct|url|guideline|label):\S+$")]

# Stable item ids: lowercase words joined by '-' or '.', e.g. "bliss-ln", "kdigo2024-rec-10.2.3.1.1".
ItemId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")]

# How firmly a fact is known (shared/domain/guidelines.md legend):
# V: checked against the guideline text, label or primary paper; S: secondary sources agree;
# R: unconfirmed. A rule may rest on V or S facts, never on R.
Certainty = Literal["V", "S", "R"]

# Verification of a trial figure, as the column 'verified' of shared/domain/trials.csv says it.
Verified = Literal["yes", "partial", "no"]

Guideline = Literal["eular2019", "eular2023", "eular2025", "kdigo2024", "acr2024", "acr2020", "aao2016"]


class KBModel(BaseModel):
    """Base of every knowledge model: unknown keys are errors, loaded items are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Link(KBModel):
    """A pointer from one item to another, checked by the loader."""

    kind: Literal["therapy", "trial", "statement", "definition", "reference"]
    id: str


class KBItem(KBModel):
    """An item of the knowledge base: a stable id and the date a person last reviewed it."""

    id: ItemId
    last_reviewed: date

    def cited_references(self) -> Iterator[str]:
        """Reference ids this item cites anywhere inside it (overridden by each kind)."""
        return iter(())

    def links(self) -> Iterator[Link]:
        """Other knowledge items this one points to (overridden by each kind)."""
        return iter(())


class Reference(KBModel):
    """A publication, registry record, label or web page that a fact rests on."""

    id: RefId
    title: str
    year: int | None = None
    authors: str | None = None
    journal: str | None = None
    pmid: str | None = Field(default=None, pattern=r"^\d{5,9}$")
    doi: str | None = None
    registry_id: str | None = None
    url: str | None = None
    note: str | None = None
