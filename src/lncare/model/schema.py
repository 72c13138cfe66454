"""The JSON Schema of the patient record, generated from the model (committed as docs/patient.schema.json)."""

from __future__ import annotations

from typing import Any

from lncare.model.patient import Patient

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def patient_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the record :func:`lncare.model.load_patient` accepts.

    The schema checks shape and vocabularies; unit-per-test, plausibility and date rules are enforced
    by the loader, so a file that passes the schema can still be refused with a precise message.
    """
    return {"$schema": SCHEMA_DIALECT, **Patient.model_json_schema()}
