"""FHIR R4 adapter: a Bundle or CDS Hooks prefetch -> lncare's patient record, and the record -> a Bundle
(:mod:`lncare.fhir.export`).

Codes read are in :mod:`lncare.fhir.codes` (one reviewed table, with sources); docs/fhir.md lists the
accepted codings, units and what is ignored.
"""

from lncare.fhir.bundle import FhirRecord, Ignored, is_fhir, load_fhir, read_bundle

__all__ = ["FhirRecord", "Ignored", "is_fhir", "load_fhir", "read_bundle"]
