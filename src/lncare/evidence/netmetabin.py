"""Mantel-Haenszel network meta-analysis of odds ratios (Efthimiou et al. 2019, Stat Med 38:2992-3012),
as R netmeta's ``netmetabin(method="MH")`` computes it (common-effect model only).

For sparse binary outcomes (safety endpoints: deaths, serious infections) the inverse-variance method is
biased; the MH network pools within each design first:

1. studies without any event (or with only events) are dropped; inside a design an arm without events
   (or with only events) in all its studies is dropped (netmeta's default ``cc.pooled=FALSE``);
2. per design, the MH odds ratios of every ordered pair, ``C_xy = Σ_s a_x·b_y/N_s``, give
   ``L_xy = log(C_xy/C_yx)``; the design's effects against its first treatment are the centred
   ``L̄_1j = (Σ_t L_1t − Σ_t L_jt)/n_d``, with the generalised Robins-Breslow-Greenland covariance of
   Efthimiou et al. (their eqs. 5-9: the U_xyy and U_xyz terms);
3. the designs are combined by generalised least squares on basic parameters against the first
   treatment, with Q = residualsᵀV⁻¹residuals on Σ(n_d − 1) − (n − 1) degrees of freedom.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from lncare.errors import InputError
from lncare.evidence.nma import NetworkFit
from lncare.evidence.pairwise import Arm


@dataclass(frozen=True)
class MHNetwork:
    fit: NetworkFit
    q: float
    df_q: int
    q_pval: float | None
    dropped: tuple[str, ...]


@dataclass(frozen=True)
class _DesignData:
    treatments: tuple[str, ...]
    events: np.ndarray  # studies × treatments
    n: np.ndarray


def _designs(arms: Sequence[Arm]) -> tuple[list[_DesignData], list[str]]:
    studies: dict[str, dict[str, Arm]] = {}
    for arm in arms:
        if arm.events is None:
            raise InputError.missing(f"{arm.study}/{arm.treatment}.events", "for the MH network")
        studies.setdefault(arm.study, {})[arm.treatment] = arm
    dropped: list[str] = []
    grouped: dict[tuple[str, ...], list[dict[str, Arm]]] = {}
    for name, group in studies.items():
        events = sum(a.events or 0.0 for a in group.values())
        if events == 0 or events == sum(a.n for a in group.values()):
            dropped.append(f"{name}: no events (or only events) in any arm")
            continue
        grouped.setdefault(tuple(sorted(group)), []).append(group)
    designs = []
    for design, members in sorted(grouped.items()):
        keep = []
        for t in design:
            ev = sum(m[t].events or 0.0 for m in members)
            if ev == 0 or ev == sum(m[t].n for m in members):
                dropped.append(f"{t} in design {':'.join(design)}: no events (or only events) in any study")
            else:
                keep.append(t)
        if len(keep) < 2:
            dropped.append(f"design {':'.join(design)}: fewer than two informative arms")
            continue
        ev_mat = np.array([[m[t].events or 0.0 for t in keep] for m in members])
        n_mat = np.array([[m[t].n for t in keep] for m in members])
        designs.append(_DesignData(tuple(keep), ev_mat, n_mat))
    return designs, dropped


def _design_effects(d: _DesignData) -> tuple[np.ndarray, np.ndarray]:
    """Effects of a design against its first treatment and their covariance (Efthimiou et al. 2019)."""
    a, n = d.events, d.n
    b = n - a
    total = n.sum(axis=1)
    nd = len(d.treatments)
    c = np.einsum("sx,sy->xys", a, b) / total  # c[x, y, s] = a_x·b_y/N
    dd = (a[:, :, None] + b[:, None, :]).transpose(1, 2, 0) / total  # (a_x + b_y)/N
    big_c = c.sum(axis=2)
    ct, ddt = c.transpose(1, 0, 2), dd.transpose(1, 0, 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        lxy = np.log(big_c / big_c.T)
        u_xyy = (
            (c * dd).sum(axis=2) / (2 * big_c**2)
            + (c * ddt + ct * dd).sum(axis=2) / (2 * big_c * big_c.T)
            + (ct * ddt).sum(axis=2) / (2 * big_c.T**2)
        )
    np.fill_diagonal(u_xyy, 0.0)
    np.fill_diagonal(lxy, 0.0)
    idx = np.arange(nd)
    distinct = (
        (idx[:, None, None] != idx[None, :, None])
        & (idx[:, None, None] != idx[None, None, :])
        & (idx[None, :, None] != idx[None, None, :])
    )
    n2 = total**2
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = np.einsum("sx,sy,sz->xyz", a / n2[:, None], b, b) / (3 * big_c[:, :, None] * big_c[:, None, :])
        t2 = np.einsum("sx,sy,sz->xyz", n / n2[:, None], b, a) / (3 * big_c[:, :, None] * big_c.T[:, None, :])
        t3 = np.einsum("sx,sy,sz->xyz", n / n2[:, None], a, b) / (3 * big_c.T[:, :, None] * big_c[:, None, :])
        t4 = np.einsum("sx,sy,sz->xyz", b / n2[:, None], a, a) / (
            3 * big_c.T[:, :, None] * big_c.T[:, None, :]
        )
    u_xyz = np.where(distinct, t1 + t2 + t3 + t4, 0.0)
    u_xx = u_xyy.sum(axis=1) + u_xyz.sum(axis=(1, 2))
    same_yz = idx[None, :, None] == idx[None, None, :]
    u_new = u_xyz + np.where((idx[:, None, None] != idx[None, :, None]) & same_yz, u_xyy[:, :, None], 0.0)
    u_xy = (
        u_new.sum(axis=0)
        - u_new.sum(axis=2)
        - u_new.transpose(1, 0, 2).sum(axis=2)
        + u_new[idx[:, None], idx[None, :], idx[None, :]]
    )
    lbar_first = (lxy[0].sum() - lxy[1:].sum(axis=1)) / nd
    cov = np.empty((nd - 1, nd - 1))
    for j in range(1, nd):
        for k in range(1, nd):
            if j == k:
                cov[j - 1, k - 1] = (u_xx[0] - 2 * u_xy[0, j] + u_xx[j]) / nd**2
            else:
                cov[j - 1, k - 1] = (u_xx[0] - u_xy[0, k] - u_xy[j, 0] + u_xy[j, k]) / nd**2
    return lbar_first, cov


def netmetabin_mh(arms: Sequence[Arm], level: float = 95.0) -> MHNetwork:
    """Common-effect MH network meta-analysis of log odds ratios."""
    designs, dropped = _designs(arms)
    if not designs:
        raise InputError("studies", 0, "carry events for the MH network: nothing to pool")
    treatments = tuple(sorted({t for d in designs for t in d.treatments}))
    pos = {t: i for i, t in enumerate(treatments)}
    ys, covs, xrows = [], [], []
    for d in designs:
        y, cov = _design_effects(d)
        ys.append(y)
        covs.append(cov)
        for t in d.treatments[1:]:
            row = np.zeros(len(treatments))
            row[pos[t]] += 1.0  # y = log OR(first vs t) = δ_t − δ_first, δ_t = log OR(T0 vs t)
            row[pos[d.treatments[0]]] -= 1.0
            xrows.append(row[1:])
    y, x = np.concatenate(ys), np.array(xrows)
    v = np.zeros((len(y), len(y)))
    at = 0
    for cov in covs:
        v[at : at + len(cov), at : at + len(cov)] = cov
        at += len(cov)
    if np.linalg.matrix_rank(x) < len(treatments) - 1:
        raise InputError("treatments", list(treatments), "are not all connected in the MH network")
    w = np.linalg.inv(v)
    cov_d = np.linalg.inv(x.T @ w @ x)
    delta = np.concatenate([[0.0], cov_d @ x.T @ w @ y])
    full_cov = np.zeros((len(treatments), len(treatments)))
    full_cov[1:, 1:] = cov_d
    te = delta[None, :] - delta[:, None]  # log OR(i vs j) = δ_j − δ_i
    diag = np.diag(full_cov)
    se = np.sqrt(np.clip(diag[:, None] + diag[None, :] - 2 * full_cov, 0.0, None))
    resid = y - x @ cov_d @ x.T @ w @ y
    q = float(resid @ w @ resid)
    df = sum(len(d.treatments) - 1 for d in designs) - (len(treatments) - 1)
    fit = NetworkFit(treatments, te, se, np.array([]), level)
    return MHNetwork(fit, q, df, float(stats.chi2.sf(q, df)) if df > 0 else None, tuple(dropped))
