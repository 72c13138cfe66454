"""Expected benefit of candidate regimens from matching trials (placeholder while it is written)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lncare.engine.context import Context
from lncare.model.plan import Exclusion, Option, Recommendation


def options_for(
    ctx: Context, recommendations: Sequence[Recommendation], excluded: Mapping[str, Exclusion]
) -> list[Option]:
    """Candidate regimens with the trial results that apply to this patient."""
    return []
