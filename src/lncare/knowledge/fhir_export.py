"""Trial results as HL7 EBM-on-FHIR resources: one ``Evidence`` per endpoint, one ``Citation`` per reference.

Which FHIR shape: FHIR R4 (4.0.1) has an ``Evidence`` resource (maturity 0) that only names PICO
variables and carries no statistics, and it has no ``Citation`` resource at all; statistics sat in
``EffectEvidenceSynthesis``. The EBM-on-FHIR work moved them into ``Evidence.statistic`` and added
``Citation`` in R4B (4.3.0), the R4-compatible release, and kept them in R5. lncare therefore emits the
**R4B** shapes (hl7.org/fhir/R4B/evidence.html, citation.html), restricted to elements that R5 keeps
unchanged (statistic.statisticType/quantity/numberOfEvents/sampleSize/attributeEstimate,
variableDefinition.variableRole, citedArtifact.identifier/title/webLocation/contributorship.summary),
so an R5 reader accepts them too. Each file states ``meta.tag`` 'fhir-version 4.3.0'.

Codes: statistic types from http://terminology.hl7.org/CodeSystem/statistic-type (C16932 odds ratio,
C93152 relative risk, C93150 hazard ratio, 0000424 risk difference, C44256 proportion, C53319 mean);
the confidence interval from .../attribute-estimate-type C53324; variable roles from .../variable-role.
A geometric mean ratio has no code there and is sent as text; so is the p-value attribute.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from lncare.knowledge.load import KnowledgeBase, load
from lncare.knowledge.schema.common import Reference
from lncare.knowledge.schema.trial import ArmResult, Effect, Endpoint, Trial

FHIR_VERSION = "4.3.0"
_STAT = "http://terminology.hl7.org/CodeSystem/statistic-type"
_ESTIMATE = "http://terminology.hl7.org/CodeSystem/attribute-estimate-type"
_ROLE = "http://terminology.hl7.org/CodeSystem/variable-role"
_UCUM = "http://unitsofmeasure.org"
_EFFECT_CODES: dict[str, tuple[str, str]] = {
    "OR": ("C16932", "Odds Ratio"),
    "RR": ("C93152", "Relative Risk"),
    "HR": ("C93150", "Hazard Ratio"),
    "risk-difference": ("0000424", "Risk Difference"),
}
# Identifier systems used by EBM-on-FHIR examples for PubMed and DOI; ClinicalTrials.gov for NCT ids.
_ID_SYSTEMS = {"pmid": "https://pubmed.ncbi.nlm.nih.gov", "doi": "https://doi.org"}
_NCT_SYSTEM = "https://clinicaltrials.gov"


def evidence(trial: Trial, endpoint: Endpoint, kb: KnowledgeBase) -> dict[str, Any]:
    """The ``Evidence`` resource for one endpoint of one trial."""
    arms = {arm.id: arm for arm in trial.arms}
    variables: list[dict[str, Any]] = [_variable("population", trial.population.description)]
    if endpoint.effect is not None:
        variables.append(_variable("exposure", arms[endpoint.effect.experimental].label))
        variables.append(_variable("referenceExposure", arms[endpoint.effect.control].label))
    else:
        variables += [_variable("exposure", arms[r.arm].label) for r in endpoint.results]
    variables.append(_variable("measuredVariable", endpoint.definition))
    statistics = [_arm_statistic(r, arms[r.arm].label) for r in endpoint.results]
    if endpoint.effect is not None:
        statistics.append(_effect_statistic(endpoint.effect, endpoint))
    elif endpoint.p is not None:
        comparison = {"description": "Comparison between arms", "attributeEstimate": [_p_value(endpoint)]}
        statistics.append(comparison)
    notes = [f"lncare verification: {endpoint.verified}; source {endpoint.source}"]
    if endpoint.note:
        notes.append(endpoint.note)
    resource: dict[str, Any] = {
        "resourceType": "Evidence",
        "id": fhir_id(f"{trial.id}--{endpoint.id}"),
        "meta": {"tag": [{"system": "urn:lncare:fhir-version", "code": FHIR_VERSION}]},
        "identifier": [{"system": "urn:lncare:trial-endpoint", "value": f"{trial.id}/{endpoint.id}"}],
        "version": kb.version.version,
        "status": "active",
        "lastReviewDate": trial.last_reviewed.isoformat(),
        # R4B Evidence has no title element (R5 added one), so the title leads the description.
        "description": f"{_title(trial, endpoint)}. {endpoint.definition}",
        "note": [{"text": text} for text in notes],
        "variableDefinition": variables,
        "studyType": {"text": trial.study_type + (f", phase {trial.phase}" if trial.phase else "")},
        "statistic": statistics,
    }
    cite = endpoint.source if endpoint.source in kb.references else None
    if cite is not None:
        resource["citeAsReference"] = {"reference": f"Citation/{citation_id(cite)}"}
    return resource


def citation(reference: Reference) -> dict[str, Any]:
    """The ``Citation`` resource for one reference."""
    identifiers = []
    if reference.pmid:
        identifiers.append({"system": _ID_SYSTEMS["pmid"], "value": reference.pmid})
    if reference.doi:
        identifiers.append({"system": _ID_SYSTEMS["doi"], "value": reference.doi})
    if reference.registry_id and reference.registry_id.startswith("NCT"):
        identifiers.append({"system": _NCT_SYSTEM, "value": reference.registry_id})
    artifact: dict[str, Any] = {"title": [{"text": reference.title}]}
    if identifiers:
        artifact["identifier"] = identifiers
    if reference.url:
        artifact["webLocation"] = [{"url": reference.url}]
    if reference.authors:
        artifact["contributorship"] = {"summary": [{"value": reference.authors}]}
    notes = [text for text in (reference.journal, reference.note) if text]
    if notes:
        artifact["note"] = [{"text": text} for text in notes]
    return {
        "resourceType": "Citation",
        "id": citation_id(reference.id),
        "meta": {"tag": [{"system": "urn:lncare:fhir-version", "code": FHIR_VERSION}]},
        "identifier": [{"system": "urn:lncare:reference", "value": reference.id}],
        "title": reference.title,
        "status": "active",
        "citedArtifact": artifact,
    }


def export(out: Path, kb: KnowledgeBase | None = None) -> list[Path]:
    """Write each trial endpoint with results as ``Evidence-*.json``, what it cites as ``Citation-*.json``."""
    kb = kb or load()
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    cited: set[str] = set()
    for trial in sorted(kb.trials.values(), key=lambda t: t.id):
        for endpoint in trial.endpoints:
            if not endpoint.results and endpoint.effect is None and endpoint.p is None:
                continue  # nothing measured to export
            resource = evidence(trial, endpoint, kb)
            written.append(_write(out, resource))
            cited.update(r for r in (endpoint.source, *trial.references) if r in kb.references)
    for ref in sorted(cited):
        written.append(_write(out, citation(kb.references[ref])))
    return written


def fhir_id(text: str) -> str:
    """A valid FHIR id ([A-Za-z0-9-.], at most 64 characters) for ``text``; long ones end in a hash."""
    cleaned = re.sub(r"[^A-Za-z0-9.-]+", "-", text).strip("-")
    if len(cleaned) <= 64:
        return cleaned
    digest = hashlib.sha1(text.encode()).hexdigest()[:10]
    return f"{cleaned[:53]}-{digest}"


def citation_id(reference_id: str) -> str:
    """The Citation id of a reference: 'pmid:32937045' -> 'pmid-32937045'; URLs by hash."""
    scheme, _, rest = reference_id.partition(":")
    if scheme == "url":
        return f"url-{hashlib.sha1(rest.encode()).hexdigest()[:16]}"
    return fhir_id(f"{scheme}-{rest}")


def _title(trial: Trial, endpoint: Endpoint) -> str:
    when = f", week {endpoint.timepoint_weeks:g}" if endpoint.timepoint_weeks is not None else ""
    group = f" ({endpoint.subgroup})" if endpoint.subgroup else ""
    return f"{trial.name}: {endpoint.name}{group}{when}"


def _variable(role: str, description: str) -> dict[str, Any]:
    return {"description": description, "variableRole": {"coding": [{"system": _ROLE, "code": role}]}}


def _arm_statistic(result: ArmResult, label: str) -> dict[str, Any]:
    statistic: dict[str, Any] = {"description": f"Arm: {label}"}
    if result.percent is not None:
        statistic["statisticType"] = _code(_STAT, "C44256", "Proportion")
        statistic["quantity"] = {"value": result.percent, "unit": "%", "system": _UCUM, "code": "%"}
    elif result.mean is not None:
        statistic["statisticType"] = _code(_STAT, "C53319", "Mean")
        statistic["quantity"] = {"value": result.mean, "unit": result.unit or ""}
    if result.events is not None:
        statistic["numberOfEvents"] = result.events
    if result.n is not None:
        statistic["sampleSize"] = {"numberOfParticipants": result.n}
    if result.derived:
        statistic["note"] = [{"text": "counts derived from the reported percentage and arm size"}]
    return statistic


def _effect_statistic(effect: Effect, endpoint: Endpoint) -> dict[str, Any]:
    code = _EFFECT_CODES.get(effect.type)
    statistic: dict[str, Any] = {
        "description": f"{effect.type}, {effect.experimental} vs {effect.control}"
        + (" (adjusted)" if effect.adjusted else ""),
        "statisticType": _code(_STAT, *code) if code else {"text": "geometric mean ratio"},
        "quantity": {"value": effect.value},
    }
    if effect.type == "risk-difference":
        statistic["quantity"] |= {"unit": "%", "system": _UCUM, "code": "%"}
    estimates: list[dict[str, Any]] = []
    if effect.ci_low is not None and effect.ci_high is not None:
        estimates.append({
            "type": _code(_ESTIMATE, "C53324", "Confidence interval"),
            "level": effect.ci_level / 100,
            "range": {"low": {"value": effect.ci_low}, "high": {"value": effect.ci_high}},
        })
    if endpoint.p is not None:
        estimates.append(_p_value(endpoint))
    if estimates:
        statistic["attributeEstimate"] = estimates
    if effect.note:
        statistic["note"] = [{"text": effect.note}]
    return statistic


def _p_value(endpoint: Endpoint) -> dict[str, Any]:
    quantity: dict[str, Any] = {"value": endpoint.p}
    if endpoint.p_op == "<":
        quantity["comparator"] = "<"
    return {"type": {"text": "p-value"}, "quantity": quantity}


def _code(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}]}


def _write(out: Path, resource: dict[str, Any]) -> Path:
    path = out / f"{resource['resourceType']}-{resource['id']}.json"
    path.write_text(json.dumps(resource, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
