"""Which drugs this patient must not receive (placeholder: allergies only, while safety is written)."""

from __future__ import annotations

from collections.abc import Sequence

from lncare.engine.context import Context
from lncare.model.plan import Exclusion, Recommendation


def exclusions(ctx: Context, proposed: Sequence[Recommendation]) -> dict[str, Exclusion]:
    """Therapy id -> why it is excluded for this patient, given the lines the rules propose."""
    return {
        therapy_id: Exclusion(
            drug=therapy_id, reason="listed allergy", because={"allergies": list(ctx.patient.allergies)}
        )
        for therapy_id in ctx.allergies
    }
