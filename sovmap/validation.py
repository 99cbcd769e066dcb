"""Turning pydantic validation errors into errors a person can act on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from sovmap.errors import InputError, InputErrors
from sovmap.yamlio import line_of

M = TypeVar("M", bound=BaseModel)

__all__ = ["describe_entry", "located_errors", "validate_chunks", "validate_model"]


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


def validate_model(model: type[M], data: Any, *, file: str, lines: Callable[[], Any] | None = None) -> M:
    """Validate ``data`` (read by :func:`sovmap.yamlio.load_yaml`) against ``model``.

    Every problem is reported with file, line, entry and field, all at once. Data read
    without lines (``load_yaml(..., lines=False)``) comes with ``lines``, a re-read that has
    them, called only when something is wrong: a valid document never pays for its lines.

    >>> from pydantic import BaseModel
    >>> from sovmap.yamlio import load_yaml
    >>> class Doc(BaseModel):
    ...     n: int
    >>> text = "# a comment\\nn: many\\n"
    >>> validate_model(Doc, load_yaml(text, lines=False), file="d.yaml", lines=lambda: load_yaml(text, file="d.yaml"))
    Traceback (most recent call last):
    sovmap.errors.InputError: d.yaml:2: field 'n': Input should be a valid integer, unable to parse string as an integer (got 'many')
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        failure = exc
    errors = located_errors(failure, data, file=file, lines=lines)
    if len(errors) == 1:
        raise errors[0] from None
    raise InputErrors(errors) from None


def located_errors(
    failure: ValidationError, data: Any, *, file: str, lines: Callable[[], Any] | None = None, prefix: tuple[Any, ...] = (),
    offset: int = 0,
) -> list[InputError]:
    """Each problem of a pydantic ``failure`` as an InputError with file, line, entry and field.

    ``prefix`` is prepended to every location: where in ``data`` the validated value sits;
    ``offset`` is added to a location's leading list index (a chunk of a longer list).
    """
    # The re-read may refuse a form only the fast reader parses (see sovmap.yamlio): its error,
    # with a line, is then the one to mend first.
    located = data if lines is None else lines()
    errors = []
    for err in failure.errors(include_url=False):
        loc = tuple(err["loc"])
        if offset and loc and isinstance(loc[0], int):
            loc = (loc[0] + offset, *loc[1:])
        loc = (*prefix, *loc)
        msg = err["msg"]
        if err["type"] == "missing":
            msg = "required field is missing"
        elif err["type"] == "extra_forbidden":
            msg = "unknown field (check its spelling)"
        elif "input" in err and err["type"] not in ("missing",) and not isinstance(err["input"], (dict, list)):
            msg = f"{msg} (got {err['input']!r})"
        errors.append(
            InputError(msg, file=file, line=line_of(located, loc), entry=describe_entry(loc, data), field=_field_of(loc))
        )
    return errors


def validate_chunks(
    model: type[M], data: dict, section: str, *, file: str, lines: Callable[[], Any] | None = None, chunk: int = 20_000,
) -> Iterator[tuple[int, list[M]]]:
    """Validate the list ``data[section]`` a chunk at a time: yields (first index, models).

    For very large lists (a million components): only one chunk's models exist at a time,
    and each chunk's raw items are dropped from ``data`` once the caller has taken the
    models, so the raw document and its validated copy are never both held in full. Every
    problem of every chunk is reported at the end, located as :func:`validate_model` does;
    after the first problem no more models are yielded.
    """
    items = data[section]
    adapter = TypeAdapter(list[model])  # type: ignore[valid-type]
    errors: list[InputError] = []
    for start in range(0, len(items), chunk):
        end = min(start + chunk, len(items))
        try:
            models = adapter.validate_python(items[start:end])
        except ValidationError as exc:
            errors.extend(located_errors(exc, data, file=file, lines=lines, prefix=(section,), offset=start))
            continue
        if not errors:
            yield start, models
        del models
        items[start:end] = [None] * (end - start)
    if errors:
        if len(errors) == 1:
            raise errors[0]
        raise InputErrors(errors)
