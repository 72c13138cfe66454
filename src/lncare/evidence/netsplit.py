"""Direct versus indirect evidence for each comparison (netmeta ``netsplit``, SIDE back-calculation).

For a comparison with direct evidence (metaanalysis.md §1.7; Dias et al. 2010; König et al. 2013):
the direct estimate pools its head-to-head contrasts by inverse variance with the raw standard errors
(plus tau² in the random-effects model; multi-arm contrasts unadjusted); the direct proportion is
``prop = SE²network / SE²direct``; the indirect estimate is ``(θnetwork − prop·θdirect)/(1 − prop)`` with
``SE²indirect = 1/(1/SE²network − 1/SE²direct)``; the test is ``z = (direct − indirect)/√(SE²d + SE²i)``.
A comparison without direct evidence is all indirect; one with only direct evidence has no indirect part.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from scipy import stats

from lncare.evidence.nma import NetworkResult

TINY = math.sqrt(np.finfo(float).eps)  # netmeta's tolerance for "proportion is 0 or 1"


@dataclass(frozen=True)
class Split:
    """treat1 versus treat2 split into its direct and indirect parts (None where a part is absent)."""

    treat1: str
    treat2: str
    network: float
    prop: float
    direct: float | None
    se_direct: float | None
    indirect: float | None
    se_indirect: float | None
    diff: float | None
    zval: float | None
    pval: float | None


def netsplit(result: NetworkResult, random: bool = True) -> list[Split]:
    """Every treatment pair, in the network's (alphabetical) order."""
    fit = result.fit(random)
    tau2 = (result.tau2 or 0.0) if random else 0.0
    splits = []
    for t1, t2 in combinations(result.treatments, 2):
        net = fit.estimate(t1, t2)
        effects, weights = [], []
        for c in result.contrasts:
            if {c.treat1, c.treat2} == {t1, t2}:
                effects.append(c.te if c.treat1 == t1 else -c.te)
                weights.append(1 / (c.se**2 + tau2))
        if not effects:
            splits.append(
                Split(t1, t2, net.estimate, 0.0, None, None, net.estimate, net.se, None, None, None)
            )
            continue
        w = np.array(weights)
        direct = float(np.sum(w * np.array(effects)) / w.sum())
        se_dir = math.sqrt(1 / w.sum())
        prop = net.se**2 / se_dir**2
        if abs(prop - 1) < TINY or prop > 1:
            splits.append(
                Split(t1, t2, net.estimate, min(prop, 1.0), direct, se_dir, None, None, None, None, None)
            )
            continue
        indirect = (net.estimate - prop * direct) / (1 - prop)
        se_ind = math.sqrt(1 / (1 / net.se**2 - 1 / se_dir**2))
        diff = direct - indirect
        z = diff / math.sqrt(se_dir**2 + se_ind**2)
        splits.append(
            Split(
                t1,
                t2,
                net.estimate,
                prop,
                direct,
                se_dir,
                indirect,
                se_ind,
                diff,
                z,
                float(2 * stats.norm.sf(abs(z))),
            )
        )
    return splits
