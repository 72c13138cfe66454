"""The closed vocabularies the patient form offers, taken from the record's own model so the page and the
validator cannot drift apart: lab tests with their accepted units, dose units, frequencies, routes,
conditions, pregnancy states, ISN/RPS classes and the drug names the knowledge base resolves."""

from __future__ import annotations

from functools import cache
from typing import Any, get_args

from lncare import knowledge
from lncare.calc.egfr import EQUATIONS
from lncare.calc.pathology import CLASSES
from lncare.model.units import LAB_TESTS
from lncare.model.vocabulary import CONDITIONS, DoseUnit, Frequency, Pregnancy, Route, Sex


@cache
def vocabulary() -> dict[str, Any]:
    """Everything the form's selects and lists need, as JSON values."""
    kb = knowledge.load()
    return {
        "tests": {name: {"canonical": t.canonical, "units": list(t.units), "label": t.label}
                  for name, t in LAB_TESTS.items()},
        "sex": list(get_args(Sex)),
        "pregnancy": list(get_args(Pregnancy)),
        "frequencies": list(get_args(Frequency)),
        "routes": list(get_args(Route)),
        "dose_units": list(get_args(DoseUnit)),
        "conditions": list(CONDITIONS),
        "classes": list(CLASSES),
        "drugs": sorted({t.name for t in kb.therapies.values()}),
        "equations": dict(EQUATIONS),
    }
