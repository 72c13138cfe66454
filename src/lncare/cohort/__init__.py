"""Population analytics on OMOP CDM v5.4: synthetic data, definitions run as Ibis expressions, reports.

Modules: :mod:`~lncare.cohort.concepts` (concept ids with sources), :mod:`~lncare.cohort.omop` (table
schemas, writing DuckDB or Parquet), :mod:`~lncare.cohort.synth` (synthetic LN population),
:mod:`~lncare.cohort.records` (OMOP rows to lncare patient records).
"""
