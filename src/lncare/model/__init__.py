"""The patient record: models, loader, units and JSON Schema (DESIGN.md, contract 1)."""

from lncare.model.biopsy import Biopsy
from lncare.model.labs import Lab
from lncare.model.load import load_patient
from lncare.model.medication import Medication
from lncare.model.patient import Patient
from lncare.model.schema import patient_json_schema
from lncare.model.vocabulary import CONDITIONS

__all__ = ["CONDITIONS", "Biopsy", "Lab", "Medication", "Patient", "load_patient", "patient_json_schema"]
