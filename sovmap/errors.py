"""Errors that reach the user: each names the file, the line or entry, and the field."""

from __future__ import annotations


class SovmapError(Exception):
    """Base class of every error sovmap reports to a user."""


class InputError(SovmapError):
    """Bad input: a file, entry or field that cannot be read as it stands.

    The message always says where (file, line, entry, field) and what is wrong, so that
    the person who keeps the file can mend it without reading code.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        entry: str | None = None,
        field: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.entry = entry
        self.field = field
        self.reason = message
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        parts = [where]
        if self.entry:
            parts.append(self.entry)
        if self.field:
            parts.append(f"field '{self.field}'")
        return ": ".join(parts) + f": {self.reason}"


class InputErrors(SovmapError):
    """Several input errors found in one pass, reported together (the first ``shown`` in full)."""

    shown = 50

    def __init__(self, errors: list[InputError], *, omitted: int = 0) -> None:
        self.errors = errors
        total = len(errors) + omitted
        if total == 1:
            super().__init__(str(errors[0]))
            return
        listed = errors[: self.shown]
        more = total - len(listed)
        head = f"{total} problem(s) in the input" + (f", the first {len(listed)}:" if more else ":")
        body = "\n".join(f"  {e}" for e in listed)
        tail = f"\n  ... and {more} more" if more else ""
        super().__init__(f"{head}\n{body}{tail}")


class CatalogError(SovmapError):
    """The knowledge catalog (or an override file) failed validation."""


class StoreError(SovmapError):
    """The store cannot be opened or holds nothing to answer from."""
