"""Generated patient records for benchmarks: the example patients, varied deterministically."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def example_records() -> list[dict[str, Any]]:
    """The example patients as plain JSON dicts (FHIR bundles excluded)."""
    records = []
    for path in sorted(EXAMPLES.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get("resourceType") is None:
            records.append(record)
    return records


def generate_records(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` valid records: examples with lab values scaled by up to +/-10 % and fresh ids.

    Scaling keeps every value inside its plausibility bar for the examples shipped, so the records
    stay valid while no two are identical (no caching can flatter the numbers).
    """
    rng = random.Random(seed)
    bases = example_records()
    out = []
    for i in range(n):
        record = copy.deepcopy(bases[i % len(bases)])
        record["id"] = f"bench-{i:06d}"
        for lab in record.get("labs", []):
            if lab["test"] not in ("systolic_bp", "diastolic_bp"):
                lab["value"] = round(lab["value"] * rng.uniform(0.95, 1.05), 3)
        out.append(record)
    return out
