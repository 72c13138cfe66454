"""Every OMOP concept id lncare writes or reads, each with the source it was checked against.

Sources, abbreviated in ``Concept.source``:
- ``interop 2.x``: the tables of shared/domain/interop.md section 2 (OHDSI PhenotypeLibrary, PEDSnet
  Variable-Dictionary, DataQualityDashboard rows; "name match" there means the concept id and the LOINC
  long name were seen together).
- ``scale 1.1``: shared/domain/scale.md section 1.1 (OHDSI PhenotypeLibrary cohort 119).
- ``pedsnet-biopsy``: PEDSnet/Variable-Dictionary ``procedures/px_2023_04_KidneyBiopsy_V1.csv``.
- ``public-map``: one public OMOP mapping table seen through the code search (not an OHDSI release);
  such ids carry ``verified=False`` until checked in Athena.
- ``recalled``: from memory, ``verified=False``; check in Athena before relying on them.

Where no standard concept was found (anti-dsDNA, voclosporin, the ISN/RPS class), lncare uses a local
concept in OMOP's site-specific range (ids >= 2,000,000,000, CDM v5.4 conventions) and says so.

Several standard concepts can mean one lncare test or condition (UPCR coded as LOINC 2890-2 or 34366-5;
eGFR by CKD-EPI 2009 or 2021). ``MEASUREMENTS``/``CONDITIONS`` give the one lncare writes;
``MEASUREMENT_SETS``/``CONDITION_SETS`` give every id lncare reads as that test or condition.

The ISN/RPS biopsy class is a measurement under the local concept ``BIOPSY_CLASS`` with
``value_as_number`` = the class as an integer (2 = class II ... 5 = class V) and ``value_source_value``
the roman numeral; a mixed biopsy (III+V) has one row per class on the biopsy date. SNOMED only codes
the old WHO classes (interop 2.2), hence a local concept.
"""

from __future__ import annotations

from dataclasses import dataclass

LOCAL_CONCEPT_MIN = 2_000_000_000  # OMOP CDM v5.4: ids from 2 billion up are site-specific


@dataclass(frozen=True)
class Concept:
    """One concept id with its name and where the id was seen."""

    id: int
    name: str
    source: str
    verified: bool = True

    @property
    def local(self) -> bool:
        return self.id >= LOCAL_CONCEPT_MIN


def _c(cid: int, name: str, source: str, verified: bool = True) -> Concept:
    return Concept(cid, name, source, verified)


_NAME_MATCH = "interop 2.1 name match"

# --- measurements (lncare lab-test name from model/units.py LAB_TESTS -> concept written) ---
_MEASUREMENTS: dict[str, Concept] = {
    "upcr": _c(3001582, "Protein/Creatinine [Mass Ratio] in Urine (LOINC 2890-2)", "interop 2.1 (PEDSnet)"),
    "creatinine": _c(3016723, "Creatinine [Mass/volume] in Serum or Plasma (LOINC 2160-0)", "interop 2.1"),
    "egfr": _c(3049187, "eGFR CKD-EPI (LOINC 62238-1)", "scale 1.1 (PL; DQD threshold text)"),
    "albumin": _c(3024561, "Albumin [Mass/volume] in Serum or Plasma (LOINC 1751-7)", _NAME_MATCH),
    "c3": _c(3000620, "Complement C3 [Mass/volume] in Serum or Plasma (LOINC 4485-9)", _NAME_MATCH),
    "c4": _c(3017766, "Complement C4 [Mass/volume] in Serum or Plasma (LOINC 4498-2)", _NAME_MATCH),
    "anti_dsdna": _c(
        2_000_000_001, "local: DNA double strand Ab [Units/volume] in Serum (LOINC 5130-0)",
        "local; interop 2.1 found no OMOP id for LOINC 5130-0",
    ),
    "urine_rbc": _c(3035124, "Erythrocytes [#/area] in Urine sediment by Microscopy HPF (LOINC 13945-1)",
                    "interop 2.1 name match"),
    "systolic_bp": _c(3004249, "Systolic blood pressure (LOINC 8480-6)", "interop 2.1 (DQD name)"),
    "diastolic_bp": _c(3012888, "Diastolic blood pressure (LOINC 8462-4)", "interop 2.1 (DQD name)"),
}
MEASUREMENTS: dict[str, int] = {test: c.id for test, c in _MEASUREMENTS.items()}

# Body measurements are record fields (weight_kg, height_cm), not lab tests.
WEIGHT = _c(3025315, "Body weight (LOINC 29463-7)", "interop 2.1")
HEIGHT = _c(3036277, "Body height (LOINC 8302-2)", "interop 2.1 (DQD name; code link unverified)")

# Other ids meaning the same test, read but never written (interop 2.1; scale 1.1 for the eGFR group).
_ALSO: dict[str, tuple[Concept, ...]] = {
    "upcr": (_c(3045462, "Protein/Creatinine [Ratio] in Urine (LOINC 34366-5)", "interop 2.1 (PEDSnet)"),),
    "creatinine": (_c(3020564, "Creatinine [Moles/volume] in Serum or Plasma (LOINC 14682-9)",
                      "interop 2.1 (PEDSnet)"),),
    "egfr": (
        _c(1619025, "eGFR CKD-EPI 2021 (LOINC 98979-8)", "interop 2.1 name match (DQD)"),
        _c(40764999, "eGFR CKD-EPI (LOINC 62238-1)", "interop 2.1 name match"),
        _c(3053283, "eGFR (grouped as eGFR by a public mapping)", "scale 1.1"),
        _c(3030354, "eGFR (grouped as eGFR by a public mapping)", "scale 1.1"),
    ),
    "urine_rbc": (_c(3048402, "Erythrocytes [#/area] in Urine sediment by Automated count",
                     "interop 2.1 (PEDSnet)"),),
}
MEASUREMENT_SETS: dict[str, tuple[int, ...]] = {
    test: (c.id, *(a.id for a in _ALSO.get(test, ()))) for test, c in _MEASUREMENTS.items()
}

# --- units (unit_concept_id -> UCUM spelling accepted by lncare.model.units / the record) ---
_UNITS: tuple[Concept, ...] = (
    _c(8840, "mg/dL", "interop 2.4 (OHDSI PL)"),
    _c(8749, "umol/L", "interop 2.4 (OHDSI PL)"),
    _c(8713, "g/dL", "interop 2.4 (OHDSI PL)"),
    _c(8636, "g/L", "interop 2.1 (DQD plausible unit for albumin; its name not seen)", verified=False),
    _c(8751, "mg/L", "interop 2.4 (DQD name)"),
    _c(9529, "kg", "interop 2.4 (OHDSI PL)"),
    _c(8723, "mg/g", "public-map (UPCR units; DQD lists 8723 for UPCR)", verified=False),
    _c(9565, "mg/mg", "public-map (UPCR units)", verified=False),
    _c(44777612, "mg/mmol", "public-map (UPCR units)", verified=False),
    _c(720870, "mL/min/{1.73_m2}", "interop 2.1 (DQD unit for eGFR; name not seen)", verified=False),
    _c(8876, "mm[Hg]", "recalled", verified=False),
    _c(8582, "cm", "recalled", verified=False),
    _c(8985, "[IU]/mL", "recalled", verified=False),
    _c(2_000_000_101, "/[HPF]", "local; no unit concept id found (interop 2.4 gives only the UCUM code)"),
)
UNITS: dict[int, str] = {c.id: c.name for c in _UNITS}
UNIT_IDS: dict[str, int] = {c.name: c.id for c in _UNITS}

# --- drug ingredients (lncare therapy id, or drug-class member INN name -> ingredient concept) ---
_DRUGS: dict[str, Concept] = {
    "hydroxychloroquine": _c(1777087, "hydroxychloroquine", "interop 2.3; scale 1.1 (PL cohort 119)"),
    "prednisone": _c(1551099, "prednisone", "interop 2.3; scale 1.1"),
    "prednisolone": _c(1550557, "prednisolone", "interop 2.3; scale 1.1"),
    "methylprednisolone": _c(1506270, "methylprednisolone", "interop 2.3; scale 1.1"),
    "mycophenolate-mofetil": _c(19003999, "mycophenolate mofetil", "interop 2.3 (PL, PEDSnet)"),
    "mycophenolic-acid": _c(
        19012565, "mycophenolic acid",
        "public-map (OHDSI vocabulary relationship_to_concept scripts); interop 2.3 lists it unverified",
        verified=False,
    ),
    "azathioprine": _c(19014878, "azathioprine", "interop 2.3; scale 1.1"),
    "cyclophosphamide": _c(1310317, "cyclophosphamide", "interop 2.3 (PL, PEDSnet)"),
    "tacrolimus": _c(950637, "tacrolimus", "interop 2.3 (PEDSnet)"),
    "cyclosporine": _c(19010482, "cyclosporine", "interop 2.3 (PEDSnet)"),
    "voclosporin": _c(2_000_000_201, "local: voclosporin", "local; interop 2.3 found no RxNorm/OMOP id"),
    "belimumab": _c(40236987, "belimumab", "interop 2.3 (PL)"),
    "obinutuzumab": _c(44507676, "obinutuzumab", "interop 2.3 (PL cohort 1318)"),
    "rituximab": _c(1314273, "rituximab", "interop 2.3"),
    "lisinopril": _c(1308216, "lisinopril", "interop 2.3 (PEDSnet raas_codes)"),
    "ramipril": _c(1334456, "ramipril", "public-map (an ACE-inhibitor concept table)", verified=False),
    "losartan": _c(1367500, "losartan", "interop 2.3 (PEDSnet raas_codes)"),
    "dapagliflozin": _c(44785829, "dapagliflozin", "interop 2.3 (PL, PEDSnet)"),
    "empagliflozin": _c(45774751, "empagliflozin", "interop 2.3"),
}
DRUGS: dict[str, int] = {key: c.id for key, c in _DRUGS.items()}
# The record's drug name (contract 1: lowercase INN) for each ingredient concept.
DRUG_NAMES: dict[int, str] = {c.id: c.name.removeprefix("local: ") for c in _DRUGS.values()}

DRUG_GROUPS: dict[str, tuple[int, ...]] = {
    "glucocorticoid": (DRUGS["prednisone"], DRUGS["prednisolone"], DRUGS["methylprednisolone"]),
    "oral_glucocorticoid": (DRUGS["prednisone"], DRUGS["prednisolone"]),
    "antimalarial": (DRUGS["hydroxychloroquine"],),
    "raas_blocker": (DRUGS["lisinopril"], DRUGS["ramipril"], DRUGS["losartan"]),
    "sglt2_inhibitor": (DRUGS["dapagliflozin"], DRUGS["empagliflozin"]),
}

# --- conditions ---
_CONDITIONS: dict[str, Concept] = {
    "sle": _c(257628, "Systemic lupus erythematosus (SNOMED 55464009)", "interop 2.2 (OHDSI PL)"),
    "lupus_nephritis": _c(4285717, "SLE glomerulonephritis syndrome (SNOMED 68815009)",
                          "interop 2.2 (PL cohort 668, PEDSnet)"),
    "esrd": _c(193782, "End-stage renal disease (SNOMED 46177005)", "interop 2.2"),
    "pregnant": _c(4299535, "Pregnant (SNOMED 77386006)", "interop 2.2"),
}
CONDITIONS: dict[str, int] = {key: c.id for key, c in _CONDITIONS.items()}
_CONDITION_ALSO: dict[str, tuple[Concept, ...]] = {
    # 255891 is Synthea's code; its descendants include cutaneous lupus, so it alone does not mean SLE.
    "sle": (_c(255891, "Lupus erythematosus (SNOMED 200936003)", "scale 1.1"),),
    "lupus_nephritis": (
        _c(37016279, "Glomerular disease due to SLE (SNOMED 308751000119106)", "interop 2.2; scale 1.1"),
        _c(4250483, "SLE glomerulonephritis syndrome, WHO class I", "interop 2.2"),
        _c(4186940, "SLE glomerulonephritis syndrome, WHO class II", "interop 2.2"),
        _c(4297164, "SLE glomerulonephritis syndrome, WHO class III", "interop 2.2"),
        _c(4267801, "SLE glomerulonephritis syndrome, WHO class IV", "interop 2.2"),
        _c(4178133, "SLE glomerulonephritis syndrome, WHO class V", "interop 2.2"),
        _c(4002526, "SLE glomerulonephritis syndrome, WHO class VI", "interop 2.2"),
        _c(40395089, "Nephrotic syndrome in SLE", "interop 2.2"),
        _c(37395585, "Nephrotic syndrome co-occurrent and due to SLE", "interop 2.2"),
    ),
}
CONDITION_SETS: dict[str, tuple[int, ...]] = {
    key: (c.id, *(a.id for a in _CONDITION_ALSO.get(key, ()))) for key, c in _CONDITIONS.items()
}

# --- kidney biopsy ---
KIDNEY_BIOPSY = _c(4217034, "Kidney biopsy (SNOMED 7246002)", "pedsnet-biopsy")
KIDNEY_BIOPSY_SET: tuple[int, ...] = (
    KIDNEY_BIOPSY.id,
    4173506,  # Needle biopsy of kidney (SNOMED 275155009), pedsnet-biopsy
    4167263,  # Percutaneous renal needle biopsy (SNOMED 274326000), pedsnet-biopsy
    2109566,  # CPT4 50200 Renal biopsy; percutaneous, pedsnet-biopsy
)
BIOPSY_CLASS = _c(2_000_000_010, "local: ISN/RPS class of the kidney biopsy", "local (see module docstring)")
ISN_RPS_CLASSES: dict[int, str] = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI"}

# --- person and type concepts ---
FEMALE = _c(8532, "FEMALE", "OMOP Gender vocabulary (issue 8 brief)")
MALE = _c(8507, "MALE", "OMOP Gender vocabulary (issue 8 brief)")
NO_MATCHING_CONCEPT = 0  # OMOP's id for "no matching concept" (race, ethnicity left unknown)
EHR = _c(32817, "EHR (type concept)", "recalled", verified=False)
EHR_PRESCRIPTION = _c(32838, "EHR prescription (type concept)", "recalled", verified=False)
LAB = _c(32856, "Lab (type concept)", "recalled", verified=False)
ROUTES: dict[str, Concept] = {
    "oral": _c(4132161, "Oral", "recalled", verified=False),
    "iv": _c(4171047, "Intravenous", "recalled", verified=False),
    "sc": _c(4142048, "Subcutaneous", "recalled", verified=False),
}


def all_concepts() -> list[Concept]:
    """Every concept this module names, for review and for the tests."""
    groups: list[Concept] = [
        *_MEASUREMENTS.values(), WEIGHT, HEIGHT, *(a for also in _ALSO.values() for a in also), *_UNITS,
        *_DRUGS.values(), *_CONDITIONS.values(), *(a for also in _CONDITION_ALSO.values() for a in also),
        KIDNEY_BIOPSY, BIOPSY_CLASS, FEMALE, MALE, EHR, EHR_PRESCRIPTION, LAB, *ROUTES.values(),
    ]
    return groups
