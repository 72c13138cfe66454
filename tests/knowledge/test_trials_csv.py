"""Every figure of every verified row of shared/domain/trials.csv is in the knowledge base, unchanged.

The CSV is the independent record of the trial verification (shared/domain/trials.md); each row is
mapped here, by hand, to a trial id, an endpoint id and the arms its 'treat' and 'control' columns
mean. ``n`` says whether the CSV's N columns are the arm sizes ('arm') or the endpoint's analysed
denominators ('result'). Set LNCARE_SHARED_DOMAIN to read the CSV from elsewhere.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import NamedTuple

import pytest

from lncare.knowledge import load
from lncare.knowledge.schema.trial import ArmResult, Endpoint, Trial

REPO = Path(__file__).resolve().parents[2]
DOMAIN = Path(os.environ.get("LNCARE_SHARED_DOMAIN", REPO.parent / "shared" / "domain"))
CSV_PATH = DOMAIN / "trials.csv"


class Row(NamedTuple):
    trial: str
    endpoint: str | None
    treat: str | None
    control: str | None
    n: str = "arm"


# CSV 'trial' column -> where the row lives in the knowledge base. Rows not marked verified=yes need
# only their trial id (their figures are partial or unverified and are checked by reading).
MAPPING: dict[str, Row] = {
    "Low vs high-dose prednisolone (Bandhan 2022)": Row("bandhan-2022-prednisolone-dose", None, None, None),
    "Low vs high-dose prednisolone (Bandhan 2022) - any remission": Row(
        "bandhan-2022-prednisolone-dose", None, None, None
    ),
    "HCQ reduced vs full 2016-AAO dose RCT (Clin Rheumatol 2021)": Row(
        "hcq-reduced-vs-full-dose-2021", "inadequate-level-12m", "reduced-dose", "full-dose"
    ),
    "HCQ levels and obesity (Pedrosa, Lupus 2021)": Row(
        "pedrosa-2021-hcq-obesity", "hcq-blood-level", "obese", "non-obese"
    ),
    "Pediatric HCQ in proliferative LN (Gheet 2023)": Row(
        "gheet-2023-pediatric-hcq", "complete-remission-12m", "hcq", "placebo"
    ),
    "MMF in new-onset SLE (You 2024)": Row("you-2024-mmf-new-onset-sle", "flare-96w", "mmf", "control"),
    "MMF in new-onset SLE (You 2024) - lupus nephritis": Row(
        "you-2024-mmf-new-onset-sle", "incident-ln-96w", "mmf", "control"
    ),
    "MMF in new-onset SLE (You 2024) - severe flare": Row(
        "you-2024-mmf-new-onset-sle", "severe-flare-96w", "mmf", "control"
    ),
    "WIN-Lupus": Row("win-lupus", "renal-relapse-24m", "discontinue", "continue"),
    "WIN-Lupus - severe SLE flare": Row("win-lupus", "severe-flare-24m", "discontinue", "continue"),
    "Tacrolimus vs IV cyclophosphamide China (Zheng 2022)": Row(
        "zheng-2022-tacrolimus-vs-ivcy", None, None, None
    ),
    "MMF vs tacrolimus induction 10-year follow-up (Mok 2020)": Row(
        "mok-2020-mmf-vs-tacrolimus-10y", "composite-10y", "tacrolimus", "mmf"
    ),
    "Tacrolimus+MMF vs CYC+MMF (Clinics 2020)": Row("tac-mmf-vs-cyc-mmf-2020", None, None, None),
    "AURA-LV (low-dose voclosporin)": Row("aura-lv", "crr-24w", "voclosporin-low", "placebo"),
    "AURA-LV (high-dose voclosporin)": Row("aura-lv", "crr-24w", "voclosporin-high", "placebo"),
    "AURORA 1": Row("aurora-1", "crr-52w", "voclosporin", "placebo"),
    "AURORA 1 post hoc - high proteinuria (UPCR>=3)": Row("aurora-1-high-proteinuria", None, None, None),
    "AURORA 2": Row("aurora-2", "crr-3y", "voclosporin", "control"),
    "Leflunomide vs azathioprine maintenance (Fu 2022)": Row(
        "fu-2022-leflunomide-vs-azathioprine", "kidney-flare", "leflunomide", "azathioprine"
    ),
    "EXPLORER": Row("explorer", None, None, None),
    "LUNAR": Row("lunar", "renal-response-52w", "rituximab", "placebo"),
    "CALIBRATE": Row("calibrate", "renal-response-48w", "rcb", "rc"),
    "NOBILITY": Row("nobility", None, None, None),
    "NOBILITY - week 76": Row("nobility", "crr-76w", "obinutuzumab", "placebo"),
    "NOBILITY - week 104": Row("nobility", None, None, None),
    "NOBILITY post hoc (Rovin, Arthritis Rheumatol)": Row("nobility-kidney-outcomes", None, None, None),
    "REGENCY": Row("regency", "crr-76w", "obinutuzumab", "placebo"),
    "REGENCY - CRR with prednisone <=7.5 mg/d": Row("regency", "crr-low-pred-76w", "obinutuzumab", "placebo"),
    "BLISS-LN": Row("bliss-ln", "perr-104w", "belimumab", "placebo"),
    "BLISS-LN - CRR": Row("bliss-ln", "crr-104w", "belimumab", "placebo"),
    "BLISS-LN - renal-related event or death": Row(
        "bliss-ln", "renal-event-or-death", "belimumab", "placebo"
    ),
    "BLISS-LN open-label extension": Row(
        "bliss-ln-ole", "perr-ol-28w", "belimumab-belimumab", "placebo-belimumab"
    ),
    "BLISS-LN secondary analysis (Rovin, Kidney Int 2022)": Row("bliss-ln-kidney-function", None, None, None),
    "BLISS-LN post hoc newly diagnosed (Anders 2023)": Row(
        "bliss-ln-new-vs-relapsed", "perr-newly-diagnosed", "belimumab", "placebo", n="result"
    ),
    "BLISS-LN post hoc relapsed (Anders 2023)": Row(
        "bliss-ln-new-vs-relapsed", "perr-relapsed", "belimumab", "placebo", n="result"
    ),
    "BLISS-LN East Asian subgroup (Yu 2023)": Row("bliss-ln-east-asia", None, None, None),
    "Belimumab + antimalarials renal flare (Gomez, Rheumatology 2024)": Row(
        "gomez-belimumab-antimalarials", None, None, None
    ),
    "Belimumab + MMF complete clinical/histological remission [seed ref 42]": Row(
        "belimumab-mmf-remission", None, None, None
    ),
    "Telitacicept + standard therapy class III-V LN 24 wk [seed ref 46]": Row(
        "telitacicept-ln-24w", None, None, None
    ),
    "Telitacicept in LN vs matched controls (Hebei retrospective; ACR 2025 abstract)": Row(
        "telitacicept-ln-hebei-2025", None, None, None
    ),
    (
        "Telitacicept vs belimumab vs MMF vs low-dose CTX in LN"
        " (Guangzhou multicentre retrospective; congress abstract)"
    ): Row("telitacicept-ln-guangzhou-multicentre", None, None, None),
    "Telitacicept in LN with nephrotic syndrome (Liu, Front Pharmacol 2025)": Row(
        "liu-2025-telitacicept-nephrotic", None, None, None
    ),
    "Telitacicept multicentre retrospective (Lupus Sci Med 2023)": Row(
        "telitacicept-ln-multicentre", None, None, None
    ),
    "Telitacicept vs belimumab early LLDAS (Fan 2024)": Row(
        "fan-2024-telitacicept-vs-belimumab", None, None, None
    ),
    "Telitacicept vs belimumab LLDAS (Feng 2025)": Row(
        "feng-2025-telitacicept-vs-belimumab", "lldas-24w", "telitacicept", "belimumab"
    ),
    "Dapagliflozin in SLE phase I/II (Wang 2022)": Row(
        "wang-2022-dapagliflozin-sle", "adverse-events-6m", "dapagliflozin", None
    ),
    "Dapagliflozin second pilot study [seed ref 50/51]": Row("dapagliflozin-sle-pilot-2", None, None, None),
    "BI 655064 anti-CD40 phase II": Row("bi-655064-ln", None, None, None),
    "TULIP-LN year 1": Row("tulip-ln", "upcr-change-52w", "anifrolumab-pooled", "placebo"),
    "TULIP-LN year 1 - CRR intensified regimen": Row("tulip-ln", "crr-ir-52w", "anifrolumab-ir", "placebo"),
    "TULIP-LN year 2": Row("tulip-ln-year-2", "crr-104w", "anifrolumab-ir", "placebo"),
    "Daratumumab refractory LN (Roccatello 2023)": Row("roccatello-2023-daratumumab", None, None, None),
    "Filgotinib vs lanraplenib membranous LN": Row("filgotinib-lanraplenib-membranous", None, None, None),
    "Zanubrutinib in proliferative LN": Row("zanubrutinib-ln", None, None, None),
    "First CD19 CAR-T SLE case (2021) [seed ref 64]": Row("schett-2021-cd19-car-t-case", None, None, None),
    "CD19 CAR-T refractory SLE (Mackensen 2022)": Row(
        "mackensen-2022-cd19-car-t", "doris-3m", "cd19-car-t", None
    ),
    "CD19 CAR-T autoimmune case series (Mueller 2024)": Row(
        "muller-2024-cd19-car-t", "doris-sle", "cd19-car-t", None
    ),
    "Lymph-node B-cell depletion after CD19 CAR-T (Tur 2024)": Row(
        "tur-2024-lymph-node-car-t", None, None, None
    ),
    "CD19 CAR-T adolescent on haemodialysis (Krickau 2024)": Row(
        "krickau-2024-car-t-dialysis", None, "cd19-car-t", None
    ),
    "BCMA-CD19 compound CAR-T SLE/LN": Row("bcma-cd19-ccar-t-sle", "sledai-3m", "bcma-cd19-car-t", None),
    "Allogeneic CD19 CAR-T (Wang/Xu, Cell 2024)": Row(
        "allogeneic-cd19-car-t", "remission-6m", "allogeneic-cd19-car-t", None
    ),
    "Teclistamab refractory SLE case (Alexander 2024)": Row("alexander-2024-teclistamab", None, None, None),
    "Vamorolone VISION-DMD (not LN)": Row("vision-dmd-vamorolone", "time-to-stand-24w", None, None),
}

EFFECT_TYPES = {
    "OR": ("OR", False),
    "RR": ("RR", False),
    "HR": ("HR", False),
    "risk difference (percentage points)": ("risk-difference", False),
    "adjusted difference (percentage points)": ("risk-difference", True),
    "geometric mean ratio": ("geometric-mean-ratio", False),
}


def _rows() -> list[dict[str, str]]:
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


ROWS = _rows()
VERIFIED = [row for row in ROWS if row["verified"] == "yes"]


def test_the_csv_was_found_and_has_verified_rows() -> None:
    assert len(VERIFIED) >= 30


def test_every_row_is_mapped_to_a_trial_of_the_knowledge_base() -> None:
    kb = load()
    assert {row["trial"] for row in ROWS} == set(MAPPING)
    missing = {row.trial for row in MAPPING.values()} - set(kb.trials)
    assert not missing


@pytest.mark.parametrize("row", VERIFIED, ids=[row["trial"] for row in VERIFIED])
def test_verified_row_matches_the_knowledge_base(row: dict[str, str]) -> None:
    kb = load()
    where = MAPPING[row["trial"]]
    trial = kb.trials[where.trial]
    _check_identifiers(row, trial)
    if where.treat is not None:
        _check_n(row["n_treat"], trial, where, where.treat)
    if where.control is not None:
        _check_n(row["n_control"], trial, where, where.control)
    if where.endpoint is None:
        assert not any(row[c] for c in ("events_treat", "pct_treat", "effect", "p_value", "timepoint_weeks"))
        return
    endpoint = trial.endpoint(where.endpoint)
    assert endpoint.verified == "yes"
    _check_timepoint(row, endpoint)
    for column, arm in (("treat", where.treat), ("control", where.control)):
        if row[f"events_{column}"] or row[f"pct_{column}"]:
            assert arm is not None
            result = _result(endpoint, arm)
            _same(row[f"events_{column}"], result.events)
            _same(row[f"pct_{column}"], result.percent)
    _check_effect(row, endpoint, where)
    _check_p(row["p_value"], endpoint)


def _check_identifiers(row: dict[str, str], trial: Trial) -> None:
    kb = load()
    refs = [kb.references[r] for r in trial.cited_references()]
    if row["nct"]:
        assert row["nct"] in trial.registry_ids
    if row["pmid"]:
        assert row["pmid"] in {r.pmid for r in refs}
    if row["doi"]:
        assert row["doi"] in {r.doi for r in refs}
    if row["year"]:
        assert trial.year == int(row["year"])


def _check_n(text: str, trial: Trial, where: Row, arm_id: str) -> None:
    if not text:
        return
    if where.n == "result":
        assert where.endpoint is not None
        actual = _result(trial.endpoint(where.endpoint), arm_id).n
    else:
        actual = next(arm.n for arm in trial.arms if arm.id == arm_id)
    assert actual == int(text)


def _check_timepoint(row: dict[str, str], endpoint: Endpoint) -> None:
    if row["timepoint_weeks"]:
        assert endpoint.timepoint_weeks == float(row["timepoint_weeks"])


def _check_effect(row: dict[str, str], endpoint: Endpoint, where: Row) -> None:
    if not row["effect"]:
        return
    effect = endpoint.effect
    assert effect is not None
    assert (effect.type, effect.adjusted) == EFFECT_TYPES[row["effect_type"]]
    assert (effect.experimental, effect.control) == (where.treat, where.control)
    _same(row["effect"], effect.value)
    _same(row["ci_low"], effect.ci_low)
    _same(row["ci_high"], effect.ci_high)


def _check_p(text: str, endpoint: Endpoint) -> None:
    if not text:
        return
    op = "<" if text.startswith("<") else "="
    assert (endpoint.p_op, endpoint.p) == (op, pytest.approx(float(text.lstrip("<"))))


def _result(endpoint: Endpoint, arm: str) -> ArmResult:
    return next(r for r in endpoint.results if r.arm == arm)


def _same(text: str, value: float | int | None) -> None:
    if text:
        assert value == pytest.approx(float(text))
