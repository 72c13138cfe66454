"""The Python API: filters, lookups by id and by any drug name, and errors that suggest close matches."""

from __future__ import annotations

import pytest

from lncare import knowledge
from lncare.errors import InputError


def test_trials_by_drug_accept_the_inn_the_id_and_a_synonym() -> None:
    by_id = [t.id for t in knowledge.trials(drug="belimumab")]
    assert {"bliss-ln", "calibrate", "bliss-ln-ole"} <= set(by_id)
    assert [t.id for t in knowledge.trials(drug="Belimumab")] == by_id


def test_phase_3_includes_phase_2_3_and_excludes_phase_2() -> None:
    ids = {t.id for t in knowledge.trials(phase="3")}
    assert {"explorer", "bliss-ln", "regency", "aurora-1"} <= ids  # EXPLORER was phase 2/3
    assert "tulip-ln" not in ids and "nobility" not in ids  # both phase 2


def test_phase_2_includes_phase_2b() -> None:
    assert "vision-dmd-vamorolone" in {t.id for t in knowledge.trials(phase="2")}


def test_therapy_by_name_resolves_names_ignoring_case_and_separators() -> None:
    assert knowledge.therapy_by_name("Mycophenolate Mofetil").id == "mycophenolate-mofetil"
    assert knowledge.therapy_by_name("mycophenolate_mofetil").id == "mycophenolate-mofetil"


def test_unknown_names_and_values_raise_with_suggestions() -> None:
    with pytest.raises(InputError, match=r"did you mean voclosporin"):
        knowledge.therapy_by_name("voclosporine")
    with pytest.raises(InputError) as caught:
        knowledge.therapies(status="aproved")
    assert caught.value.field == "status" and "approved" in caught.value.reason


def test_get_finds_every_kind() -> None:
    assert knowledge.get("bliss-ln").id == "bliss-ln"
    assert knowledge.get("pmid:32937045").id == "pmid:32937045"
    assert knowledge.get("therapy:allogeneic-cd19-car-t").id == "allogeneic-cd19-car-t"


def test_trial_numbers_are_typed_for_the_engine() -> None:
    perr = knowledge.get("bliss-ln").endpoint("perr-104w")  # type: ignore[union-attr]
    assert perr.effect is not None and perr.effect.type == "OR"
    aurora = knowledge.get("aurora-1")
    assert hasattr(aurora, "population")
    # AURORA 1 entry: UPCR >= 1.5 mg/mg (class III/IV) or >= 2 mg/mg (pure class V), eGFR > 45 (trials.md 11).
    criteria = {(c.test, c.scope): (c.op, c.canonical_value()) for c in aurora.population.inclusion}  # type: ignore[union-attr]
    assert criteria == {
        ("upcr", "class-iii-iv"): (">=", 1.5),
        ("upcr", "pure-class-v"): (">=", 2.0),
        ("egfr", "all"): (">", 45.0),
    }


def test_zheng_creatinine_bar_converts_to_mg_dl() -> None:
    trial = knowledge.get("zheng-2022-tacrolimus-vs-ivcy")
    creatinine = next(c for c in trial.population.inclusion if c.test == "creatinine")  # type: ignore[union-attr]
    # 260 umol/L / 88.4 umol/L per mg/dL (model/units.py) = 2.94 mg/dL.
    assert creatinine.canonical_value() == pytest.approx(2.941, abs=1e-3)


def test_recorded_discrepancies_with_the_founding_review() -> None:
    assert knowledge.get("tulip-ln").phase == "2"  # type: ignore[union-attr]
    zheng = knowledge.get("zheng-2022-tacrolimus-vs-ivcy")
    assert any("314" in d.fact for d in zheng.discrepancies)  # type: ignore[union-attr]
    regency = knowledge.get("regency")
    assert [e.id for e in regency.endpoints if e.role == "primary"] == ["crr-76w"]  # type: ignore[union-attr]
    assert regency.discrepancies  # type: ignore[union-attr]


def test_content_version_matches_kb_yaml_and_the_changelog() -> None:
    version = knowledge.content_version()
    changelog = (knowledge.load.__globals__["data_dir"]() / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {version.version} ({version.released.isoformat()})" in changelog
