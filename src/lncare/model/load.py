"""Reading a patient record from a file, JSON text, a dict or a model, with errors a person can act on."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from lncare.errors import InputError
from lncare.model.dates import AS_OF
from lncare.model.medication import DRUG_NAMES
from lncare.model.patient import Patient
from lncare.model.problems import input_error


def load_patient(
    source: dict[str, Any] | str | Path | Patient,
    *,
    as_of: date | None = None,
    drug_names: Collection[str] | None = None,
) -> Patient:
    """A validated :class:`Patient` from ``source``.

    ``source`` is a record as a dict, a path to a JSON file, JSON text (a string starting with ``{`` or ``[``)
    or a Patient. With ``as_of``, a dated event after that day is an error; with ``drug_names`` (from
    the knowledge base), a medication not in it is an error. Any problem raises one
    :class:`~lncare.errors.InputError` naming the field (or file position), the value and what is allowed.
    """
    context: dict[str, Any] = {AS_OF: as_of, DRUG_NAMES: drug_names}
    if isinstance(source, Patient):
        if drug_names is None:
            # Already validated: only the as-of bound is new, and checking it needs no re-validation.
            if as_of is not None:
                source.check_not_after(as_of)
            return source
        record: Any = source.model_dump(mode="json")
    elif isinstance(source, dict):
        record = source
    elif isinstance(source, str) and source.lstrip()[:1] in ("{", "["):
        record = _parse_json(source, "record")
    else:
        record = _read_json_file(Path(source))
    record = _reject_foreign(record)
    try:
        return Patient.model_validate(record, context=context)
    except ValidationError as err:
        raise input_error(err, Patient) from None


def _read_json_file(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file", str(path), "does not exist") from None
    except IsADirectoryError:
        raise InputError("file", str(path), "is a directory, not a patient file") from None
    except UnicodeDecodeError as err:
        raise InputError(str(path), err.object[err.start : err.start + 8], "is not UTF-8 text") from None
    return _parse_json(text, str(path))


def _parse_json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        lines = text.splitlines()
        line = lines[err.lineno - 1].strip() if err.lineno <= len(lines) else ""
        raise InputError(
            f"{where}:{err.lineno}:{err.colno}", line[:60], f"is not valid JSON ({err.msg})"
        ) from None


def _reject_foreign(record: Any) -> Any:
    if not isinstance(record, dict):
        raise InputError("record", type(record).__name__, "must be a JSON object (see DESIGN.md contract 1)")
    if record.get("resourceType") is not None:
        from lncare.fhir.bundle import read_bundle  # lazy: only FHIR input pays for the adapter

        return read_bundle(record).record
    return record
