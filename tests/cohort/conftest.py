"""Shared cohort fixtures: one synthetic OMOP population (DuckDB file and Parquet folder) and one local
Spark session per test run (Spark takes seconds to start; domain/scale.md section 4)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ACCEPTANCE_PATIENTS = 2_000  # issue 8 acceptance: DuckDB and Spark agree on 2,000 synthetic patients
SEED = 8


@pytest.fixture(scope="session")
def synthetic_duckdb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from lncare.cohort.synth import write_synthetic

    return write_synthetic(ACCEPTANCE_PATIENTS, tmp_path_factory.mktemp("omop") / "omop.duckdb", seed=SEED)


@pytest.fixture(scope="session")
def synthetic_parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from lncare.cohort.synth import write_synthetic

    return write_synthetic(ACCEPTANCE_PATIENTS, tmp_path_factory.mktemp("omop-parquet") / "omop", seed=SEED)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    from lncare.cohort.source import spark_session

    session = spark_session()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
