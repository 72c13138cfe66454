"""``lncare calc ...``: the clinical calculators.

Numbers are read as text and checked here, so a bad value gives the same one-line error (naming the
option, exit 2) as any other bad input, instead of click's multi-line usage message.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.console import Console
from rich.progress import Progress

from lncare.calc import (
    EQUATIONS,
    adjusted_body_weight,
    bmi,
    bsa,
    ckd_stage,
    convert,
    egfr,
    estimate_egfr,
    ideal_body_weight,
)
from lncare.calc.body import BSA_FORMULAS, DEFAULT_ADJUSTMENT_FACTOR
from lncare.errors import InputError, one_of

app = typer.Typer(help="Clinical calculators (eGFR, BSA, SLEDAI-2K, EULAR/ACR 2019, NIH indices).",
                  no_args_is_help=True)

EGFR_UNIT = "mL/min/1.73m2"
# Shown precision: eGFR to 0.1 (the CKiD calculator shows 1 dp; KDIGO stages use the whole number,
# see ckd_stage), BSA to 0.01 m2 as dosing protocols use it, weights and BMI to 0.1.
EGFR_DECIMALS = 1
BSA_DECIMALS = 2
KG_DECIMALS = 1
# Files with at least this many rows get a progress bar on stderr.
PROGRESS_MIN_ROWS = 1000
CSV_INPUT_COLUMNS = ("age", "sex", "creatinine", "creatinine_unit", "cystatin_c", "height_cm")

_OPTION_NAMES = {"from_unit": "--from", "to_unit": "--to"}


def _option(field: str) -> str:
    """The command-line option a calculator argument comes from: height_cm -> --height-cm."""
    return _OPTION_NAMES.get(field, "--" + field.replace("_", "-"))


@contextmanager
def _errors_name_options() -> Iterator[None]:
    try:
        yield
    except InputError as err:
        raise InputError(_option(err.field), err.value, err.reason) from None


def _number(option: str, text: str | None, *, required: bool) -> float | None:
    if text is None:
        if required:
            raise InputError.missing(option)
        return None
    try:
        return float(text)
    except ValueError:
        raise InputError(option, text, "is not a number") from None


def _required(option: str, text: str | None) -> float:
    value = _number(option, text, required=True)
    assert value is not None  # _number raised otherwise
    return value


def _emit(as_json: bool, payload: dict[str, Any], line: str) -> None:
    typer.echo(json.dumps(payload) if as_json else line)


# ---- eGFR ----------------------------------------------------------------------------------------


@app.command("egfr")
def egfr_command(
    age: Annotated[str | None, typer.Option(help="Age in years (decimals allowed).")] = None,
    sex: Annotated[str | None, typer.Option(help="female or male.")] = None,
    creatinine: Annotated[str | None, typer.Option(help="Serum creatinine (IDMS-traceable).")] = None,
    creatinine_unit: Annotated[str, typer.Option(help="mg/dL or umol/L.")] = "mg/dL",
    cystatin_c: Annotated[str | None, typer.Option(help="Serum cystatin C, mg/L (IFCC).")] = None,
    height_cm: Annotated[str | None, typer.Option(help="Height in cm (needed under 18).")] = None,
    equation: Annotated[
        str | None, typer.Option(help=f"One of {one_of(list(EQUATIONS))}; default: chosen by age and data.")
    ] = None,
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="CSV of patients (header row counts as row 1).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="With --csv: write here instead of stdout.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Estimated GFR in mL/min/1.73m2, for one patient or a CSV of many."""
    if equation is not None and equation not in EQUATIONS:
        raise InputError("--equation", equation, f"is not an eGFR equation (use {one_of(list(EQUATIONS))})")
    if csv_path is not None:
        given = {"--age": age, "--sex": sex, "--creatinine": creatinine, "--cystatin-c": cystatin_c,
                 "--height-cm": height_cm}
        for option, text in given.items():
            if text is not None:
                raise InputError(option, text, "cannot be combined with --csv (put it in the file)")
        _egfr_csv(csv_path, out, equation, creatinine_unit)
        return
    if out is not None:
        raise InputError("--out", str(out), "needs --csv")
    with _errors_name_options():
        years = _required("age", age)
        scr = _number("creatinine", creatinine, required=False)
        cys = _number("cystatin_c", cystatin_c, required=False)
        height = _number("height_cm", height_cm, required=False)
        inputs = {"age": years, "sex": sex, "creatinine": scr, "creatinine_unit": creatinine_unit,
                  "cystatin_c": cys, "height_cm": height}
        if equation is None:
            estimate = estimate_egfr(age=years, sex=sex, creatinine=scr, creatinine_unit=creatinine_unit,
                                     cystatin_c=cys, height_cm=height)
            value, used, reason = estimate.value, estimate.equation, estimate.reason
        else:
            value = egfr(equation, age=years, sex=sex, creatinine=scr, creatinine_unit=creatinine_unit,
                         cystatin_c=cys, height_cm=height)
            used, reason = equation, "requested with --equation"
    stage = ckd_stage(value)
    inputs["sex"] = sex.strip().lower() if sex is not None else None
    payload = {"egfr": round(value, EGFR_DECIMALS), "unit": EGFR_UNIT, "equation": used,
               "ckd_stage": stage, "reason": reason, "inputs": inputs}
    line = f"eGFR {value:.{EGFR_DECIMALS}f} {EGFR_UNIT} ({EQUATIONS[used]}; KDIGO {stage}) - {reason}"
    _emit(as_json, payload, line)


def _cell(row: dict[str, str | None], column: str) -> str | None:
    text = (row.get(column) or "").strip()
    return text or None


def _row_egfr(row: dict[str, str | None], number: int, equation: str | None, default_unit: str) -> tuple[
    float, str
]:
    """eGFR and equation for one CSV row; an InputError names the row and column."""
    try:
        values: dict[str, float | None] = {}
        for column in ("age", "creatinine", "cystatin_c", "height_cm"):
            values[column] = _number(column, _cell(row, column), required=column == "age")
        unit = _cell(row, "creatinine_unit") or default_unit
        sex = _cell(row, "sex")
        age = values["age"]
        assert age is not None  # required above
        if equation is not None:
            value = egfr(equation, age=age, sex=sex, creatinine=values["creatinine"], creatinine_unit=unit,
                         cystatin_c=values["cystatin_c"], height_cm=values["height_cm"])
            return value, equation
        estimate = estimate_egfr(age=age, sex=sex, creatinine=values["creatinine"], creatinine_unit=unit,
                                 cystatin_c=values["cystatin_c"], height_cm=values["height_cm"])
        return estimate.value, estimate.equation
    except InputError as err:
        raise InputError(f"row {number}, column {err.field}", err.value, err.reason) from None


def _egfr_csv(path: Path, out: Path | None, equation: str | None, default_unit: str) -> None:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = list(reader.fieldnames or [])
            rows = list(reader)
    except OSError as err:
        raise InputError("--csv", str(path), f"cannot be read ({err.strerror})") from None
    except (UnicodeDecodeError, csv.Error) as err:
        raise InputError("--csv", str(path), f"is not a UTF-8 CSV file ({err})") from None
    for needed in ("age", "sex"):
        if needed not in columns:
            raise InputError("--csv", str(path), f"has no column {needed!r} (needs age, sex and creatinine "
                             "or cystatin_c; optional creatinine_unit, height_cm)")
    if "creatinine" not in columns and "cystatin_c" not in columns:
        raise InputError("--csv", str(path), "has neither a creatinine nor a cystatin_c column")
    results: list[tuple[float, str]] = []
    with Progress(console=Console(stderr=True), transient=True,
                  disable=len(rows) < PROGRESS_MIN_ROWS) as progress:
        task = progress.add_task("eGFR", total=len(rows))
        for index, row in enumerate(rows):
            number = index + 2  # the header is row 1
            if None in row:
                raise InputError(f"row {number}", row[None], "has more cells than the header")
            results.append(_row_egfr(row, number, equation, default_unit))
            progress.advance(task)
    header = columns + [name for name in ("egfr", "egfr_equation") if name not in columns]
    if out is None:
        _write_csv(sys.stdout, header, rows, results)
        return
    try:
        with out.open("w", newline="", encoding="utf-8") as target:
            _write_csv(target, header, rows, results)
    except OSError as err:
        raise InputError("--out", str(out), f"cannot be written ({err.strerror})") from None


def _write_csv(target: TextIO, header: list[str], rows: list[dict[str, str | None]],
               results: list[tuple[float, str]]) -> None:
    writer = csv.DictWriter(target, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    for row, (value, used) in zip(rows, results, strict=True):
        writer.writerow({**row, "egfr": f"{value:.{EGFR_DECIMALS}f}", "egfr_equation": used})


# ---- body size -----------------------------------------------------------------------------------


@app.command("bsa")
def bsa_command(
    height_cm: Annotated[str | None, typer.Option(help="Height in cm.")] = None,
    weight_kg: Annotated[str | None, typer.Option(help="Weight in kg.")] = None,
    formula: Annotated[str, typer.Option(help=f"{one_of(BSA_FORMULAS)}.")] = "mosteller",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Body surface area in m2 (Mosteller or DuBois)."""
    with _errors_name_options():
        height = _required("height_cm", height_cm)
        weight = _required("weight_kg", weight_kg)
        value = bsa(height, weight, formula)
    payload = {"bsa": round(value, BSA_DECIMALS), "unit": "m2", "formula": formula,
               "height_cm": height, "weight_kg": weight}
    _emit(as_json, payload, f"BSA {value:.{BSA_DECIMALS}f} m2 ({formula})")


@app.command("ibw")
def ibw_command(
    sex: Annotated[str | None, typer.Option(help="female or male.")] = None,
    height_cm: Annotated[str | None, typer.Option(help="Height in cm.")] = None,
    weight_kg: Annotated[
        str | None, typer.Option(help="Actual weight in kg: adds adjusted weight and BMI.")
    ] = None,
    factor: Annotated[str, typer.Option(help="Adjusted-weight factor.")] = str(DEFAULT_ADJUSTMENT_FACTOR),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Ideal body weight (Devine); with --weight-kg also adjusted body weight and BMI."""
    with _errors_name_options():
        if sex is None:
            raise InputError.missing("sex", "use female or male")
        height = _required("height_cm", height_cm)
        weight = _number("weight_kg", weight_kg, required=False)
        share = _required("factor", factor)
        ideal = ideal_body_weight(sex, height)
        payload: dict[str, Any] = {"ideal_body_weight": round(ideal, KG_DECIMALS), "unit": "kg",
                                   "sex": sex.strip().lower(), "height_cm": height}
        line = f"ideal body weight {ideal:.{KG_DECIMALS}f} kg (Devine)"
        if weight is not None:
            adjusted = adjusted_body_weight(sex, height, weight, share)
            index = bmi(height, weight)
            payload |= {"weight_kg": weight, "adjusted_body_weight": round(adjusted, KG_DECIMALS),
                        "adjustment_factor": share, "bmi": round(index, KG_DECIMALS)}
            line += (f"; adjusted body weight {adjusted:.{KG_DECIMALS}f} kg (factor {share:g}); "
                     f"BMI {index:.{KG_DECIMALS}f} kg/m2")
    _emit(as_json, payload, line)


# ---- unit conversion -----------------------------------------------------------------------------


@app.command("convert")
def convert_command(
    test: Annotated[str | None, typer.Option(help="Lab test, e.g. upcr, creatinine, c3.")] = None,
    value: Annotated[str | None, typer.Option(help="The value to convert.")] = None,
    from_unit: Annotated[str | None, typer.Option("--from", help="Unit of --value.")] = None,
    to_unit: Annotated[str | None, typer.Option("--to", help="Unit wanted.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Convert a lab value between the units lncare accepts for that test."""
    with _errors_name_options():
        for field, given in (("test", test), ("from_unit", from_unit), ("to_unit", to_unit)):
            if given is None:
                raise InputError.missing(field)
        assert test is not None and from_unit is not None and to_unit is not None
        number = _required("value", value)
        result = convert(test, number, from_unit, to_unit)
    shown = float(f"{result:.6g}")  # six significant digits: more than any lab reports
    payload = {"test": test, "value": number, "from": from_unit, "to": to_unit, "result": shown}
    _emit(as_json, payload, f"{number:g} {from_unit} = {shown:g} {to_unit} ({test})")


from lncare.cli import scores  # noqa: E402  (scores adds its commands to this group)

scores.register(app)
