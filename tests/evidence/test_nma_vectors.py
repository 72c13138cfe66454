"""Every row of shared/vectors/nma_expected.csv: netmeta's printed values (Balduzzi et al. 2023, JSS 106(2)).

Labels read ``quantity[study|treat1:treat2]`` or ``quantity[treat1:treat2]`` (treat1 versus treat2);
design labels list the design's treatments in any order.
"""

from __future__ import annotations

import math
from functools import cache

import pytest
from evidence_vectors import arms, row_id, rows

from lncare.evidence.decomp import DesignQ
from lncare.evidence.netmetabin import MHNetwork, netmetabin_mh
from lncare.evidence.netsplit import Split, netsplit
from lncare.evidence.nma import NetworkResult, netmeta

ROWS = rows("nma_expected.csv")


@cache
def network(dataset: str, measure: str) -> NetworkResult:
    return netmeta(arms(f"{dataset}.csv"), measure)


@cache
def mh_network(dataset: str) -> MHNetwork:
    return netmetabin_mh(arms(f"{dataset}.csv"))


def _label(quantity: str) -> tuple[str, str, str | None, tuple[str, str] | None]:
    if "[" not in quantity or quantity.startswith("Pscore["):
        return quantity.split("[")[0], "", None, None
    name, inside = quantity[:-1].split("[", 1)
    study = None
    if "|" in inside:
        study, inside = inside.split("|", 1)
    t1, t2 = inside.split(":")
    return name, inside, study, (t1, t2)


def _contrast(res: NetworkResult, study: str, pair: tuple[str, str], adjusted: bool) -> tuple[float, float]:
    for i, c in enumerate(res.contrasts):
        if c.study == study and {c.treat1, c.treat2} == set(pair):
            sign = 1.0 if (c.treat1, c.treat2) == pair else -1.0
            se = float(res.random.se_adjusted[i]) if adjusted else c.se
            return sign * c.te, se
    raise AssertionError(f"no contrast {study} {pair}")


def _design(items: tuple[DesignQ, ...], pair: tuple[str, str]) -> DesignQ:
    return next(d for d in items if set(d.design) == set(pair))


def _split(res: NetworkResult, pair: tuple[str, str]) -> tuple[Split, float]:
    for s in netsplit(res, random=True):
        if (s.treat1, s.treat2) == pair:
            return s, 1.0
        if (s.treat2, s.treat1) == pair:
            return s, -1.0
    raise AssertionError(pair)


def computed(row: dict[str, str]) -> float | None:
    dataset, measure, method = row["dataset"], row["measure"], row["method"]
    name, _, study, pair = _label(row["quantity"])
    res = network(dataset, measure)
    if method == "pairwise":
        assert study is not None and pair is not None
        te, se = _contrast(res, study, pair, adjusted=False)
        return te if name == "TE" else se
    if method == "netmeta":
        return float({"k": res.k, "m": res.m, "o": res.o, "n": res.n, "d": res.d}[name] or 0)
    dec = res.decomposition
    if method == "decomp.design":
        if pair is not None:
            kind = "within" if "within" in name else "between_detached"
            item = _design(dec.within if kind == "within" else dec.between_detached, pair)
            return float({"Q": item.q, "df": item.df, "pval": item.pval or math.nan}[name.split("_")[0]])
        return {
            "Q_between_full_dbt_random": dec.q_between_random,
            "pval_between_full_dbt_random": dec.pval_between_random,
            "tau_within": math.sqrt(dec.tau2_within),
            "tau2_within": dec.tau2_within,
        }[name]
    if method == "netsplit_random":
        assert pair is not None
        split, sign = _split(res, pair)
        value = {
            "prop": split.prop,
            "direct": split.direct,
            "indirect": split.indirect,
            "diff": split.diff,
            "z": split.zval,
            "pval": split.pval,
        }[name]
        return None if value is None else (value if name in ("prop", "pval") else sign * value)
    if method in ("netmeta_common", "netmetabin_MH_common"):
        assert pair is not None
        fit = res.common if method == "netmeta_common" else mh_network(dataset).fit
        est = fit.estimate(*pair)
        return math.exp({"OR": est.estimate, "OR_lower": est.ci_lb, "OR_upper": est.ci_ub}[name])
    # netmeta_random_DL
    if pair is not None and name in ("TE", "lower", "upper", "z", "pval"):
        est = res.random.estimate(*pair)
        return {"TE": est.estimate, "lower": est.ci_lb, "upper": est.ci_ub, "z": est.zval, "pval": est.pval}[
            name
        ]
    if name == "seTE_adj":
        assert study is not None and pair is not None
        return _contrast(res, study, pair, adjusted=True)[1]
    if name == "Pscore":
        return res.random.pscores()[row["quantity"][len("Pscore[") : -1]]
    return {
        "tau2": res.tau2,
        "tau": res.tau,
        "I2": res.i2,
        "I2_lower": res.i2_ci_lb,
        "I2_upper": res.i2_ci_ub,
        "Q": res.q,
        "df_Q": res.df_q,
        "pval_Q": res.q_pval,
        "Q_within": dec.q_within,
        "df_Q_within": dec.df_within,
        "pval_Q_within": dec.pval_within,
        "Q_between": dec.q_between,
        "df_Q_between": dec.df_between,
        "pval_Q_between": dec.pval_between,
    }[name]


@pytest.mark.parametrize("row", ROWS, ids=[row_id(r) for r in ROWS])
def test_reproduces_netmeta(row: dict[str, str]) -> None:
    value = computed(row)
    assert value is not None, f"{row['quantity']} missing"
    assert abs(value - float(row["expected"])) <= float(row["tolerance"]), (value, row["expected"])


def test_every_row_is_checked() -> None:
    assert len(ROWS) == 151
