"""The example patients load, and each is what its file name says (facts checked against the file's story)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from lncare.model import Patient, load_patient

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
AS_OF = date(2026, 11, 27)
FILES = sorted(EXAMPLES.glob("*.json"))


def example(stem: str) -> Patient:
    return load_patient(EXAMPLES / f"{stem}.json", as_of=AS_OF)


def drugs_on(patient: Patient) -> set[str]:
    return {m.drug for m in patient.active_medications(AS_OF)}


def test_there_are_at_least_twelve_examples() -> None:
    assert len(FILES) >= 12


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_example_loads_as_of_the_reference_date(path: Path) -> None:
    patient = load_patient(path, as_of=AS_OF)
    assert patient.notices == ()  # examples carry no duplicates or conflicting values
    assert patient.labs, "an example without labs tells the engine nothing"


def test_units_are_mixed_across_examples() -> None:
    units = {lab.unit for path in FILES for lab in load_patient(path).labs}
    assert {"umol/L", "mg/dL", "mg/mmol", "g/g", "mg/g", "g/L", "mg/day", "mmHg"} <= units


def test_new_class_iv_is_untreated() -> None:
    p = example("p01-class-iv-new")
    assert p.biopsy is not None and p.biopsy.classes == ("IV",)
    assert p.medications == ()
    upcr = p.latest("upcr", AS_OF)
    assert upcr is not None and upcr.canonical > 3.0


def test_class_ii() -> None:
    p = example("p02-class-ii-mesangial")
    assert p.biopsy is not None and p.biopsy.classes == ("II",)


def test_class_iii_on_induction() -> None:
    p = example("p03-class-iii-induction")
    assert p.biopsy is not None and p.biopsy.classes == ("III",)
    assert {"mycophenolate mofetil", "prednisone"} <= drugs_on(p)
    values = [v for _, v in p.series("upcr")]
    assert values == sorted(values, reverse=True)  # responding


def test_class_iii_plus_v() -> None:
    p = example("p04-class-iii-v-multitarget")
    assert p.biopsy is not None and p.biopsy.classes == ("III", "V")
    assert {"mycophenolate mofetil", "tacrolimus"} <= drugs_on(p)


def test_pure_class_v() -> None:
    p = example("p05-class-v-pure")
    assert p.biopsy is not None and p.biopsy.classes == ("V",)
    protein = p.latest("protein_24h", AS_OF)
    assert protein is not None and protein.canonical > 1.0  # g/24 h, above the ACR/EULAR 1 g threshold


def test_class_vi_on_dialysis() -> None:
    p = example("p06-class-vi-dialysis")
    assert p.biopsy is not None and p.biopsy.classes == ("VI",)
    assert {"dialysis", "esrd"} <= set(p.conditions)


def test_pregnant_with_active_ln() -> None:
    p = example("p07-pregnant-active-ln")
    assert p.pregnancy == "pregnant"
    assert "mycophenolate mofetil" not in drugs_on(p)
    first, last = p.series("upcr")[0][1], p.series("upcr")[-1][1]
    assert last > 3 * first  # proteinuria rising during pregnancy


def test_planning_pregnancy_on_mmf() -> None:
    p = example("p08-planning-pregnancy-on-mmf")
    assert p.pregnancy == "planning" and "mycophenolate mofetil" in drugs_on(p)


def test_reduced_egfr() -> None:
    p = example("p09-reduced-egfr-35")
    reported = p.latest("egfr", AS_OF)
    assert reported is not None and 30 <= reported.canonical <= 40


def test_child_of_twelve() -> None:
    p = example("p10-child-12-class-iv")
    assert p.age_at(AS_OF) == 12
    assert {m.unit for m in p.medications} >= {"mg/kg", "mg/m2"}


def test_renal_flare_on_maintenance() -> None:
    p = example("p11-renal-flare-on-maintenance")
    upcr = p.series("upcr")
    assert upcr[0][1] < 0.5 and upcr[-1][1] > 1.0
    assert "mycophenolate mofetil" in drugs_on(p)


def test_obese_on_hcq() -> None:
    p = example("p12-obese-on-hcq")
    assert p.weight_kg is not None and p.height_cm is not None
    assert p.weight_kg / (p.height_cm / 100) ** 2 >= 30  # WHO obesity threshold, BMI 30 kg/m2
    assert "hydroxychloroquine" in drugs_on(p)


def test_missing_weight() -> None:
    p = example("p13-missing-weight")
    assert p.weight_kg is None
