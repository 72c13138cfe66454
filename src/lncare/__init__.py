"""lncare: decision support for lupus nephritis.

The public API grows with the package: calculators live in :mod:`lncare.calc`, the patient record in
:mod:`lncare.model`, the knowledge base in :mod:`lncare.knowledge`, and the clinical engine behind
:func:`recommend` and :func:`assess` (DESIGN.md, contract 3)::

    import lncare
    plan = lncare.recommend("patient.json", as_of=date(2026, 11, 27), guideline="kdigo2024")
    plan.model_dump(mode="json")                                   # contract 2

``import lncare`` stays light: the engine and the knowledge base load on the first call.
"""

from __future__ import annotations

from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lncare.model.patient import Patient
    from lncare.model.plan import Assessment, Plan

try:
    __version__ = version("lncare")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

# The engine's default profile (lncare.engine.profile.DEFAULT_PROFILE), repeated here so that the
# signature reads without importing the engine; a test keeps the two equal.
DEFAULT_GUIDELINE = "eular2023"


def recommend(
    patient: Patient | dict[str, Any] | str | Path, as_of: date, guideline: str = DEFAULT_GUIDELINE
) -> Plan:
    """The plan for ``patient`` (a record dict, a JSON file path, JSON text or a Patient) on ``as_of``.

    ``guideline`` is eular2023, kdigo2024 or acr2024. Bad input raises :class:`lncare.errors.InputError`.
    """
    from lncare.engine import recommend as make_plan

    return make_plan(patient, as_of, guideline)


def assess(
    patient: Patient | dict[str, Any] | str | Path, as_of: date, guideline: str = DEFAULT_GUIDELINE
) -> Assessment:
    """Where ``patient`` stands on ``as_of`` under ``guideline``: the plan's assessment alone."""
    from lncare.engine import assess as make_assessment

    return make_assessment(patient, as_of, guideline)


__all__ = ["__version__", "assess", "recommend"]
