"""Every clinical vignette in tests/vignettes/ (see its README for the format)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lncare.engine import recommend
from lncare.model.plan import Plan, Recommendation

ROOT = Path(__file__).resolve().parents[2]
VIGNETTES = sorted((ROOT / "tests" / "vignettes").glob("*/*.json"))


def _load(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert case["guideline"] == path.parent.name, "a vignette lives in the folder of its profile"
    if "patient_file" in case:
        case["patient"] = json.loads((ROOT / case["patient_file"]).read_text(encoding="utf-8"))
    return case


def _matches(line: Recommendation, matcher: dict[str, list[str]]) -> bool:
    return all(getattr(line, field) in allowed for field, allowed in matcher.items())


def _path(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        obj = None if obj is None else obj.get(part)
    return obj


def check(plan: Plan, expect: dict[str, Any]) -> list[str]:
    """The ways ``plan`` falls short of ``expect``; empty when it meets every expectation."""
    problems = []
    lines = plan.recommendations
    for matcher in expect.get("present", []):
        if not any(_matches(line, matcher) for line in lines):
            problems.append(f"no recommendation matches {matcher}")
    for matcher in expect.get("absent", []):
        hits = [line.id for line in lines if _matches(line, matcher)]
        if hits:
            problems.append(f"forbidden {matcher} found: {hits}")
    for wanted in expect.get("warnings", []):
        severities = wanted.get("severity")
        if not any(w.code == wanted["code"] and (not severities or w.severity in severities)
                   for w in plan.warnings):
            problems.append(f"no warning {wanted}")
    excluded = {e.drug for e in plan.excluded}
    for drug in expect.get("excluded", []):
        if drug not in excluded:
            problems.append(f"{drug} not listed as excluded (excluded: {sorted(excluded)})")
    assessment = plan.assessment.model_dump(mode="json")
    for dotted, value in expect.get("assessment", {}).items():
        if _path(assessment, dotted) != value:
            problems.append(f"assessment.{dotted} is {_path(assessment, dotted)!r}, expected {value!r}")
    for wanted in expect.get("monitoring", []):
        item = next((m for m in plan.monitoring if m.test == wanted["test"]), None)
        if item is None or item.every_weeks > wanted.get("every_weeks_at_most", float("inf")):
            problems.append(f"monitoring {wanted} not met ({item})")
    for wanted in expect.get("dose", []):
        doses = [line.dose for line in lines if line.drug == wanted["drug"] and line.dose is not None]
        if not any(all(getattr(dose, k) == v for k, v in wanted.items() if k != "drug") for dose in doses):
            problems.append(f"no dose {wanted} (doses: {doses})")
    return problems


@pytest.mark.parametrize("path", VIGNETTES, ids=[f"{p.parent.name}/{p.stem}" for p in VIGNETTES])
def test_vignette(path: Path) -> None:
    case = _load(path)
    plan = recommend(case["patient"], date.fromisoformat(case["as_of"]), case["guideline"])
    problems = check(plan, case["expect"])
    assert not problems, f"{case['title']} ({case['source']}):\n  " + "\n  ".join(problems)
