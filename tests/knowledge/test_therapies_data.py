"""The therapy files: they validate, cover the fixed ids, resolve names uniquely and agree with the sources.

Files are read with yaml.safe_load and validated with the Therapy model directly (not through the
loader). Expected values are written here from the label, guideline or paper named next to each one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from lncare.knowledge.schema.common import Reference
from lncare.knowledge.schema.therapy import Therapy

DATA = Path(__file__).resolve().parents[2] / "src" / "lncare" / "knowledge" / "data"
THERAPY_DIR = DATA / "therapies"
REFERENCE_FILE = DATA / "references" / "therapies.yaml"
SEED = Path(__file__).resolve().parents[3] / "shared" / "domain" / "seed-review-zh.txt"

# Defined with the guideline statements, so a therapy may cite them without defining them.
GUIDELINE_IDS = {
    f"guideline:{g}" for g in ("eular2019", "eular2023", "eular2025", "kdigo2024", "acr2024", "acr2020")
}

FIXED_IDS = [
    "hydroxychloroquine", "prednisone", "prednisolone", "methylprednisolone", "vamorolone",
    "mycophenolate-mofetil", "mycophenolic-acid", "cyclophosphamide", "azathioprine", "tacrolimus",
    "cyclosporine", "voclosporin", "leflunomide", "rituximab", "obinutuzumab", "belimumab",
    "telitacicept", "anifrolumab", "bi-655064", "daratumumab", "filgotinib", "lanraplenib",
    "zanubrutinib", "iberdomide", "dapagliflozin", "empagliflozin", "ace-inhibitor", "arb",
    "cd19-car-t", "bcma-cd19-car-t", "allogeneic-cd19-car-t", "teclistamab",
    # supportive agents the engine recommends
    "calcium-vitamin-d", "bisphosphonate", "trimethoprim-sulfamethoxazole", "statin",
    "low-dose-aspirin", "heparin", "warfarin",
]


@cache
def raw() -> dict[str, Any]:
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(THERAPY_DIR.glob("*.yaml"))}


@cache
def therapies() -> dict[str, Therapy]:
    return {stem: Therapy.model_validate(doc) for stem, doc in raw().items()}


def therapy(item_id: str) -> Therapy:
    return therapies()[item_id]


@pytest.mark.parametrize("stem", sorted(raw()))
def test_file_validates_and_is_named_by_its_id(stem: str) -> None:
    assert Therapy.model_validate(raw()[stem]).id == stem


@pytest.mark.parametrize("item_id", FIXED_IDS)
def test_fixed_id_present(item_id: str) -> None:
    assert item_id in therapies()


def _key(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().casefold())


def test_every_name_and_synonym_resolves_to_one_therapy() -> None:
    owners: dict[str, set[str]] = {}
    for item_id, t in therapies().items():
        for name in t.all_names():
            owners.setdefault(_key(name), set()).add(item_id)
    clashes = {name: ids for name, ids in owners.items() if len(ids) > 1}
    assert clashes == {}


def test_no_therapy_repeats_a_name() -> None:
    for t in therapies().values():
        repeated = [n for n, c in Counter(_key(n) for n in t.all_names()).items() if c > 1]
        assert repeated == [], t.id


def test_names_are_lowercase_and_drugs_have_a_chinese_name() -> None:
    for t in therapies().values():
        assert t.name == t.name.lower()
        if t.kind == "drug" and t.id not in {"bi-655064"}:  # a development code has no Chinese name
            assert any(s.kind == "zh" for s in t.synonyms), t.id


def test_references_file_validates_without_duplicates() -> None:
    refs = yaml.safe_load(REFERENCE_FILE.read_text(encoding="utf-8"))
    ids = [Reference.model_validate(r).id for r in refs]
    assert len(ids) == len(set(ids))


def test_every_cited_reference_is_defined() -> None:
    defined = {r["id"] for r in yaml.safe_load(REFERENCE_FILE.read_text(encoding="utf-8"))} | GUIDELINE_IDS
    for t in therapies().values():
        assert set(t.cited_references()) <= defined, (t.id, set(t.cited_references()) - defined)


def test_every_link_points_to_a_therapy_file() -> None:
    for t in therapies().values():
        for link in t.links():
            assert link.kind == "therapy"
            assert link.id in therapies(), (t.id, link.id)


def _facts(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "certainty" in node:
            yield node
        for value in node.values():
            yield from _facts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _facts(value)


def test_every_v_or_s_fact_has_a_source_in_the_files() -> None:
    # Walks the raw YAML, independent of the model's own validator.
    checked = 0
    for stem, doc in raw().items():
        for fact in _facts(doc):
            if fact["certainty"] in ("V", "S"):
                checked += 1
                assert fact.get("sources"), (stem, fact)
    assert checked > 100


def test_chinese_names_said_to_come_from_the_review_appear_in_it() -> None:
    seed = re.sub(r"\s+", "", SEED.read_text(encoding="utf-8"))
    for t in therapies().values():
        synonyms = [*t.synonyms, *(s for m in t.members for s in m.synonyms)]
        for s in synonyms:
            if s.kind == "zh" and s.note == "as written in the founding review":
                assert re.sub(r"\s+", "", s.name) in seed, (t.id, s.name)


# --- Spot checks against the sources -------------------------------------------------------------


def _approval(item_id: str, agency: str, indication: str) -> tuple[str, int | None]:
    found = [a for a in therapy(item_id).approvals if a.agency == agency and a.indication == indication]
    assert len(found) == 1, (item_id, agency, indication)
    return found[0].status, found[0].year


@pytest.mark.parametrize(
    ("item_id", "agency", "indication", "year"),
    [
        ("belimumab", "fda", "ln", 2020),  # FDA, 18 Dec 2020 (GSK announcement)
        ("belimumab", "fda", "sle", 2011),
        ("belimumab", "ema", "ln", 2021),  # European Commission, 5 May 2021
        ("belimumab", "nmpa", "ln", 2022),  # NMPA, announced 10 Feb 2022
        ("voclosporin", "fda", "ln", 2021),  # label: "Initial U.S. Approval: 2021"
        ("voclosporin", "ema", "ln", 2022),  # European Commission, Sept 2022
        ("obinutuzumab", "fda", "ln", 2025),  # FDA, October 2025
        ("telitacicept", "nmpa", "sle", 2021),  # conditional approval, March 2021
        ("anifrolumab", "fda", "sle", 2021),  # FDA, July/Aug 2021
    ],
)
def test_approval_years(item_id: str, agency: str, indication: str, year: int) -> None:
    assert _approval(item_id, agency, indication) == ("approved", year)


def test_no_ln_approval_for_off_label_standard_drugs() -> None:
    # Heo, Drugs 2021: MMF and IV CYC are recommended but not approved for LN; LUNAR missed its endpoint.
    for item_id in ("mycophenolate-mofetil", "cyclophosphamide", "rituximab"):
        assert _approval(item_id, "fda", "ln")[0] == "not_approved"


def test_hcq_ceiling_is_5_mg_per_kg_actual_weight() -> None:
    # AAO 2016 (Marmor): <= 5.0 mg/kg/day of real body weight; 60 kg -> <= 300 mg/day.
    limits = [d for d in therapy("hydroxychloroquine").max_dose if d.unit == "mg/kg"]
    assert len(limits) == 1
    limit = limits[0]
    assert (limit.amount, limit.weight_basis, limit.certainty) == (5, "actual", "V")
    assert limit.amount * 60 == 300


def test_hcq_tablet_is_200_mg() -> None:
    # Plaquenil label: 200 mg hydroxychloroquine sulfate (155 mg base) per tablet.
    assert [f.strength_mg for f in therapy("hydroxychloroquine").formulations] == [200]


def _prednisone_mg(item_id: str, mg: float) -> float:
    equivalence = therapy(item_id).glucocorticoid_equivalence
    assert equivalence is not None
    return mg * equivalence.prednisone_mg_per_mg


def test_glucocorticoid_equivalence() -> None:
    # Prednisolone label table: 15 mg prednisolone = 15 mg prednisone = 12 mg methylprednisolone,
    # i.e. 5 mg prednisone = 5 mg prednisolone = 4 mg methylprednisolone.
    assert _prednisone_mg("prednisone", 5) == pytest.approx(5)
    assert _prednisone_mg("prednisolone", 5) == pytest.approx(5)
    assert _prednisone_mg("methylprednisolone", 4) == pytest.approx(5)
    assert _prednisone_mg("methylprednisolone", 12) == pytest.approx(15)


def test_only_classic_glucocorticoids_carry_an_equivalence() -> None:
    with_factor = {i for i, t in therapies().items() if t.glucocorticoid_equivalence is not None}
    assert with_factor == {"prednisone", "prednisolone", "methylprednisolone"}


def test_voclosporin_label_facts() -> None:
    v = therapy("voclosporin")
    # US label: 23.7 mg twice daily = three 7.9 mg capsules.
    assert [f.strength_mg for f in v.formulations] == [7.9]
    label = next(r for r in v.regimens if r.basis == "labelled")
    step = label.steps[0]
    assert (step.amount, step.unit, step.frequency) == (23.7, "mg", "bid")
    assert step.amount == pytest.approx(3 * 7.9)
    # Do not start if BP > 165/105 mmHg.
    bars = {(b.measure, b.comparison, b.threshold, b.action) for b in v.lab_limits}
    assert ("systolic_bp", ">", 165, "do_not_start") in bars
    assert ("diastolic_bp", ">", 105, "do_not_start") in bars
    # Baseline eGFR <= 45: not recommended unless benefit exceeds risk.
    start = [e for e in v.egfr_limits if e.phase == "start"]
    assert [(e.comparison, e.threshold, e.action) for e in start] == [("<=", 45, "not_recommended")]
    # eGFR < 60 with a >= 30% fall: stop.
    assert any(e.threshold == 60 and e.fall_from_baseline_percent == 30 and e.action == "stop"
               for e in v.egfr_limits)
    # Not recommended with cyclophosphamide (limitation of use).
    cyc = [i for i in v.interactions if i.partner == "cyclophosphamide"]
    assert len(cyc) == 1 and cyc[0].action == "not_recommended" and cyc[0].certainty == "V"


def test_euro_lupus_is_six_500_mg_doses_two_weeks_apart() -> None:
    # EULAR 2019 / Euro-Lupus: 500 mg IV every 2 weeks x 6 = 3 g over 3 months.
    regimen = next(r for r in therapy("cyclophosphamide").regimens if r.id == "cyc-euro-lupus")
    (step,) = regimen.steps
    assert (step.amount, step.unit, step.frequency, step.route, step.doses) == (500, "mg", "q2w", "iv", 6)
    assert step.amount * (step.doses or 0) == 3000


def test_belimumab_dosing() -> None:
    # Label: IV 10 mg/kg every 2 weeks x 3 then every 4 weeks; SC (LN) 400 mg weekly x 4 then 200 mg weekly.
    regimens = {r.id: r for r in therapy("belimumab").regimens}
    iv = [(s.amount, s.unit, s.frequency, s.doses) for s in regimens["bel-iv-label"].steps]
    assert iv == [(10, "mg/kg", "q2w", 3), (10, "mg/kg", "q4w", None)]
    sc = [(s.amount, s.unit, s.frequency, s.doses) for s in regimens["bel-sc-ln-label"].steps]
    assert sc == [(400, "mg", "weekly", 4), (200, "mg", "weekly", None)]


def test_obinutuzumab_trial_schedule() -> None:
    # NOBILITY: 1000 mg on days 1, 15, 168 and 182 (weeks 0, 2, 24, 26).
    regimen = next(r for r in therapy("obinutuzumab").regimens if r.id == "obi-nobility")
    assert regimen.steps[0].at_weeks == (0, 2, 24, 26)
    assert regimen.steps[0].amount == 1000


def test_pregnancy_per_acr_2020() -> None:
    # ACR 2020 reproductive health guideline.
    for item_id in ("hydroxychloroquine", "azathioprine", "tacrolimus", "cyclosporine", "prednisone"):
        fact = therapy(item_id).pregnancy
        assert fact is not None and fact.status == "compatible", item_id
    mmf = therapy("mycophenolate-mofetil").pregnancy
    assert mmf is not None and (mmf.status, mmf.washout_weeks) == ("contraindicated", 6)
    cyc = therapy("cyclophosphamide").pregnancy
    assert cyc is not None and (cyc.status, cyc.washout_weeks, cyc.paternal_washout_weeks) == (
        "contraindicated", 12, 12)
    lef = therapy("leflunomide").pregnancy
    assert lef is not None and lef.status == "contraindicated"


def test_kdigo_egfr_gates() -> None:
    # KDIGO 2024 Rec 10.2.3.1.1: belimumab triple if eGFR >= 30; MPAA + CNI if eGFR > 45.
    bel = {(e.comparison, e.threshold) for e in therapy("belimumab").egfr_limits}
    assert ("<", 30) in bel
    tac = {(e.comparison, e.threshold) for e in therapy("tacrolimus").egfr_limits}
    assert ("<=", 45) in tac


def _interacts(a: str, b: str) -> bool:
    return any(i.partner == b for i in therapy(a).interactions) or any(
        i.partner == a for i in therapy(b).interactions
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("tacrolimus", "voclosporin"),  # two calcineurin inhibitors
        ("tacrolimus", "cyclosporine"),
        ("cyclosporine", "voclosporin"),
        ("mycophenolate-mofetil", "azathioprine"),  # two antiproliferatives
        ("mycophenolate-mofetil", "mycophenolic-acid"),  # same active moiety
        ("voclosporin", "cyclophosphamide"),  # not studied together (label)
        ("rituximab", "obinutuzumab"),  # two anti-CD20 antibodies
        ("ace-inhibitor", "arb"),  # dual RAAS blockade
    ],
)
def test_interaction_recorded(a: str, b: str) -> None:
    assert _interacts(a, b)


def test_class_members() -> None:
    ace = {m.name for m in therapy("ace-inhibitor").members}
    arb = {m.name for m in therapy("arb").members}
    assert {"lisinopril", "ramipril", "enalapril"} <= ace
    assert {"losartan", "valsartan", "irbesartan"} <= arb


@pytest.mark.parametrize(
    ("item_id", "rxcui"),
    [  # shared/domain/interop.md section 2.3, rows marked verified
        ("hydroxychloroquine", "5521"), ("prednisone", "8640"), ("prednisolone", "8638"),
        ("methylprednisolone", "6902"), ("mycophenolate-mofetil", "68149"), ("cyclophosphamide", "3002"),
        ("azathioprine", "1256"), ("tacrolimus", "42316"), ("cyclosporine", "3008"),
        ("belimumab", "1092437"), ("obinutuzumab", "974779"), ("rituximab", "121191"),
        ("leflunomide", "27169"), ("dapagliflozin", "1488564"), ("empagliflozin", "1545653"),
    ],
)
def test_rxnorm_ingredient_codes(item_id: str, rxcui: str) -> None:
    assert [c.code for c in therapy(item_id).codes if c.system == "rxnorm"] == [rxcui]


def test_marketed_ln_approvals_are_sourced_v_or_s() -> None:
    for t in therapies().values():
        for a in t.approvals:
            if a.status == "approved":
                assert a.certainty in ("V", "S") and a.sources, (t.id, a)
