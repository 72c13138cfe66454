"""The compiled Ibis criteria give the engine's answer (true, false, indeterminate) for every definition.

Two kinds of check: hand-made facts whose answer is worked out from the guideline text (EULAR 2019,
KDIGO 2024 and KDIGO 2012 Table 29 as the knowledge base transcribes them), and thousands of random
facts, drawn on a grid that hits every threshold exactly, judged by both executors.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path
from typing import Any

import ibis
import pytest

from lncare.calc.egfr import egfr
from lncare.cohort.compile import FINDING, NEVER, Compiler, ckd_epi_2021_cr, column
from lncare.engine.criteria import Facts, Truth, evaluate
from lncare.knowledge import load

KB = load()
VECTORS = Path(__file__).resolve().parents[3] / "shared" / "vectors"
MEASURES = ("upcr", "protein_24h", "egfr", "creatinine", "urine_rbc")
REFERENCES = ("baseline", "previous", "pre_flare")
FINDINGS = ("gfr_near_normal", "nephrotic_baseline", "active_urinary_sediment", "urinary_tract_infection")
# Values on and around every threshold the definitions use, so boundaries are exercised exactly.
GRID = (0.0, 0.1, 0.25, 0.35, 0.5, 0.6, 0.7, 0.8, 1.0, 1.4, 2.0, 2.2, 3.0, 3.4, 3.5, 4.0, 5.0, 6.0, 7.0,
        10.0, 15.0, 16.0, 20.0, 50.0, 70.0, 72.0, 81.0, 85.0, 90.0, 100.0)


def _row(rng: random.Random) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for m in MEASURES:
        for at in ("current", *REFERENCES):
            row[column(m, at)] = rng.choice(GRID) if rng.random() < 0.75 else None
        measured = any(row[column(m, at)] is not None for at in ("current", *REFERENCES))
        row[m + NEVER] = not measured and rng.random() < 0.7
    for f in FINDINGS:
        row[FINDING + f] = rng.choice((True, False, None))
    return row


def _engine(definition_id: str, row: dict[str, Any], track: bool) -> Truth:
    current = {m: row[m] for m in MEASURES if row[m] is not None}
    reference = {
        at: {m: row[column(m, at)] for m in MEASURES if row[column(m, at)] is not None} for at in REFERENCES
    }
    measured = frozenset(m for m in MEASURES if not row[m + NEVER]) if track else frozenset()
    findings = {f: row[FINDING + f] for f in FINDINGS}
    memo: dict[str, Truth] = {}

    def judge(ident: str) -> Truth:
        if ident not in memo:
            d = KB.definitions.get(ident)
            memo[ident] = evaluate(d.criteria, facts).holds if d and d.certainty in ("V", "S") else None
        return memo[ident]

    facts = Facts(current, reference, findings, judge, measured)
    return evaluate(KB.definitions[definition_id].criteria, facts).holds


def _compiled(definition_ids: list[str], rows: list[dict[str, Any]], track: bool) -> dict[str, list[Truth]]:
    schema = {name: ("boolean" if name.endswith(NEVER) or name.startswith(FINDING) else "float64")
              for name in rows[0]}
    table = ibis.memtable({k: [r[k] for r in rows] for k in rows[0]} | {"i": list(range(len(rows)))},
                          schema={**schema, "i": "int64"})
    compiler = Compiler(table, KB, track_unmeasured=track)
    compiled = {
        d.replace("-", "_"): compiler.criterion(KB.definitions[d].criteria).holds for d in definition_ids
    }
    expr = table.select("i", **compiled).order_by("i")
    result = ibis.duckdb.connect().to_pyarrow(expr).to_pydict()
    return {d: result[d.replace("-", "_")] for d in definition_ids}


@pytest.mark.parametrize("track", [True, False])
def test_random_facts_match_the_engine_for_every_definition(track: bool) -> None:
    rng = random.Random(20261127)
    rows = [_row(rng) for _ in range(4000)]
    ids = sorted(KB.definitions)
    got = _compiled(ids, rows, track)
    for ident in ids:
        for i, row in enumerate(rows):
            want = _engine(ident, row, track)
            assert got[ident][i] == want, (ident, i, row, got[ident][i], want)
    # The grid must reach every outcome, or the comparison proves little.
    seen = {(ident, v) for ident in ids for v in got[ident]}
    for ident in ("eular2019-response-complete", "kdigo2024-response-partial", "kdigo2012-flare-moderate"):
        assert {(ident, True), (ident, False), (ident, None)} <= seen


def _one(definition_id: str, track: bool = True, **values: Any) -> Truth:
    row = {column(m, at): None for m in MEASURES for at in ("current", *REFERENCES)}
    row |= {m + NEVER: False for m in MEASURES} | {FINDING + f: None for f in FINDINGS}
    row |= values
    return _compiled([definition_id], [row], track)[definition_id][0]


def test_eular_complete_response_by_the_guideline_text() -> None:
    # EULAR 2019: proteinuria < 0.5-0.7 with (near-)normal GFR. 0.4 g/g and normal GFR: complete.
    assert _one("eular2019-response-complete", upcr=0.4, finding__gfr_near_normal=True) is True
    # 0.6 g/g lies inside the guideline's own 0.5-0.7 range: indeterminate, whatever the GFR.
    assert _one("eular2019-response-complete", upcr=0.6, finding__gfr_near_normal=True) is None
    # 0.8 g/g is above both ends: not complete, even when the 24-h protein was never collected.
    assert _one("eular2019-response-complete", upcr=0.8, finding__gfr_near_normal=True,
                protein_24h__never=True) is False
    # ... but a 24-h collection on record that is missing now could still show < 0.5: open.
    assert _one("eular2019-response-complete", upcr=0.8, finding__gfr_near_normal=True) is None
    # GFR not near normal: not complete.
    assert _one("eular2019-response-complete", upcr=0.4, finding__gfr_near_normal=False) is False


def test_kdigo_partial_response_by_the_guideline_text() -> None:
    # KDIGO 2024: >= 50% fall, below 3 g/g, eGFR no more than 10-15% below baseline.
    base = {"upcr__baseline": 4.0, "egfr__baseline": 100.0, "egfr": 95.0}
    assert _one("kdigo2024-response-partial", upcr=2.0, **base) is True  # exactly 50%
    assert _one("kdigo2024-response-partial", upcr=2.2, **base) is False  # 45%
    assert _one("kdigo2024-response-partial", upcr=0.5, **base | {"egfr": 88.0}) is None  # 12% in 10-15
    assert _one("kdigo2024-response-partial", upcr=0.5, **base | {"egfr": 84.0}) is False  # 16% fall
    assert _one("kdigo2024-response-partial", upcr=2.0, upcr__baseline=0.0, egfr=95.0,
                egfr__baseline=100.0) is None  # no percentage change from 0


def test_kdigo_table_29_moderate_flare() -> None:
    # Creatinine up 0.2-1.0 mg/dL from a baseline below 2.0: moderate (KDIGO 2012 Table 29).
    assert _one("kdigo2012-flare-moderate", False, creatinine=1.5, creatinine__baseline=1.0) is True
    # Up 1.5 mg/dL from 1.0 is beyond the moderate band; with no UPCR the other branches stay open.
    assert _one("kdigo2012-flare-moderate", False, creatinine=2.5, creatinine__baseline=1.0) is None
    assert _one("kdigo2012-flare-moderate", False, creatinine=1.1, creatinine__baseline=1.0,
                upcr=0.4, upcr__baseline=0.3) is False
    # UPCR from below 0.5 to 1.0 g/g or more: moderate.
    assert _one("kdigo2012-flare-moderate", False, upcr=1.0, upcr__baseline=0.4) is True


def _egfr_rows(rows: list[tuple[int, bool, float | None]]) -> list[float | None]:
    table = ibis.memtable({"i": list(range(len(rows))), "age": [r[0] for r in rows],
                           "female": [r[1] for r in rows], "scr": [r[2] for r in rows]},
                          schema={"i": "int64", "age": "int64", "female": "boolean", "scr": "float64"})
    expr = table.select("i", egfr=ckd_epi_2021_cr(table.age, table.female, table.scr)).order_by("i")
    return list(ibis.duckdb.connect().to_pyarrow(expr).column("egfr").to_pylist())


def test_ckd_epi_2021_expression_matches_the_published_vectors() -> None:
    with open(VECTORS / "egfr.csv", newline="") as handle:
        cases = [r for r in csv.DictReader(handle) if r["equation"] == "ckd_epi_2021_cr"]
    assert len(cases) >= 40
    got = _egfr_rows([(int(r["age"]), r["sex"] == "F", float(r["scr_mg_dl"])) for r in cases])
    for case, value in zip(cases, got, strict=True):
        expected = float(case["expected_egfr"])
        places = len(case["expected_egfr"].split(".")[1]) if "." in case["expected_egfr"] else 0
        assert abs(value - expected) <= 0.5 * 10**-places + 1e-9, (case, value)


def test_ckd_epi_2021_expression_equals_the_engine_calculator_bit_for_bit() -> None:
    # The engine's own calculator is the reference here: the cohort path must give the very same float,
    # or a patient on a threshold (eGFR 81, a 10 % fall) would be classed differently by the two.
    rows = [(age, female, scr) for age in (18, 19, 33, 47, 64, 80, 101) for female in (True, False)
            for scr in (0.1, 0.35, 0.69, 0.7, 0.71, 0.89, 0.9, 0.91, 1.0, 1.37, 2.5, 7.9, 25.0)]
    got = _egfr_rows([*rows, (40, True, None)])
    assert got.pop() is None  # no creatinine, no estimate (SQL's LEAST would otherwise ignore the NULL)
    for (age, female, scr), value in zip(rows, got, strict=True):
        want = egfr("ckd-epi-2021-cr", age=age, sex="female" if female else "male", creatinine=scr)
        assert value == want, (age, female, scr, value, want)
