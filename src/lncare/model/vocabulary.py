"""The closed vocabularies of the patient record (DESIGN.md, contract 1).

A value outside these lists is an input error that lists the allowed values; nothing is guessed.
Each condition says why lncare asks about it: the guideline decision it can change (sections of
shared/domain/guidelines.md and calculators.md).
"""

from __future__ import annotations

from typing import Literal, get_args

Sex = Literal["female", "male"]

# "planning" applies to men too: ACR 2020 has men stop cyclophosphamide 3 months before conception.
Pregnancy = Literal["none", "pregnant", "planning", "lactating", "unknown"]

Frequency = Literal["once", "daily", "bid", "tid", "weekly", "q2w", "q4w", "monthly", "q6months"]

Route = Literal["oral", "iv", "sc"]

# Plain masses are converted to mg at load; per-kg and per-m2 doses stay as given for the engine.
DoseUnit = Literal["mg", "g", "mg/kg", "mg/m2"]
MG_PER_DOSE_UNIT: dict[str, float] = {"mg": 1.0, "g": 1000.0}

Condition = Literal[
    "hypertension",
    "diabetes",
    "osteoporosis",
    "hbv_infection",
    "hcv_infection",
    "hiv_infection",
    "latent_tb",
    "active_infection",
    "retinopathy",
    "esrd",
    "dialysis",
    "kidney_transplant",
    "antiphospholipid_syndrome",
    "antiphospholipid_antibodies",
    "thrombotic_microangiopathy",
    "heart_failure",
    "liver_disease",
    "malignancy",
    "hypogammaglobulinemia",
    "qt_prolongation",
]

CONDITIONS: dict[str, str] = {
    "hypertension": "raised blood pressure; BP targets and RAAS blockade (guidelines.md section 7)",
    "diabetes": "diabetes mellitus; glucocorticoid toxicity and SGLT2 inhibitor use (sections 3, 7)",
    "osteoporosis": "low bone density or fragility fracture; glucocorticoid bone protection (section 3.4)",
    "hbv_infection": "hepatitis B (HBsAg or anti-HBc positive); reactivation under anti-CD20 and "
    "other immunosuppression (sections 7, 9)",
    "hcv_infection": "hepatitis C; screening and referral before immunosuppression (section 7)",
    "hiv_infection": "HIV; screening before immunosuppression (section 7)",
    "latent_tb": "latent tuberculosis; screening before immunosuppression (section 7)",
    "active_infection": "a current serious infection; immunosuppression is deferred or reduced",
    "retinopathy": "existing retinal or macular disease; a major hydroxychloroquine retinal risk factor "
    "(AAO 2016, calculators.md section 9)",
    "esrd": "kidney failure (CKD stage 5); kidney-directed immunosuppression stops (section 1.4)",
    "dialysis": "on maintenance dialysis (section 1.4)",
    "kidney_transplant": "living with a kidney transplant; transplant protocols apply (section 8.4)",
    "antiphospholipid_syndrome": "APS; anticoagulation, contraception and pregnancy choices "
    "(sections 7, 8.5)",
    "antiphospholipid_antibodies": "persistent aPL without APS; aspirin prophylaxis and contraception "
    "(sections 7, 8.5)",
    "thrombotic_microangiopathy": "TMA diagnosed clinically or on biopsy; work-up per KDIGO (section 8.5)",
    "heart_failure": "heart failure; fluid load of IV therapy and drug choices",
    "liver_disease": "chronic liver disease; hepatotoxic drugs (azathioprine, methotrexate)",
    "malignancy": "active or recent cancer; cyclophosphamide and B-cell therapies",
    "hypogammaglobulinemia": "low IgG; infection risk under anti-CD20 therapy (section 9)",
    "qt_prolongation": "prolonged QT interval; hydroxychloroquine and voclosporin labels (section 9)",
}

if set(CONDITIONS) != set(get_args(Condition)):  # keep the documented list and the type in step
    raise RuntimeError("CONDITIONS and Condition disagree")
