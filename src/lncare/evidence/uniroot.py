"""Root finding with the tolerance R's ``uniroot()`` uses, so that printed digits agree with metafor.

metafor finds the Paule-Mandel estimate and the Q-profile and profile-likelihood bounds with
``uniroot(tol = .Machine$double.eps^0.25)``: about 1.2e-4 on the tau² scale, which shows in the fourth
printed decimal (bcg RR: the lower Q-profile bound is 0.119695, the exact root 0.119718; metaanalysis.md
§1.4). Brent's method with the same absolute tolerance on the same bracket lands on the same iterate.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import optimize

R_UNIROOT_TOL = float(np.finfo(float).eps ** 0.25)


def uniroot(f: Callable[[float], float], lower: float, upper: float, tol: float = R_UNIROOT_TOL) -> float:
    """A root of ``f`` in ``[lower, upper]`` (the signs at the ends must differ), found like R's uniroot."""
    return float(optimize.brentq(f, lower, upper, xtol=tol, maxiter=1000))
