"""Reading study data from CSV files for ``lncare evidence`` (DESIGN.md contract 3).

Pairwise files have ``study,events_t,n_t,events_c,n_c`` (2×2 tables) or ``study,yi,vi`` (precomputed);
network files have one row per arm, ``study,treatment,events,n`` or ``study,treatment,mean,sd,n``.
A bad cell is an :class:`InputError` naming the file line and the column (the header is line 1).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from lncare.errors import InputError, one_of
from lncare.evidence.effects import BinaryStudy, GenericStudy
from lncare.evidence.pairwise import Arm

BINARY = ("study", "events_t", "n_t", "events_c", "n_c")
GENERIC = ("study", "yi", "vi")
ARMS_BINARY = ("study", "treatment", "events", "n")
ARMS_CONTINUOUS = ("study", "treatment", "mean", "sd", "n")
COUNTS = {"events_t", "n_t", "events_c", "n_c", "events", "n"}


def _read(path: Path, layouts: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], list[dict[str, str]]]:
    if not path.is_file():
        raise InputError("data", str(path), "is not a readable file")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = tuple(h.strip() for h in (reader.fieldnames or ()))
        rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]
    for layout in layouts:
        if set(layout) <= set(header):
            if not rows:
                raise InputError(str(path), "", "has a header but no data rows")
            return layout, rows
    wanted = one_of([",".join(layout) for layout in layouts])
    raise InputError(f"{path} header", ",".join(header), f"lacks required columns (use {wanted})")


def _number(path: Path, line: int, column: str, text: str) -> float:
    where = f"{path} row {line}, column {column}"
    try:
        value = float(text)
    except ValueError:
        raise InputError(where, text, "is not a number") from None
    if not math.isfinite(value):
        raise InputError(where, text, "is not a finite number")
    if column in COUNTS and value < 0:
        raise InputError(where, text, "is a count and cannot be negative")
    return value


def _label(path: Path, line: int, row: dict[str, str], column: str) -> str:
    if not row.get(column):
        raise InputError(f"{path} row {line}, column {column}", row.get(column), "must not be empty")
    return row[column]


def read_pairwise(path: str | Path) -> list[BinaryStudy] | list[GenericStudy]:
    """2×2 tables or precomputed effects, one study per row."""
    src = Path(path)
    layout, rows = _read(src, (BINARY, GENERIC))
    if layout == GENERIC:
        out_g = []
        for line, row in enumerate(rows, start=2):
            values = {c: _number(src, line, c, row[c]) for c in ("yi", "vi")}
            if values["vi"] <= 0:
                raise InputError(f"{src} row {line}, column vi", row["vi"], "must be a variance above 0")
            out_g.append(GenericStudy(_label(src, line, row, "study"), values["yi"], values["vi"]))
        return out_g
    out_b = []
    for line, row in enumerate(rows, start=2):
        v = {c: _number(src, line, c, row[c]) for c in BINARY[1:]}
        for events, n in (("events_t", "n_t"), ("events_c", "n_c")):
            if v[n] == 0:
                raise InputError(f"{src} row {line}, column {n}", row[n], "must be above 0")
            if v[events] > v[n]:
                raise InputError(f"{src} row {line}, column {events}", row[events], f"exceeds {n} ({row[n]})")
        out_b.append(
            BinaryStudy(_label(src, line, row, "study"), v["events_t"], v["n_t"], v["events_c"], v["n_c"])
        )
    return out_b


def read_arms(path: str | Path) -> list[Arm]:
    """Network data, one arm per row (binary or continuous)."""
    src = Path(path)
    layout, rows = _read(src, (ARMS_BINARY, ARMS_CONTINUOUS))
    arms = []
    for line, row in enumerate(rows, start=2):
        study, treatment = _label(src, line, row, "study"), _label(src, line, row, "treatment")
        v = {c: _number(src, line, c, row[c]) for c in layout[2:]}
        if v["n"] == 0:
            raise InputError(f"{src} row {line}, column n", row["n"], "must be above 0")
        if layout == ARMS_BINARY:
            if v["events"] > v["n"]:
                raise InputError(f"{src} row {line}, column events", row["events"], f"exceeds n ({row['n']})")
            arms.append(Arm(study, treatment, v["n"], events=v["events"]))
        else:
            if v["sd"] <= 0:
                raise InputError(f"{src} row {line}, column sd", row["sd"], "must be above 0")
            arms.append(Arm(study, treatment, v["n"], mean=v["mean"], sd=v["sd"]))
    return arms
