"""The one reviewed code table of the FHIR adapter: which LOINC, SNOMED CT and RxNorm codes lncare reads.

Every entry carries its source. ``shared/domain/interop.md`` section 2 is the review these codes come
from (its own sources are listed there: US Core examples, PEDSnet codesets, OHDSI Phenotype Library,
the eCQM "Urine Protein Tests" value set, hl7ch/ch-lab-report, lab catalogues). Codes found elsewhere
name that place; a code seen only in unattributed public code, or recalled, is marked ``verified=False``
and listed in docs/fhir.md so it can be checked on a terminology server (tx.fhir.org, RxNav) before use.

Matching is on (system, code), never on display text: LOINC 2.77 renamed the GFR terms, and display
strings differ between EHRs.
"""

from __future__ import annotations

from dataclasses import dataclass

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
# lncare's own code systems, for facts no standard terminology codes: the ISN/RPS 2003/2018 biopsy
# class (SNOMED CT only has the older WHO classes), the biopsy's NIH indices, and record-vocabulary terms.
ISN_RPS = "https://lncare.org/fhir/CodeSystem/isn-rps-class"
LNCARE = "https://lncare.org/fhir/CodeSystem/lncare"
LNCARE_CONDITION = "https://lncare.org/fhir/CodeSystem/condition"

_INTEROP = "shared/domain/interop.md"


@dataclass(frozen=True)
class Code:
    """One code lncare reads: what it means in the record (``target``) and where the code was checked."""

    system: str
    code: str
    display: str
    target: str
    source: str
    verified: bool = True


def _table(*codes: Code) -> dict[str, Code]:
    return {c.code: c for c in codes}


# LOINC -> lab test name of the record (lncare.model.units.LAB_TESTS).
LAB_LOINC = _table(
    Code(
        LOINC,
        "2890-2",
        "Protein/Creatinine [Mass Ratio] in Urine",
        "upcr",
        f"{_INTEROP} 2.1 (eCQM VS, PEDSnet)",
    ),
    Code(
        LOINC, "34366-5", "Protein/Creatinine [Ratio] in Urine", "upcr", f"{_INTEROP} 2.1 (eCQM VS, PEDSnet)"
    ),
    Code(LOINC, "2889-4", "Protein [Mass/time] in 24 hour Urine", "protein_24h", f"{_INTEROP} 2.1 (eCQM VS)"),
    Code(LOINC, "9318-7", "Albumin/Creatinine [Mass Ratio] in Urine", "uacr", f"{_INTEROP} 2.1 (eCQM VS)"),
    Code(LOINC, "32294-1", "Albumin/Creatinine [Ratio] in Urine", "uacr", f"{_INTEROP} 2.1 (eCQM VS)"),
    Code(
        LOINC,
        "2160-0",
        "Creatinine [Mass/volume] in Serum or Plasma",
        "creatinine",
        f"{_INTEROP} 2.1 (US Core example, PEDSnet)",
    ),
    Code(
        LOINC,
        "14682-9",
        "Creatinine [Moles/volume] in Serum or Plasma",
        "creatinine",
        f"{_INTEROP} 2.1 (PEDSnet)",
    ),
    Code(
        LOINC,
        "98979-8",
        "eGFR by creatinine-based formula (CKD-EPI 2021)",
        "egfr",
        f"{_INTEROP} 2.1 (hl7ch/ch-lab-report)",
    ),
    Code(
        LOINC,
        "98980-6",
        "eGFR by creatinine and cystatin C-based formula (CKD-EPI 2021)",
        "egfr",
        f"{_INTEROP} 2.1 (hl7ch/ch-lab-report)",
    ),
    # The 2009 CKD-EPI result is still what many labs report; the record keeps any reported eGFR.
    Code(
        LOINC,
        "62238-1",
        "eGFR by creatinine-based formula (CKD-EPI 2009)",
        "egfr",
        f"{_INTEROP} 2.1 (ch-lab-report, zietzm/phenotype_standardization)",
    ),
    Code(
        LOINC,
        "33863-2",
        "Cystatin C [Mass/volume] in Serum or Plasma",
        "cystatin_c",
        f"{_INTEROP} 2.1 (PEDSnet)",
    ),
    Code(
        LOINC,
        "1751-7",
        "Albumin [Mass/volume] in Serum or Plasma",
        "albumin",
        f"{_INTEROP} 2.1 (LOINC table dump, MIMIC map)",
    ),
    Code(
        LOINC, "4485-9", "Complement C3 [Mass/volume] in Serum or Plasma", "c3", f"{_INTEROP} 2.1 (MIMIC map)"
    ),
    Code(
        LOINC, "4498-2", "Complement C4 [Mass/volume] in Serum or Plasma", "c4", f"{_INTEROP} 2.1 (MIMIC map)"
    ),
    Code(
        LOINC,
        "5130-0",
        "DNA double strand Ab [Units/volume] in Serum",
        "anti_dsdna",
        f"{_INTEROP} 2.1 (LOINC table dump, MIMIC map)",
    ),
    Code(
        LOINC,
        "718-7",
        "Hemoglobin [Mass/volume] in Blood",
        "hemoglobin",
        f"{_INTEROP} 2.1 (US Core CBC, PEDSnet)",
    ),
    Code(
        LOINC,
        "6690-2",
        "Leukocytes [#/volume] in Blood by Automated count",
        "wbc",
        f"{_INTEROP} 2.1 (US Core, PEDSnet)",
    ),
    Code(
        LOINC,
        "731-0",
        "Lymphocytes [#/volume] in Blood by Automated count",
        "lymphocytes",
        f"{_INTEROP} 2.1 (PEDSnet alc_lab)",
    ),
    Code(
        LOINC,
        "26474-7",
        "Lymphocytes [#/volume] in Blood",
        "lymphocytes",
        f"{_INTEROP} 2.1 (PEDSnet alc_lab)",
    ),
    Code(
        LOINC,
        "777-3",
        "Platelets [#/volume] in Blood by Automated count",
        "platelets",
        f"{_INTEROP} 2.1 (US Core, PEDSnet)",
    ),
    Code(
        LOINC,
        "13945-1",
        "Erythrocytes [#/area] in Urine sediment by Microscopy high power field",
        "urine_rbc",
        f"{_INTEROP} 2.1 (LOINC table dump)",
    ),
    Code(LOINC, "8480-6", "Systolic blood pressure", "systolic_bp", f"{_INTEROP} 2.1 (US Core)"),
    Code(LOINC, "8462-4", "Diastolic blood pressure", "diastolic_bp", f"{_INTEROP} 2.1 (US Core)"),
    Code(
        LOINC,
        "95921-3",
        "Hydroxychloroquine [Mass/volume] in Blood",
        "hcq_blood_level",
        f"{_INTEROP} 2.1 (Mayo HCQWB catalogue; long name unverified)",
    ),
    Code(
        LOINC,
        "11253-2",
        "Tacrolimus [Mass/volume] in Blood",
        "tacrolimus_trough",
        f"{_INTEROP} 2.1 (LOINC table dump, MIMIC map; labs report troughs under this code)",
    ),
    Code(
        LOINC,
        "2823-3",
        "Potassium [Moles/volume] in Serum or Plasma",
        "potassium",
        "recalled; not in interop.md",
        verified=False,
    ),
    Code(LOINC, "2465-3", "IgG [Mass/volume] in Serum", "igg", "recalled; not in interop.md", verified=False),
    Code(
        LOINC,
        "751-8",
        "Neutrophils [#/volume] in Blood by Automated count",
        "neutrophils",
        "recalled; not in interop.md",
        verified=False,
    ),
)

# The LOINC code the exporter writes for a test, by the UCUM unit of the value (None: any unit).
EXPORT_LOINC: dict[tuple[str, str | None], str] = {
    ("upcr", "mg/mmol"): "34366-5",
    ("upcr", None): "2890-2",
    ("uacr", "mg/mmol"): "32294-1",
    ("uacr", None): "9318-7",
    ("creatinine", "umol/L"): "14682-9",
    ("creatinine", None): "2160-0",
    ("egfr", None): "98979-8",
    ("lymphocytes", None): "731-0",
    **{
        (c.target, None): c.code
        for c in LAB_LOINC.values()
        if c.target not in {"upcr", "uacr", "creatinine", "egfr", "lymphocytes"}
    },
}

WEIGHT = Code(LOINC, "29463-7", "Body weight", "weight_kg", f"{_INTEROP} 2.1 (US Core)")
HEIGHT = Code(LOINC, "8302-2", "Body height", "height_cm", f"{_INTEROP} 2.1 (US Core)")
BP_PANEL = Code(
    LOINC,
    "85354-9",
    "Blood pressure panel with all children optional",
    "bp_panel",
    f"{_INTEROP} 2.1 (US Core)",
)
PREGNANCY_STATUS = Code(LOINC, "82810-3", "Pregnancy status", "pregnancy", f"{_INTEROP} 2.1 (US Core)")
PREGNANCY_INTENT = Code(
    LOINC,
    "86645-9",
    "Pregnancy intention in the next year - Reported",
    "pregnancy",
    "HL7/US-Core ValueSet-us-core-pregnancy-intent-intro.md",
)
# No standard lactation-status code was verified; lncare's own code carries it (valueBoolean).
LACTATION = Code(LNCARE, "lactating", "Currently breastfeeding", "pregnancy", "lncare code system (local)")

# Units of weight and height, factor to kg or cm. UCUM: [lb_av] = 7000 [gr], [gr] = 64.79891 mg, so
# 1 [lb_av] = 0.45359237 kg exactly; [in_i] = 2.54 cm exactly (both the 1959 international definitions).
WEIGHT_UNITS: dict[str, float] = {"kg": 1.0, "g": 0.001, "[lb_av]": 0.45359237}
HEIGHT_UNITS: dict[str, float] = {"cm": 1.0, "m": 100.0, "[in_i]": 2.54}

# Values of pregnancy status / intent -> record pregnancy.
PREGNANCY_VALUES = _table(
    Code(SNOMED, "77386006", "Pregnant", "pregnant", f"{_INTEROP} 2.2 (US Core pregnancy-status value)"),
    Code(
        SNOMED,
        "60001007",
        "Not pregnant",
        "none",
        "DICOM CID 6096 Pregnancy Status; WHO SMART immunizations VS",
    ),
    Code(
        SNOMED,
        "261665006",
        "Unknown",
        "unknown",
        "DICOM CID 6096 Pregnancy Status; WHO SMART immunizations VS",
    ),
    Code(
        SNOMED,
        "454411000124108",
        "Wants to become pregnant",
        "planning",
        "HL7/US-Core us-core-pregnancy-intent value set",
    ),
)
# The other US Core intent answers say nothing that changes the record's pregnancy field.
PREGNANCY_INTENT_OTHER = frozenset({"454381000124105", "454391000124108", "454401000124105"})

# Biopsy: an Observation coded LNCARE#kidney-biopsy, value = one ISN/RPS class coding per class.
BIOPSY = Code(
    LNCARE,
    "kidney-biopsy",
    "Kidney biopsy: ISN/RPS class of lupus nephritis",
    "biopsy",
    "lncare code system (local); ISN/RPS 2003, revised 2018 (Bajema et al., Kidney Int 2018)",
)
ISN_RPS_CLASSES = ("I", "II", "III", "IV", "V", "VI")
BIOPSY_COMPONENTS = _table(
    Code(LNCARE, "activity-index", "Modified NIH activity index (0-24)", "activity_index", "Bajema 2018"),
    Code(
        LNCARE, "chronicity-index", "Modified NIH chronicity index (0-12)", "chronicity_index", "Bajema 2018"
    ),
    Code(LNCARE, "crescents-percent", "Glomeruli with crescents, %", "crescents_percent", "Bajema 2018"),
    Code(LNCARE, "tma", "Thrombotic microangiopathy on biopsy", "tma", "KDIGO 2024 LN guideline"),
)

# SNOMED CT WHO classes of LN (a Condition): class number -> the same ISN/RPS class number.
WHO_CLASS = _table(
    Code(
        SNOMED, "73286009", "SLE glomerulonephritis syndrome, WHO class I", "I", f"{_INTEROP} 2.2 (PEDSnet)"
    ),
    Code(
        SNOMED, "4676006", "SLE glomerulonephritis syndrome, WHO class II", "II", f"{_INTEROP} 2.2 (PEDSnet)"
    ),
    Code(
        SNOMED,
        "76521009",
        "SLE glomerulonephritis syndrome, WHO class III",
        "III",
        f"{_INTEROP} 2.2 (PEDSnet)",
    ),
    Code(
        SNOMED, "36402006", "SLE glomerulonephritis syndrome, WHO class IV", "IV", f"{_INTEROP} 2.2 (PEDSnet)"
    ),
    Code(
        SNOMED, "52042003", "SLE glomerulonephritis syndrome, WHO class V", "V", f"{_INTEROP} 2.2 (PEDSnet)"
    ),
    Code(
        SNOMED, "11013005", "SLE glomerulonephritis syndrome, WHO class VI", "VI", f"{_INTEROP} 2.2 (PEDSnet)"
    ),
)
# The lupus diagnosis itself: recognised, but lncare assumes it, so the record has no field for it.
LUPUS = _table(
    Code(SNOMED, "55464009", "Systemic lupus erythematosus", "lupus", f"{_INTEROP} 2.2 (OHDSI PL)"),
    Code(
        SNOMED,
        "68815009",
        "SLE glomerulonephritis syndrome",
        "lupus",
        f"{_INTEROP} 2.2 (OHDSI PL cohort 668)",
    ),
    Code(SNOMED, "308751000119106", "Glomerular disease due to SLE", "lupus", f"{_INTEROP} 2.2"),
    Code(SNOMED, "197608009", "Nephrotic syndrome in SLE", "lupus", f"{_INTEROP} 2.2"),
    Code(
        SNOMED,
        "295111000119108",
        "Nephrotic syndrome co-occurrent and due to SLE",
        "lupus",
        f"{_INTEROP} 2.2",
    ),
    Code(SNOMED, "307755009", "Renal tubulo-interstitial disorder in SLE", "lupus", f"{_INTEROP} 2.2"),
)

# SNOMED CT condition -> record conditions (one code may set two, e.g. ESRD on dialysis).
CONDITION_SNOMED: dict[str, tuple[Code, tuple[str, ...]]] = {
    c.code: (c, tuple(c.target.split("+")))
    for c in (
        Code(
            SNOMED,
            "38341003",
            "Hypertensive disorder, systemic arterial",
            "hypertension",
            "DICOM CID 3640 Hypertension (bvdh/dicom-terminology-in-fhir)",
        ),
        Code(SNOMED, "73211009", "Diabetes mellitus", "diabetes", "seen in public code only", verified=False),
        Code(SNOMED, "46177005", "End-stage renal disease", "esrd", f"{_INTEROP} 2.2 (OHDSI PL, PEDSnet)"),
        Code(SNOMED, "433146000", "Chronic kidney disease stage 5", "esrd", f"{_INTEROP} 2.2"),
        Code(SNOMED, "236435004", "End stage renal failure on dialysis", "esrd+dialysis", f"{_INTEROP} 2.2"),
    )
}
# The SNOMED code the exporter writes for a record condition; the rest go out as LNCARE_CONDITION codes.
EXPORT_CONDITION_SNOMED = {"hypertension": "38341003", "esrd": "46177005"}

# A pregnancy recorded as a Condition.
PREGNANT_CONDITION = PREGNANCY_VALUES["77386006"]

# RxNorm ingredients (TTY=IN) -> INN name of the record.
RXNORM_INGREDIENTS = _table(
    Code(RXNORM, "5521", "hydroxychloroquine", "hydroxychloroquine", f"{_INTEROP} 2.3 (OHDSI PL)"),
    Code(RXNORM, "8640", "prednisone", "prednisone", f"{_INTEROP} 2.3"),
    Code(RXNORM, "8638", "prednisolone", "prednisolone", f"{_INTEROP} 2.3"),
    Code(RXNORM, "6902", "methylprednisolone", "methylprednisolone", f"{_INTEROP} 2.3"),
    Code(RXNORM, "68149", "mycophenolate mofetil", "mycophenolate mofetil", f"{_INTEROP} 2.3 (PL, PEDSnet)"),
    Code(
        RXNORM,
        "72436",
        "mycophenolic acid",
        "mycophenolic acid",
        f"{_INTEROP} 2.3 marks it unverified",
        verified=False,
    ),
    Code(RXNORM, "3002", "cyclophosphamide", "cyclophosphamide", f"{_INTEROP} 2.3; CPIC drug table"),
    Code(RXNORM, "1256", "azathioprine", "azathioprine", f"{_INTEROP} 2.3; CPIC drug table"),
    Code(RXNORM, "42316", "tacrolimus", "tacrolimus", f"{_INTEROP} 2.3 (PEDSnet)"),
    Code(RXNORM, "3008", "cyclosporine", "cyclosporine", f"{_INTEROP} 2.3; CPIC drug table"),
    Code(RXNORM, "1092437", "belimumab", "belimumab", f"{_INTEROP} 2.3 (OHDSI PL)"),
    Code(RXNORM, "974779", "obinutuzumab", "obinutuzumab", f"{_INTEROP} 2.3 (OHDSI PL cohort 1318)"),
    Code(RXNORM, "121191", "rituximab", "rituximab", f"{_INTEROP} 2.3"),
    Code(RXNORM, "27169", "leflunomide", "leflunomide", f"{_INTEROP} 2.3 (OHDSI PL)"),
    Code(RXNORM, "1488564", "dapagliflozin", "dapagliflozin", f"{_INTEROP} 2.3 (PL, PEDSnet)"),
    Code(RXNORM, "1545653", "empagliflozin", "empagliflozin", f"{_INTEROP} 2.3"),
    Code(RXNORM, "52175", "losartan", "losartan", f"{_INTEROP} 2.3 (PEDSnet raas_codes)"),
    Code(RXNORM, "29046", "lisinopril", "lisinopril", f"{_INTEROP} 2.3 (PEDSnet raas_codes)"),
    Code(RXNORM, "1191", "aspirin", "aspirin", "CPIC drug table (cpicpgx/cpic-schema drug.sql)"),
    Code(RXNORM, "35296", "ramipril", "ramipril", "recalled; not in interop.md", verified=False),
    Code(RXNORM, "3827", "enalapril", "enalapril", "recalled; not in interop.md", verified=False),
    Code(RXNORM, "83818", "irbesartan", "irbesartan", "recalled; not in interop.md", verified=False),
    Code(RXNORM, "17767", "amlodipine", "amlodipine", "recalled; not in interop.md", verified=False),
    Code(RXNORM, "6809", "metformin", "metformin", "recalled; not in interop.md", verified=False),
)
# Clinical and branded drug codes (SCD/SBD), rolled up to their ingredient. EHR orders carry these,
# not ingredient codes (interop.md 1.5); extend this table from RxNav ``related?tty=IN`` as needed.
RXNORM_PRODUCTS = _table(
    Code(
        RXNORM,
        "1664464",
        "Tacrolimus 1 MG Extended Release Oral Tablet",
        "tacrolimus",
        f"{_INTEROP} 2.3 (PEDSnet row, OMOP 46287739)",
    ),
    Code(
        RXNORM,
        "104384",
        "ramipril 2.5 MG Oral Capsule [Altace]",
        "ramipril",
        "reason-healthcare/simple-interactive-cds ACE inhibitor value set",
    ),
)
EXPORT_RXNORM = {c.target: c.code for c in RXNORM_INGREDIENTS.values()}

# SNOMED CT routes of administration (DICOM CID 11 and the OncoFAIR SNOMED route list agree).
ROUTES = _table(
    Code(SNOMED, "26643006", "Oral route", "oral", "DICOM CID 11 Administration Route"),
    Code(SNOMED, "47625008", "Intravenous route", "iv", "DICOM CID 11 Administration Route"),
    Code(SNOMED, "34206005", "Subcutaneous route", "sc", "DICOM CID 11 Administration Route"),
)
EXPORT_ROUTE = {c.target: c.code for c in ROUTES.values()}

# UCUM dose units the record takes (mg/m2 is UCUM's spelling of mg per square metre).
DOSE_UNITS = ("mg", "g", "mg/kg", "mg/m2")

# Timing.repeat (frequency, period, periodUnit) -> record frequency. "once" is repeat.count = 1.
FREQUENCIES: dict[tuple[int, float, str], str] = {
    (1, 1, "d"): "daily",
    (2, 1, "d"): "bid",
    (3, 1, "d"): "tid",
    (1, 24, "h"): "daily",
    (1, 12, "h"): "bid",
    (1, 8, "h"): "tid",
    (1, 1, "wk"): "weekly",
    (1, 2, "wk"): "q2w",
    (1, 4, "wk"): "q4w",
    (1, 1, "mo"): "monthly",
    (1, 6, "mo"): "q6months",
}
EXPORT_FREQUENCY = {
    "daily": (1, 1, "d"),
    "bid": (2, 1, "d"),
    "tid": (3, 1, "d"),
    "weekly": (1, 1, "wk"),
    "q2w": (1, 2, "wk"),
    "q4w": (1, 4, "wk"),
    "monthly": (1, 1, "mo"),
    "q6months": (1, 6, "mo"),
}


def all_codes() -> list[Code]:
    """Every code in the table, for tests and docs."""
    return [
        *LAB_LOINC.values(),
        WEIGHT,
        HEIGHT,
        BP_PANEL,
        PREGNANCY_STATUS,
        PREGNANCY_INTENT,
        LACTATION,
        *PREGNANCY_VALUES.values(),
        BIOPSY,
        *BIOPSY_COMPONENTS.values(),
        *WHO_CLASS.values(),
        *LUPUS.values(),
        *(c for c, _ in CONDITION_SNOMED.values()),
        *RXNORM_INGREDIENTS.values(),
        *RXNORM_PRODUCTS.values(),
        *ROUTES.values(),
    ]
