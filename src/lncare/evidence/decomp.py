"""Design-based decomposition of Cochran's Q in a network (Krahn, Binder & König 2013), as netmeta's
``decomp.design()`` reports it.

A design is the set of treatments a study compares. With each study written as its contrasts against its
first treatment (covariance (v0i + v0j − vij)/2 inside multi-arm studies):

- within-design Q: each design pooled on its own (generalised least squares), Q of its studies around it;
- between-design Q: the design-level estimates against the consistent network fit (Higgins et al. 2012);
- "detached" between-design Q: the network refitted without one design, whose own residual is then 0;
- the full design-by-treatment interaction random-effects version: tau²_within by the method of moments
  (Jackson, White & Riley 2012) in the model with one parameter per design contrast, added to every
  contrast variance before recomputing the between-design Q.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from lncare.evidence.pairwise import Contrast

Design = tuple[str, ...]


@dataclass(frozen=True)
class DesignQ:
    """A Q statistic for one design, its degrees of freedom and p-value (None when df is 0)."""

    design: Design
    q: float
    df: int
    pval: float | None


@dataclass(frozen=True)
class DesignDecomposition:
    q_total: float
    df_total: int
    q_within: float
    df_within: int
    q_between: float
    df_between: int
    within: tuple[DesignQ, ...]
    between_detached: tuple[DesignQ, ...]
    tau2_within: float
    q_between_random: float
    pval_between_random: float | None

    @property
    def pval_within(self) -> float | None:
        return _pval(self.q_within, self.df_within)

    @property
    def pval_between(self) -> float | None:
        return _pval(self.q_between, self.df_between)


def _pval(q: float, df: int) -> float | None:
    return float(stats.chi2.sf(q, df)) if df > 0 else None


@dataclass(frozen=True)
class _Study:
    design: Design
    y: np.ndarray
    v: np.ndarray  # covariance of y before tau²
    shape: np.ndarray  # how tau² enters: 1 on the diagonal, 1/2 off it


def _studies(contrasts: Sequence[Contrast], variances: np.ndarray) -> list[_Study]:
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(contrasts):
        groups.setdefault(c.study, []).append(i)
    out = []
    for rows in groups.values():
        names = tuple(sorted({t for i in rows for t in (contrasts[i].treat1, contrasts[i].treat2)}))
        te: dict[tuple[str, str], float] = {}
        var: dict[frozenset[str], float] = {}
        for i in rows:
            c = contrasts[i]
            te[(c.treat1, c.treat2)], te[(c.treat2, c.treat1)] = c.te, -c.te
            var[frozenset((c.treat1, c.treat2))] = float(variances[i])
        base, rest = names[0], names[1:]
        y = np.array([te[(t, base)] for t in rest])
        v = np.empty((len(rest), len(rest)))
        for a, ta in enumerate(rest):
            for b, tb in enumerate(rest):
                v0a, v0b = var[frozenset((base, ta))], var[frozenset((base, tb))]
                v[a, b] = v0a if a == b else (v0a + v0b - var[frozenset((ta, tb))]) / 2
        shape = np.full_like(v, 0.5) + 0.5 * np.eye(len(rest))
        out.append(_Study(names, y, v, shape))
    return out


def _block(mats: Sequence[np.ndarray]) -> np.ndarray:
    size = sum(m.shape[0] for m in mats)
    out = np.zeros((size, size))
    at = 0
    for m in mats:
        out[at : at + m.shape[0], at : at + m.shape[0]] = m
        at += m.shape[0]
    return out


@dataclass(frozen=True)
class _Designs:
    names: list[Design]
    estimate: np.ndarray  # stacked design-level estimates
    cov: np.ndarray
    rows: list[list[int]]  # rows of each design in the stacked vector
    x: np.ndarray  # design contrasts in terms of basic parameters (reference column removed)
    within: list[DesignQ]


def _pool_designs(studies: list[_Study], treatments: tuple[str, ...], tau2: float) -> _Designs:
    names = sorted({s.design for s in studies})
    pos = {t: i for i, t in enumerate(treatments)}
    est, covs, rows, xrows, within = [], [], [], [], []
    at = 0
    for design in names:
        members = [s for s in studies if s.design == design]
        inv = [np.linalg.inv(s.v + tau2 * s.shape) for s in members]
        cov = np.linalg.inv(sum(inv))
        theta = cov @ sum(i @ s.y for i, s in zip(inv, members, strict=True))
        q = float(sum((s.y - theta) @ i @ (s.y - theta) for i, s in zip(inv, members, strict=True)))
        p = len(design) - 1
        df = len(members) * p - p
        within.append(DesignQ(design, q, df, _pval(q, df)))
        est.append(theta)
        covs.append(cov)
        rows.append(list(range(at, at + p)))
        at += p
        for t in design[1:]:
            row = np.zeros(len(treatments))
            row[pos[t]], row[pos[design[0]]] = 1.0, -1.0
            xrows.append(row[1:])
    return _Designs(names, np.concatenate(est), _block(covs), rows, np.array(xrows), within)


def _gls_residual(d: _Designs, keep: np.ndarray) -> np.ndarray | None:
    x, v = d.x[keep], d.cov[np.ix_(keep, keep)]
    if np.linalg.matrix_rank(x) < d.x.shape[1]:
        return None
    vinv = np.linalg.inv(v)
    beta = np.linalg.solve(x.T @ vinv @ x, x.T @ vinv @ d.estimate[keep])
    return np.asarray(d.estimate - d.x @ beta)


def _q_between(d: _Designs) -> float:
    r = _gls_residual(d, np.ones(len(d.estimate), dtype=bool))
    assert r is not None
    return float(r @ np.linalg.inv(d.cov) @ r)


def _tau2_within(studies: list[_Study], d: _Designs) -> float:
    param = {
        (design, j): n for n, (design, j) in enumerate((dn, j) for dn in d.names for j in range(len(dn) - 1))
    }
    x_rows, ys = [], []
    for s in studies:
        for j in range(len(s.y)):
            row = np.zeros(len(param))
            row[param[(s.design, j)]] = 1.0
            x_rows.append(row)
        ys.append(s.y)
    x, y = np.array(x_rows), np.concatenate(ys)
    w0 = _block([np.linalg.inv(s.v) for s in studies])
    shape = _block([s.shape for s in studies])
    c = np.linalg.inv(x.T @ w0 @ x)
    r = y - x @ c @ x.T @ w0 @ y
    q = float(r @ w0 @ r)
    trace1 = float(np.trace(w0 @ shape))
    trace2 = float(np.trace(c @ x.T @ w0 @ shape @ w0 @ x))
    if trace1 == trace2:
        return 0.0
    df = int(x.shape[0] - x.shape[1])
    return max(0.0, (q - df) / (trace1 - trace2))


def decompose(
    contrasts: Sequence[Contrast], treatments: tuple[str, ...], variances: np.ndarray
) -> DesignDecomposition:
    """Within- and between-design Q of the common-effect network, detached designs, and the random version."""
    studies = _studies(contrasts, variances)
    d = _pool_designs(studies, treatments, 0.0)
    q_within = sum(w.q for w in d.within)
    df_within = sum(w.df for w in d.within)
    n_rows, n_par = d.x.shape
    df_between = n_rows - n_par
    q_between = _q_between(d) if df_between > 0 else 0.0
    detached = []
    vinv = np.linalg.inv(d.cov)
    for design, rows in zip(d.names, d.rows, strict=True):
        keep = np.ones(n_rows, dtype=bool)
        keep[rows] = False
        r = _gls_residual(d, keep)
        df = n_rows - (n_par + len(rows))
        if r is None or df < 0:
            continue
        r[rows] = 0.0
        q = float(r @ vinv @ r)
        detached.append(DesignQ(design, q, df, _pval(q, df)))
    tau2_w = _tau2_within(studies, d) if df_within > 0 else 0.0
    d_random = _pool_designs(studies, treatments, tau2_w)
    q_random = _q_between(d_random) if df_between > 0 else 0.0
    return DesignDecomposition(
        q_total=q_within + q_between,
        df_total=df_within + df_between,
        q_within=q_within,
        df_within=df_within,
        q_between=q_between,
        df_between=df_between,
        within=tuple(d.within),
        between_detached=tuple(detached),
        tau2_within=tau2_w,
        q_between_random=q_random,
        pval_between_random=_pval(q_random, df_between),
    )
