"""FHIR export: trial results as R4B-shaped Evidence and Citation resources."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lncare.cli import main
from lncare.knowledge.fhir_export import citation_id, fhir_id

FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


def _export(tmp_path: Path) -> dict[str, dict[str, object]]:
    with pytest.raises(SystemExit) as done:
        main(["kb", "export", "--fhir", "--out", str(tmp_path)])
    assert done.value.code == 0
    return {p.name: json.loads(p.read_text()) for p in tmp_path.glob("*.json")}


def test_bliss_ln_perr_as_evidence(tmp_path: Path) -> None:
    resources = _export(tmp_path)
    evidence = resources["Evidence-bliss-ln--perr-104w.json"]
    assert evidence["resourceType"] == "Evidence" and evidence["status"] == "active"
    roles = [v["variableRole"]["coding"][0]["code"] for v in evidence["variableDefinition"]]  # type: ignore[index]
    assert roles == ["population", "exposure", "referenceExposure", "measuredVariable"]
    odds = evidence["statistic"][-1]  # type: ignore[index]
    # BLISS-LN PERR: OR 1.6 (95% CI 1.0-2.3), p = 0.03 (Furie 2020, NEJM; trials.csv).
    assert odds["statisticType"]["coding"][0]["code"] == "C16932"
    assert odds["quantity"]["value"] == 1.6
    ci, p = odds["attributeEstimate"]
    assert ci["type"]["coding"][0]["code"] == "C53324" and ci["level"] == 0.95
    assert (ci["range"]["low"]["value"], ci["range"]["high"]["value"]) == (1.0, 2.3)
    assert p["quantity"]["value"] == 0.03
    assert evidence["citeAsReference"] == {"reference": "Citation/pmid-32937045"}


def test_citation_carries_pmid_and_doi(tmp_path: Path) -> None:
    citation = _export(tmp_path)["Citation-pmid-32937045.json"]
    identifiers = {i["system"]: i["value"] for i in citation["citedArtifact"]["identifier"]}  # type: ignore[index]
    assert identifiers["https://pubmed.ncbi.nlm.nih.gov"] == "32937045"
    assert identifiers["https://doi.org"] == "10.1056/NEJMoa2001180"


def test_every_resource_id_is_a_valid_fhir_id_and_every_citation_exists(tmp_path: Path) -> None:
    resources = _export(tmp_path)
    for name, resource in resources.items():
        assert FHIR_ID.match(str(resource["id"])), name
        assert name == f"{resource['resourceType']}-{resource['id']}.json"
        cite = resource.get("citeAsReference")
        if isinstance(cite, dict):
            assert f"{cite['reference'].replace('/', '-')}.json" in resources


def test_p_below_a_bound_keeps_its_comparator(tmp_path: Path) -> None:
    aurora = _export(tmp_path)["Evidence-aurora-1--crr-52w.json"]
    p = aurora["statistic"][-1]["attributeEstimate"][-1]  # type: ignore[index]
    assert p["quantity"] == {"value": 0.001, "comparator": "<"}


def test_ids_are_shortened_and_made_safe() -> None:
    assert fhir_id("a b/c") == "a-b-c"
    assert len(fhir_id("x" * 100)) == 64
    assert citation_id("doi:10.1056/NEJMoa2001180") == "doi-10.1056-NEJMoa2001180"
    assert citation_id("url:https://example.org/a?b").startswith("url-")
