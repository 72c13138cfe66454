"""Open an OMOP CDM source as an Ibis connection, on DuckDB (default) or Spark.

SOURCE is one of:

- a DuckDB file (``*.duckdb``, ``*.db``) holding the OMOP tables, opened read-only;
- a Parquet folder with one file (``measurement.parquet``) or one sub-folder of part files
  (``measurement/part-0.parquet``) per OMOP table, as ``lncare cohort synth --out DIR`` writes;
- a database URL that Ibis connects to, e.g. ``postgresql://user:password@host:5432/omop`` (needs the
  Postgres driver: ``pip install 'ibis-framework[postgres]'``); the OMOP tables are read from the
  database's search path;
- with ``engine="spark"``, a cluster URL: ``spark://host:7077[/database]`` (a standalone master) or
  ``sc://host:15002[/database]`` (Spark Connect), whose catalog already holds the OMOP tables.

With ``engine="spark"`` a DuckDB file or a Parquet folder is read by a local Spark session
(``local[*]``, session time zone UTC, as domain/scale.md section 3.2 requires for identical dates);
a DuckDB file is first exported to Parquet in a temporary folder, because Spark reads Parquet natively.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from lncare.errors import InputError, one_of

ENGINES = ("duckdb", "spark")
DUCKDB_SUFFIXES = (".duckdb", ".db", ".ddb")
DATABASE_SCHEMES = ("postgresql", "postgres")
SPARK_SCHEMES = ("spark", "sc")
# The tables the population definitions read (OMOP CDM v5.4 names); others in the source are ignored.
REQUIRED_TABLES = ("person", "observation_period", "condition_occurrence", "drug_exposure", "measurement",
                   "procedure_occurrence")
FIELD = "SOURCE"


@contextmanager
def open_source(source: str | Path, *, engine: str = "duckdb") -> Iterator[Any]:
    """An Ibis backend whose tables include the OMOP tables of ``source``; closed (and any temporary
    Parquet export removed) on exit. Bad sources raise :class:`InputError` naming SOURCE."""
    if engine not in ENGINES:
        raise InputError("--engine", engine, f"is not an engine (use {one_of(ENGINES)})")
    text = str(source)
    scheme = urlsplit(text).scheme.lower() if "://" in text else ""
    with ExitStack() as stack:
        if scheme:
            con = _open_url(text, scheme, engine)
        elif engine == "duckdb":
            con = _duckdb(Path(text))
        else:
            con = _local_spark(Path(text), stack)
        stack.callback(_disconnect, con)
        _check_tables(con, text)
        yield con


def redact(source: str | Path) -> str:
    """``source`` as it may be printed or stored: a URL's password is replaced by ``***``."""
    text = str(source)
    if "://" not in text:
        return text
    parts = urlsplit(text)
    if parts.password is None:
        return text
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def spark_session(master: str = "local[*]") -> Any:
    """The process's Spark session (created once): UTC session time zone, no web UI, loopback address."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # else Spark binds eth0 and warns (scale.md 3.2)
    # Python workers (the plan pass's applyInPandas) must run this interpreter, which has lncare.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("lncare-cohort")
    builder = builder.remote(master) if master.startswith("sc://") else builder.master(master)
    session = (
        builder.config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")  # rich draws lncare's own progress bars
        # the cohort tables are small after filtering; Spark's default of 200 shuffle partitions only
        # adds scheduling overhead in local mode
        .config("spark.sql.shuffle.partitions", "8")
        # The response facts are one wide aggregation; printing its plan in full (Spark does so for
        # its own bookkeeping) ran the default 1 GB driver out of heap on 2,000 patients.
        .config("spark.sql.maxPlanStringLength", "10000")
        .config("spark.driver.memory", "4g")
        .getOrCreate()
    )
    if not master.startswith("sc://"):  # a Spark Connect client has no SparkContext to quieten
        session.sparkContext.setLogLevel("ERROR")
    return session


def parquet_tables(folder: Path) -> dict[str, str]:
    """OMOP table name -> Parquet path or glob, for each table file or sub-folder of ``folder``."""
    found: dict[str, str] = {}
    for entry in sorted(folder.iterdir()):
        if entry.is_file() and entry.suffix == ".parquet":
            found[entry.stem] = str(entry)
        elif entry.is_dir() and any(entry.rglob("*.parquet")):
            found[entry.name] = str(entry / "**" / "*.parquet")
    return found


# DuckDB takes up to 80 % of the machine's memory by default; the population steps on a million patients
# then held 17 GB. Capped, DuckDB spills its joins and aggregations to its temporary folder instead
# (issue 8: peak under 8 GB).
DUCKDB_CONFIG = {
    "memory_limit": "5GB",
    "temp_directory": os.path.join(tempfile.gettempdir(), "lncare-duckdb"),
}


def _duckdb(path: Path) -> Any:
    import ibis

    if path.is_dir():
        tables = parquet_tables(path)
        con = ibis.duckdb.connect(**DUCKDB_CONFIG)
        for name, location in tables.items():
            con.read_parquet(location, table_name=name)
        return con
    _check_file(path)
    try:
        return ibis.duckdb.connect(str(path), read_only=True, **DUCKDB_CONFIG)
    except Exception as err:  # duckdb raises IOException and friends for a file it cannot open
        raise InputError(FIELD, str(path), f"is not a DuckDB database ({_first_line(err)})") from None


def _local_spark(path: Path, stack: ExitStack) -> Any:
    import ibis

    if path.is_dir():
        # Spark reads a folder of part files itself; DuckDB's glob is only for DuckDB
        tables = {name: loc.replace("**/*.parquet", "") for name, loc in parquet_tables(path).items()}
    else:
        _check_file(path)
        export = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lncare-spark-")))
        tables = _export_duckdb(path, export)
    session = spark_session()
    for name, location in tables.items():
        session.read.parquet(location).createOrReplaceTempView(name)
        # the session outlives this source: a later source must not see these tables
        stack.callback(session.catalog.dropTempView, name)
    return ibis.pyspark.connect(session)


def _export_duckdb(path: Path, folder: Path) -> dict[str, str]:
    import duckdb

    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as err:
        raise InputError(FIELD, str(path), f"is not a DuckDB database ({_first_line(err)})") from None
    try:
        names = [row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        out = {}
        for name in names:
            target = folder / f"{name}.parquet"
            con.execute(f"COPY (SELECT * FROM \"{name}\") TO '{target}' (FORMAT parquet)")
            out[name] = str(target)
        return out
    finally:
        con.close()


def _open_url(url: str, scheme: str, engine: str) -> Any:
    shown = redact(url)
    if scheme in SPARK_SCHEMES:
        if engine != "spark":
            raise InputError(FIELD, shown, "is a Spark cluster URL (run it with --engine spark)")
        return _cluster_spark(url, shown)
    if scheme not in DATABASE_SCHEMES:
        accepted = one_of([f"{s}://" for s in DATABASE_SCHEMES + SPARK_SCHEMES])
        raise InputError(FIELD, shown, f"is not a supported URL (use {accepted}, a DuckDB file or a "
                                       "Parquet folder)")
    if engine != "duckdb":
        raise InputError("--engine", engine, f"cannot read {shown} (a database URL runs in the database "
                                             "itself; leave --engine at duckdb)")
    parts = urlsplit(url)
    if not parts.hostname or not parts.path.strip("/"):
        raise InputError(FIELD, shown, "names no host or database (use postgresql://user:password@host/db)")
    import ibis

    try:
        return ibis.connect(url)
    except ImportError:
        raise InputError(FIELD, shown, "needs the PostgreSQL driver (pip install "
                                       "'ibis-framework[postgres]')") from None
    except Exception as err:  # the driver's own connection errors: refused, authentication, unknown db
        raise InputError(FIELD, shown, f"could not be opened ({_first_line(err)})") from None


def _cluster_spark(url: str, shown: str) -> Any:
    import ibis

    parts = urlsplit(url)
    if not parts.hostname:
        raise InputError(FIELD, shown, "names no host (use spark://host:7077 or sc://host:15002)")
    database = parts.path.strip("/") or None
    master = urlunsplit(parts._replace(path="", query="", fragment=""))
    try:
        session = spark_session(master)
        running = session.conf.get("spark.master", master)
        if running != master:  # getOrCreate hands back a session already started with another master
            raise InputError(FIELD, shown, f"cannot be used: this process already runs Spark on {running}")
        if database:
            session.catalog.setCurrentDatabase(database)
    except InputError:
        raise
    except Exception as err:  # py4j/grpc errors: unreachable master, missing Spark Connect client
        raise InputError(FIELD, shown, f"could not be reached ({_first_line(err)})") from None
    return ibis.pyspark.connect(session)


def _check_file(path: Path) -> None:
    if not path.exists():
        raise InputError(FIELD, str(path), "does not exist (give a DuckDB file, a Parquet folder or a URL)")
    if path.suffix.lower() not in DUCKDB_SUFFIXES:
        raise InputError(FIELD, str(path), f"is not a DuckDB file ({', '.join(DUCKDB_SUFFIXES)}), a "
                                           "Parquet folder or a database URL")


def _check_tables(con: Any, source: str) -> None:
    present = set(con.list_tables())
    missing = [name for name in REQUIRED_TABLES if name not in present]
    if missing:
        raise InputError(FIELD, redact(source), f"lacks the OMOP table(s) {', '.join(missing)} (cohort "
                                                f"runs read {', '.join(REQUIRED_TABLES)})")


def _disconnect(con: Any) -> None:
    # Tables kept by population_tables (Ibis .cache()) are dropped while the connection is open: Ibis
    # would otherwise drop them at interpreter exit, on a closed connection, with a traceback.
    for name in list(getattr(con, "_cache_name_to_entry", {})):
        con._finalize_cached_table(name)
    # A Spark session is shared by the whole process (one JVM); only DuckDB connections are closed.
    if getattr(con, "name", "") == "duckdb":
        con.disconnect()


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
