"""Speed work must not change a single plan: today's plans equal those recorded before the optimisation.

``data/plans-before-optimisation.json`` was written by running this module as a script on the commit
before the engine was optimised (``PYTHONPATH=. .venv/bin/python tests/engine/test_plans_unchanged.py``).
It holds every example under every profile in full (a failure shows the differing plan) and, as SHA-256
digests of the canonical JSON, every vignette under every profile plus examples with lab values varied
by up to +/-5 % (so thresholds are crossed in both directions). The expected values come from the
earlier code, not from the code under test.

A deliberate change of output (new knowledge, a rule fixed) regenerates the file in the same commit.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lncare.engine import recommend
from lncare.engine.profile import PROFILES

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).resolve().parent / "data" / "plans-before-optimisation.json"
AS_OF = date(2026, 11, 27)  # the examples are dated up to late November 2026
VARIED = 120  # varied example records, each under every profile
SEED = 4


def _examples() -> list[Path]:
    return sorted(p for p in (ROOT / "examples").glob("*.json")
                  if json.loads(p.read_text(encoding="utf-8")).get("resourceType") is None)


def _vignettes(only: set[str] | None = None) -> Iterator[tuple[str, dict[str, Any], date]]:
    for path in sorted((ROOT / "tests" / "vignettes").rglob("*.json")):
        if only is not None and path.relative_to(ROOT).as_posix() not in only:
            continue
        case = json.loads(path.read_text(encoding="utf-8"))
        if "patient_file" in case:
            case["patient"] = json.loads((ROOT / case["patient_file"]).read_text(encoding="utf-8"))
        yield path.relative_to(ROOT).as_posix(), case["patient"], date.fromisoformat(case["as_of"])


def _varied() -> Iterator[tuple[str, dict[str, Any]]]:
    """Example records with every lab except blood pressure scaled by a seeded factor in [0.95, 1.05]."""
    rng = random.Random(SEED)
    bases = [json.loads(p.read_text(encoding="utf-8")) for p in _examples()]
    for i in range(VARIED):
        record = copy.deepcopy(bases[i % len(bases)])
        record["id"] = f"varied-{i:04d}"
        for lab in record.get("labs", []):
            if lab["test"] not in ("systolic_bp", "diastolic_bp"):
                lab["value"] = round(lab["value"] * rng.uniform(0.95, 1.05), 3)
        yield record["id"], record


def _plan(patient: Path | dict[str, Any], as_of: date, guideline: str) -> dict[str, Any]:
    plan: dict[str, Any] = recommend(patient, as_of, guideline).model_dump(mode="json")
    return plan


def _digest(plan: dict[str, Any]) -> str:
    canonical = json.dumps(plan, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def full_plans() -> dict[str, dict[str, Any]]:
    return {f"{p.name}|{g}": _plan(p, AS_OF, g) for p in _examples() for g in PROFILES}


def digests(vignettes: set[str] | None = None) -> dict[str, str]:
    out = {f"{name}|{g}": _digest(_plan(patient, as_of, g))
           for name, patient, as_of in _vignettes(vignettes) for g in PROFILES}
    out.update({f"{name}|{g}": _digest(_plan(record, AS_OF, g))
                for name, record in _varied() for g in PROFILES})
    return out


def _committed_vignettes() -> set[str]:
    """Vignettes in git: ones still being written elsewhere would make the record move under us."""
    listed = subprocess.run(["git", "ls-files", "tests/vignettes"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    return set(listed.split())


@pytest.fixture(scope="module")
def before() -> dict[str, Any]:
    recorded: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return recorded


def test_the_record_covers_every_example_and_its_vignettes_still_exist(before: dict[str, Any]) -> None:
    assert set(before["plans"]) == {f"{p.name}|{g}" for p in _examples() for g in PROFILES}
    vignettes = {key.split("|")[0] for key in before["digests"] if key.startswith("tests/")}
    assert len(vignettes) >= 80 and all((ROOT / name).is_file() for name in vignettes)
    assert len(before["digests"]) == (len(vignettes) + VARIED) * len(PROFILES)


def test_example_plans_are_unchanged(before: dict[str, Any]) -> None:
    now = full_plans()
    for key, plan in before["plans"].items():
        assert now[key] == plan, key


def test_vignette_and_varied_plans_are_unchanged(before: dict[str, Any]) -> None:
    now = digests({key.split("|")[0] for key in before["digests"]})
    changed = sorted(key for key, digest in before["digests"].items() if now.get(key) != digest)
    assert changed == []


if __name__ == "__main__":
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    record = {"as_of": AS_OF.isoformat(), "plans": full_plans(), "digests": digests(_committed_vignettes())}
    FIXTURE.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {FIXTURE}", file=sys.stderr)
