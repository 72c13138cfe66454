"""Where the shared reference data live and how to read them (used by the evidence tests).

The vectors sit in ``../shared/vectors`` beside the repository; ``LNCARE_SHARED`` points elsewhere.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from lncare.evidence.effects import BinaryStudy
from lncare.evidence.pairwise import Arm

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("LNCARE_SHARED", REPO.parent / "shared"))
VECTORS = SHARED / "vectors"


def rows(name: str) -> list[dict[str, str]]:
    with (VECTORS / name).open(newline="") as fh:
        return list(csv.DictReader(fh))


def binary_studies(dataset: str) -> list[BinaryStudy]:
    return [
        BinaryStudy(r["study"], float(r["events_t"]), float(r["n_t"]), float(r["events_c"]), float(r["n_c"]))
        for r in rows(f"meta_{dataset}.csv")
    ]


def arms(name: str) -> list[Arm]:
    out = []
    for r in rows(name):
        if "mean" in r:
            out.append(
                Arm(r["study"], r["treatment"], float(r["n"]), mean=float(r["mean"]), sd=float(r["sd"]))
            )
        else:
            out.append(Arm(r["study"], r["treatment"], float(r["n"]), events=float(r["events"])))
    return out


def row_id(row: dict[str, str]) -> str:
    return "|".join((row["dataset"], row["measure"], row["method"], row["test_adjust"], row["quantity"]))
