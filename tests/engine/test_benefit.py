"""Patient-specific evidence: which trials apply, their figures, and honest population matching."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from lncare.engine.benefit import figures_for, options_for
from lncare.engine.recommend import context
from lncare.evidence.lupus import lupus_analyses
from lncare.knowledge import load
from lncare.model.plan import Exclusion, Option, Recommendation

AS_OF = date(2026, 11, 27)


def _patient(classes: list[str] | None = ("IV",), upcr: float | None = 3.9, egfr: float | None = 78,
             age: int = 32) -> dict[str, Any]:  # fmt: skip
    # no creatinine: the assessment would compute its own eGFR from it, and these tests set eGFR directly
    labs: list[dict[str, Any]] = []
    if upcr is not None:
        labs.append({"test": "upcr", "value": upcr, "unit": "g/g", "date": "2026-11-17"})
    if egfr is not None:
        labs.append({"test": "egfr", "value": egfr, "unit": "mL/min/{1.73_m2}", "date": "2026-11-17"})
    record: dict[str, Any] = {"id": "t", "sex": "female", "age": age, "weight_kg": 62, "height_cm": 164,
                              "pregnancy": "none", "labs": labs, "medications": []}  # fmt: skip
    if classes:
        record["biopsy"] = {"date": "2026-11-10", "classes": list(classes)}
    return record


def _line(drug: str, category: str = "add_on", action: str = "consider") -> Recommendation:
    return Recommendation(id=f"{drug}-{action}", category=category, action=action, drug=drug,  # type: ignore[arg-type]
                          strength="suggested", text=drug, cites=("eular2023-test",))  # fmt: skip


def _options(record: dict[str, Any], *lines: Recommendation, excluded: dict[str, Exclusion] | None = None
             ) -> list[Option]:  # fmt: skip
    ctx = context(record, AS_OF, "eular2023")
    return options_for(ctx, list(lines), excluded or {})


def _aurora(record: dict[str, Any]) -> str:
    (option,) = _options(record, _line("mycophenolate mofetil", "induction", "start"), _line("voclosporin"))[
        1:
    ]
    row = next(e for e in option.expected if e.trial.startswith("AURORA 1"))
    return row.population_match


def test_voclosporin_option_carries_aurora_1_figures_from_the_paper() -> None:
    options = _options(_patient(), _line("mycophenolate mofetil", "induction", "start"), _line("voclosporin"))
    voclosporin = options[-1]
    assert voclosporin.regimen == ("mycophenolate mofetil", "voclosporin")
    row = next(e for e in voclosporin.expected if e.trial.startswith("AURORA 1"))
    # AURORA 1: CRR 40.8 % (73/179) vs 22.5 % (40/178) at week 52; RD by hand 0.18310, NNT 5.46
    assert (row.rate_treatment, row.rate_control) == (pytest.approx(73 / 179), pytest.approx(40 / 178))
    assert row.difference == pytest.approx(0.18310, abs=1e-4)
    assert row.nnt == pytest.approx(5.46, abs=0.01)
    assert row.timepoint_weeks == 52
    assert "UPCR <= 0.5" in row.definition
    assert row.population_match.startswith("within")
    assert row.nnt_ci is not None and row.nnt_ci[0] < row.nnt < row.nnt_ci[1]


def test_engine_and_evidence_tables_give_the_same_figures() -> None:
    row = next(
        e for e in _options(_patient(), _line("voclosporin"))[0].expected if e.trial.startswith("AURORA 1")
    )
    pooled = next(a for a in lupus_analyses(load()) if a.spec.id == "crr-1y").included[0]
    assert (row.difference, row.difference_ci) == (pooled.absolute.difference, pooled.absolute.difference_ci)


@pytest.mark.parametrize(
    ("record", "status", "fragment"),
    [
        (_patient(upcr=1.5), "within", "upcr 1.5"),  # AURORA 1: UPCR >= 1.5 mg/mg for class III/IV
        (_patient(upcr=1.2), "EXTRAPOLATED", "upcr 1.2"),
        (_patient(classes=["V"], upcr=1.8), "EXTRAPOLATED", ">= 2"),  # pure class V needs >= 2 mg/mg
        (_patient(classes=["V"], upcr=2.5), "within", "upcr 2.5"),
        (_patient(egfr=45), "EXTRAPOLATED", "> 45"),  # eGFR > 45: 45 itself is outside
        (_patient(egfr=46), "within", "egfr 46"),
        (_patient(age=76), "EXTRAPOLATED", "age 76"),  # ages 18-75
        (_patient(classes=["II"]), "EXTRAPOLATED", "class II"),
        (_patient(classes=None), "not checked", "no biopsy class"),
        (_patient(upcr=None), "not checked", "no upcr"),
    ],
)
def test_population_matching_edges(record: dict[str, Any], status: str, fragment: str) -> None:
    text = _aurora(record)
    assert text.startswith(status), text
    assert fragment in text, text


def test_add_on_shows_only_placebo_controlled_trials() -> None:
    (belimumab,) = _options(_patient(), _line("belimumab"))
    trials = {e.trial.split(":")[0] for e in belimumab.expected}
    assert "BLISS-LN" in trials
    assert "CALIBRATE" not in trials  # belimumab after rituximab + cyclophosphamide, not on standard therapy


def test_bliss_ln_uses_derived_counts_and_says_so() -> None:
    (belimumab,) = _options(_patient(), _line("belimumab"))
    crr = next(e for e in belimumab.expected if "CRR" in e.endpoint)
    # BLISS-LN CRR 30 % vs 20 % of 224 per arm at week 104 (Furie, NEJM 2020)
    assert "67/224 vs 45/224" in crr.endpoint and "derived" in crr.endpoint
    assert crr.timepoint_weeks == 104


def test_excluded_drug_gets_no_option() -> None:
    barred = {"voclosporin": Exclusion(drug="voclosporin", reason="eGFR below the start bar")}
    assert _options(_patient(), _line("voclosporin"), excluded=barred) == []


def test_drug_without_trials_says_so() -> None:
    (option,) = _options(_patient(), _line("tacrolimus", "induction", "start"))
    assert option.expected == ()
    assert option.note is not None and "no verified randomised" in option.note


def test_stop_or_continue_lines_are_not_candidates() -> None:
    assert (
        _options(_patient(), _line("voclosporin", action="stop"), _line("belimumab", action="continue")) == []
    )


def test_trial_figures_are_read_once_per_knowledge_base() -> None:
    assert figures_for(load()) is figures_for(load())
