"""How a validation problem in a patient record becomes one readable :class:`InputError`.

Validators raise :func:`problem` with their own wording; pydantic's built-in errors (wrong type,
unknown key, value outside a list or a range) are reworded here so every message names the field, the
value and what would be accepted, e.g. ``sex: 'f' is not allowed (use 'female' or 'male')``.
"""

from __future__ import annotations

from typing import Any

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from lncare.errors import InputError, field_path, from_validation_error, one_of

_CUSTOM = "lncare"

_TYPE_REASONS = {
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "int_type": "must be a whole number",
    "string_type": "must be a text string",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "string_too_short": "must not be empty",
    "too_short": "must not be empty",
}


def problem(reason: str, *, field: str | None = None, value: Any = None) -> PydanticCustomError:
    """A validation error whose message is ``reason``.

    ``field`` names a sibling field to blame instead of the one being validated (a lab's plausibility
    is checked where its unit is known, but the person typed the ``value``); ``value`` is then shown.
    """
    ctx: dict[str, Any] = {"reason": reason}
    if field is not None:
        ctx["field"] = field
        ctx["value"] = value
    return PydanticCustomError(_CUSTOM, "{reason}", ctx)


def input_error(err: ValidationError, root: type[BaseModel]) -> InputError:
    """The first problem of ``err`` (raised while validating ``root``) as an InputError."""
    base = from_validation_error(err)
    first = err.errors(include_url=False)[0]
    # pydantic may add the union member it tried to 'loc' (as from_validation_error knows); drop it.
    loc = tuple(part for part in first["loc"] if not (isinstance(part, str) and "[" in part))
    kind = first["type"]
    ctx = first.get("ctx") or {}
    if kind == _CUSTOM:
        if "field" in ctx:
            return InputError(field_path((*loc[:-1], ctx["field"])), ctx["value"], ctx["reason"])
        return InputError(base.field, base.value, ctx["reason"])
    if kind == "missing":
        return base
    if kind == "literal_error":
        return InputError(base.field, base.value, f"is not allowed (use {ctx['expected']})")
    if kind == "extra_forbidden":
        owner = _model_at(root, loc[:-1])
        allowed = one_of(list(owner.model_fields)) if owner else "the documented fields"
        hint = "; free text goes in notes" if owner is root else ""
        reason = f"is under an unknown key {loc[-1]!r} (a {_label(owner)} has {allowed}{hint})"
        return InputError(base.field, base.value, reason)
    if kind == "string_too_long":
        return InputError(base.field, base.value, f"is longer than {ctx['max_length']} characters")
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return InputError(base.field, base.value, f"is outside the allowed range ({_range(root, loc)})")
    if kind in _TYPE_REASONS:
        return InputError(base.field, base.value, _TYPE_REASONS[kind])
    return base


def _model_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class that validates the object found at ``loc`` inside ``root``."""
    model: type[BaseModel] | None = root
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part)
        model = _inner_model(field.annotation) if field else None
    return model


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _label(model: type[BaseModel] | None) -> str:
    return (model.__name__.lower() if model else "record") + " record"


def _range(root: type[BaseModel], loc: tuple[int | str, ...]) -> str:
    """The bounds declared on the field at ``loc``, as a person would say them."""
    owner = _model_at(root, loc[:-1])
    field = owner.model_fields.get(str(loc[-1])) if owner else None
    words = []
    for bound in field.metadata if field else ():
        if isinstance(bound, annotated_types.Ge):
            words.append(f"at least {bound.ge}")
        elif isinstance(bound, annotated_types.Gt):
            words.append(f"above {bound.gt}")
        elif isinstance(bound, annotated_types.Le):
            words.append(f"at most {bound.le}")
        elif isinstance(bound, annotated_types.Lt):
            words.append(f"below {bound.lt}")
    return " and ".join(words)
