"""Turning pydantic validation errors into errors a person can act on."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from sovmap.errors import InputError, InputErrors
from sovmap.yamlio import line_of

M = TypeVar("M", bound=BaseModel)

__all__ = ["describe_entry", "validate_model"]


def describe_entry(loc: tuple[Any, ...], data: Any) -> str | None:
    """Name the entry an error location points into, e.g. ``components[3] (id 'ecom-db')``."""
    node = data
    label = None
    for i, step in enumerate(loc):
        if isinstance(step, int) and isinstance(node, list) and 0 <= step < len(node):
            section = ".".join(str(s) for s in loc[:i]) or "entries"
            node = node[step]
            label = f"{section}[{step}]"
            if isinstance(node, dict) and isinstance(node.get("id", node.get("key", node.get("code"))), str):
                ident_key = "id" if "id" in node else "key" if "key" in node else "code"
                label += f" ({ident_key} '{node[ident_key]}')"
        elif isinstance(node, dict) and step in node:
            node = node[step]
        else:
            break
    return label


def _field_of(loc: tuple[Any, ...]) -> str | None:
    # The field is the path below the innermost list item, e.g. "scope.system".
    tail: list[str] = []
    for step in reversed(loc):
        if isinstance(step, int):
            break
        tail.append(str(step))
    return ".".join(reversed(tail)) or None


def validate_model(model: type[M], data: Any, *, file: str) -> M:
    """Validate ``data`` (read by :func:`sovmap.yamlio.load_yaml`) against ``model``.

    Every problem is reported with file, line, entry and field, all at once.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            msg = err["msg"]
            if err["type"] == "missing":
                msg = "required field is missing"
            elif err["type"] == "extra_forbidden":
                msg = "unknown field (check its spelling)"
            elif "input" in err and err["type"] not in ("missing",) and not isinstance(err["input"], (dict, list)):
                msg = f"{msg} (got {err['input']!r})"
            errors.append(
                InputError(msg, file=file, line=line_of(data, loc), entry=describe_entry(loc, data), field=_field_of(loc))
            )
        if len(errors) == 1:
            raise errors[0] from None
        raise InputErrors(errors) from None
