"""2019 EULAR/ACR classification criteria for systemic lupus erythematosus.

Source: Aringer M et al., Ann Rheum Dis 2019;78:1151-9 and Arthritis Rheumatol 2019;71:1400-12.
Entry criterion: ANA >= 1:80 on HEp-2 cells or an equivalent positive test, at least once. Then
additive weighted criteria in 7 clinical and 3 immunological domains; a criterion counts once ever,
only if nothing explains it better than SLE; within a domain only the highest-weighted criterion
counts; classify as SLE at a total >= 10 with at least one clinical criterion.

Checked: every weight against the published table as reproduced in HHE Rheumatology 2019 (table 2)
and shared/domain/calculators.md section 6 (verified there against the Aringer 2019 manuscript;
maximum 51 as in PMC8741517). These are classification criteria for research cohorts, not
diagnostic criteria.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from lncare.errors import InputError, one_of

Kind = Literal["clinical", "immunological"]

# Aringer 2019: "SLE classification requires at least one clinical criterion and >= 10 points".
CLASSIFICATION_THRESHOLD = 10


@dataclass(frozen=True)
class Criterion:
    """One weighted criterion of the 2019 EULAR/ACR table."""

    name: str
    label: str
    domain: str
    kind: Kind
    weight: int


CRITERIA: tuple[Criterion, ...] = (
    Criterion("fever", "Fever > 38.3 °C", "constitutional", "clinical", 2),
    Criterion("leukopenia", "Leukopenia < 4,000/mm3", "hematologic", "clinical", 3),
    Criterion("thrombocytopenia", "Thrombocytopenia < 100,000/mm3", "hematologic", "clinical", 4),
    Criterion("autoimmune_hemolysis", "Autoimmune haemolysis", "hematologic", "clinical", 4),
    Criterion("delirium", "Delirium", "neuropsychiatric", "clinical", 2),
    Criterion("psychosis", "Psychosis", "neuropsychiatric", "clinical", 3),
    Criterion("seizure", "Seizure", "neuropsychiatric", "clinical", 5),
    Criterion("nonscarring_alopecia", "Non-scarring alopecia", "mucocutaneous", "clinical", 2),
    Criterion("oral_ulcers", "Oral ulcers", "mucocutaneous", "clinical", 2),
    Criterion("scle_or_dle", "Subacute cutaneous or discoid lupus", "mucocutaneous", "clinical", 4),
    Criterion("acle", "Acute cutaneous lupus", "mucocutaneous", "clinical", 6),
    Criterion("pleural_or_pericardial_effusion", "Pleural or pericardial effusion", "serosal", "clinical", 5),
    Criterion("acute_pericarditis", "Acute pericarditis", "serosal", "clinical", 6),
    Criterion("joint_involvement", "Joint involvement", "musculoskeletal", "clinical", 6),
    Criterion("proteinuria_gt_0_5g_24h", "Proteinuria > 0.5 g/24 h", "renal", "clinical", 4),
    Criterion("ln_class_ii_or_v", "Renal biopsy: class II or V lupus nephritis", "renal", "clinical", 8),
    Criterion("ln_class_iii_or_iv", "Renal biopsy: class III or IV lupus nephritis", "renal", "clinical", 10),
    Criterion("antiphospholipid_antibodies",
              "Anticardiolipin (> 40 units or > 99th percentile), anti-beta2GP1 or lupus anticoagulant",
              "antiphospholipid_antibodies", "immunological", 2),
    Criterion("low_c3_or_low_c4", "Low C3 or low C4", "complement", "immunological", 3),
    Criterion("low_c3_and_low_c4", "Low C3 and low C4", "complement", "immunological", 4),
    Criterion("anti_dsdna", "Anti-dsDNA antibody", "sle_specific_antibodies", "immunological", 6),
    Criterion("anti_smith", "Anti-Smith antibody", "sle_specific_antibodies", "immunological", 6),
)

_BY_NAME = {c.name: c for c in CRITERIA}
# Domain order of the published table; results list counted domains in this order.
DOMAINS: tuple[str, ...] = tuple(dict.fromkeys(c.domain for c in CRITERIA))


@dataclass(frozen=True)
class EularAcr2019:
    """Outcome of the 2019 EULAR/ACR criteria, with what counted and why.

    ``score`` is None when the entry criterion is not met: the criteria are then not applied.
    ``counted`` maps each domain with a criterion present to the one criterion that counts (the
    highest weight); ``not_counted`` lists criteria present but outweighed within their domain.
    """

    entry_criterion_met: bool
    score: int | None
    classified: bool
    counted: Mapping[str, Criterion]
    not_counted: tuple[Criterion, ...]
    reason: str


def criterion(name: str, field: str = "criteria") -> Criterion:
    """The criterion called ``name`` (case, spaces and hyphens ignored); unknown -> InputError."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_") if isinstance(name, str) else None
    found = _BY_NAME.get(key) if key else None
    if found is None:
        raise InputError(field, name, f"is not a 2019 EULAR/ACR criterion (use {one_of(list(_BY_NAME))})")
    return found


def eular_acr_2019(criteria: Iterable[str], ana_positive: bool, field: str = "criteria") -> EularAcr2019:
    """Apply the 2019 EULAR/ACR SLE classification criteria.

    ``ana_positive``: ANA >= 1:80 on HEp-2 cells (or an equivalent positive test) at least once.
    ``criteria``: names of the criteria ever present and not better explained by another cause.
    """
    present = {criterion(name, field).name for name in criteria}
    if not ana_positive:
        return EularAcr2019(False, None, False, MappingProxyType({}), (),
                            "entry criterion not met (ANA never >= 1:80): the criteria are not applied")
    counted: dict[str, Criterion] = {}
    for item in CRITERIA:
        # Table order breaks ties within a domain; the counted weight is the same either way.
        if item.name in present and (item.domain not in counted or item.weight > counted[item.domain].weight):
            counted[item.domain] = item
    ordered = {domain: counted[domain] for domain in DOMAINS if domain in counted}
    outweighed = tuple(c for c in CRITERIA if c.name in present and ordered[c.domain] is not c)
    score = sum(c.weight for c in ordered.values())
    has_clinical = any(c.kind == "clinical" for c in ordered.values())
    classified = score >= CLASSIFICATION_THRESHOLD and has_clinical
    if classified:
        reason = f"{score} points (>= {CLASSIFICATION_THRESHOLD}) and a clinical criterion: classified as SLE"
    elif score >= CLASSIFICATION_THRESHOLD:
        reason = f"{score} points but no clinical criterion: not classified as SLE"
    else:
        reason = f"{score} points (< {CLASSIFICATION_THRESHOLD}): not classified as SLE"
    return EularAcr2019(True, score, classified, MappingProxyType(ordered), outweighed, reason)
