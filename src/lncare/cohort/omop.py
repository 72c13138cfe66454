"""The OMOP CDM v5.4 tables lncare writes and reads, as Arrow schemas, and writing them out.

Column names and order follow OHDSI/CommonDataModel ``inst/csv/OMOP_CDMv5.4_Field_Level.csv``
(shared/domain/scale.md 1.1, interop.md 4); only the columns lncare fills or reads are kept. Types follow
the official DuckDB DDL: ids BIGINT (int64), concept ids INTEGER (int32), ``*_date`` DATE (date32, which
keeps date arithmetic portable between DuckDB and Spark), numbers DOUBLE, text VARCHAR.

:func:`write` appends: to tables of a ``*.duckdb`` file (created from the schema on first use), or to a
folder of Parquet files, one file per table per call (``measurement/part-00003.parquet``), so a
generator can write chunk by chunk without holding the population in memory.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from lncare.errors import InputError, one_of

_ID, _CONCEPT, _DATE, _NUM, _TEXT = pa.int64(), pa.int32(), pa.date32(), pa.float64(), pa.string()


def _schema(*fields: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema([pa.field(name, kind) for name, kind in fields])


SCHEMAS: dict[str, pa.Schema] = {
    "person": _schema(
        ("person_id", _ID), ("gender_concept_id", _CONCEPT), ("year_of_birth", _CONCEPT),
        ("month_of_birth", _CONCEPT), ("day_of_birth", _CONCEPT), ("race_concept_id", _CONCEPT),
        ("ethnicity_concept_id", _CONCEPT), ("person_source_value", _TEXT), ("gender_source_value", _TEXT),
    ),
    "observation_period": _schema(
        ("observation_period_id", _ID), ("person_id", _ID), ("observation_period_start_date", _DATE),
        ("observation_period_end_date", _DATE), ("period_type_concept_id", _CONCEPT),
    ),
    "condition_occurrence": _schema(
        ("condition_occurrence_id", _ID), ("person_id", _ID), ("condition_concept_id", _CONCEPT),
        ("condition_start_date", _DATE), ("condition_end_date", _DATE),
        ("condition_type_concept_id", _CONCEPT), ("condition_source_value", _TEXT),
    ),
    "procedure_occurrence": _schema(
        ("procedure_occurrence_id", _ID), ("person_id", _ID), ("procedure_concept_id", _CONCEPT),
        ("procedure_date", _DATE), ("procedure_type_concept_id", _CONCEPT), ("procedure_source_value", _TEXT),
    ),
    "measurement": _schema(
        ("measurement_id", _ID), ("person_id", _ID), ("measurement_concept_id", _CONCEPT),
        ("measurement_date", _DATE), ("measurement_type_concept_id", _CONCEPT),
        ("value_as_number", _NUM), ("value_as_concept_id", _CONCEPT), ("unit_concept_id", _CONCEPT),
        ("measurement_source_value", _TEXT), ("unit_source_value", _TEXT), ("value_source_value", _TEXT),
    ),
    "drug_exposure": _schema(
        ("drug_exposure_id", _ID), ("person_id", _ID), ("drug_concept_id", _CONCEPT),
        ("drug_exposure_start_date", _DATE), ("drug_exposure_end_date", _DATE),
        ("drug_type_concept_id", _CONCEPT), ("quantity", _NUM), ("days_supply", _CONCEPT), ("sig", _TEXT),
        ("route_concept_id", _CONCEPT), ("drug_source_value", _TEXT), ("route_source_value", _TEXT),
        ("dose_unit_source_value", _TEXT),
    ),
    "death": _schema(("person_id", _ID), ("death_date", _DATE), ("death_type_concept_id", _CONCEPT)),
}

_SQL_TYPES: dict[pa.DataType, str] = {
    _ID: "BIGINT", _CONCEPT: "INTEGER", _DATE: "DATE", _NUM: "DOUBLE", _TEXT: "VARCHAR",
}


def conform(name: str, table: pa.Table) -> pa.Table:
    """``table`` with exactly the columns and types of OMOP table ``name`` (missing columns as nulls)."""
    schema = _known(name)
    columns = []
    for field in schema:
        if field.name in table.column_names:
            columns.append(table.column(field.name).cast(field.type))
        else:
            columns.append(pa.nulls(table.num_rows, field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def write(tables: Mapping[str, pa.Table], out: Path) -> None:
    """Append ``tables`` (OMOP table name -> rows) to a ``*.duckdb`` file, or else to a Parquet folder."""
    conformed = {name: conform(name, table) for name, table in tables.items()}
    if out.suffix == ".duckdb":
        _append_duckdb(conformed, out)
    else:
        _append_parquet(conformed, out)


def _known(name: str) -> pa.Schema:
    try:
        return SCHEMAS[name]
    except KeyError:
        allowed = one_of(sorted(SCHEMAS))
        raise InputError("table", name, f"is not an OMOP table lncare writes (use {allowed})") from None


def _append_duckdb(tables: Mapping[str, pa.Table], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(out))
    try:
        for name, table in tables.items():
            columns = ", ".join(f"{f.name} {_SQL_TYPES[f.type]}" for f in SCHEMAS[name])
            con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({columns})")
            con.register("_lncare_chunk", table)
            con.execute(f"INSERT INTO {name} SELECT * FROM _lncare_chunk")
            con.unregister("_lncare_chunk")
    finally:
        con.close()


def _append_parquet(tables: Mapping[str, pa.Table], out: Path) -> None:
    for name, table in tables.items():
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        part = len(list(folder.glob("part-*.parquet")))
        pq.write_table(table, folder / f"part-{part:05d}.parquet")
