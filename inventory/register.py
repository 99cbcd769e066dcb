"""Writing to the risk register: a risk accepted from the dashboard, with who and when.

The register is the organisation's YAML file named by ``risk_register:`` in the
snapshot's ``sovmap.yaml``. An acceptance is validated like any register entry, appended
to that file (the other entries and the comments stay as they were), written atomically
(a temporary file, then ``os.replace``), and recorded in the store's ``register_events``
table, so that who accepted what and when is kept even if the file is edited later.

Nothing is edited silently: an id that is already in the register is refused, and a
file that cannot be appended to without rewriting it is refused too. The findings'
statuses change at the next scan, which reads the file again.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from connectors.declared import AcceptanceIn, parse_register
from inventory.store import Store
from sovmap.errors import InputError
from sovmap.validation import validate_model

__all__ = ["SavedAcceptance", "register_path", "save_acceptance"]


@dataclass(frozen=True)
class SavedAcceptance:
    id: str
    file: Path
    recorded_by: str
    recorded_at: datetime
    event_id: int


def register_path(store: Store, snapshot_id: int) -> Path:
    """The register file of a snapshot's configuration; a clear error when there is none."""
    from sovmap.config import load_config

    snap = store.snapshot(snapshot_id)
    config_path = snap["config_path"]
    if not config_path:
        raise InputError(f"snapshot {snapshot_id} records no sovmap.yaml, so there is no register file to write to")
    if not Path(config_path).is_file():
        raise InputError("the configuration of this snapshot no longer exists; rescan with the current one", file=config_path)
    path = load_config(config_path).risk_register
    if path is None:
        raise InputError(
            "names no separate risk register file; add 'risk_register: risk-register.yaml' to record acceptances from sovmap",
            file=config_path, field="risk_register",
        )
    return Path(path)


@contextmanager
def _locked(path: Path):
    # Two people accepting at once must not lose one another's entry: the read-modify-write
    # below runs under an exclusive lock. The lock file lives in the temporary folder (not
    # beside the register, which is usually under version control), named after the path.
    name = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    lock = Path(tempfile.gettempdir()) / f"sovmap-register-{name}.lock"
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class _Flow(dict):
    """A mapping written inline (``scope: {system: x, jurisdiction: US}``), as registers usually are."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Flow, lambda d, data: d.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True))


def _entry_yaml(entry: dict[str, Any], indent: int) -> str:
    entry = {k: _Flow(v) if k == "scope" else v for k, v in entry.items()}
    text = yaml.dump([entry], Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)
    return "".join(" " * indent + line if line.strip() else line for line in text.splitlines(keepends=True))


def _append_text(text: str, entry: dict[str, Any], file: str) -> str:
    """The file's text with ``entry`` appended to its ``risk_register`` list, comments kept.

    Appending keeps every byte of the file before the new entry. That is possible when
    the list is a block sequence and nothing but comments follows it, or when the file
    has no ``risk_register`` key yet; otherwise the file is refused rather than rewritten.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", file=file) from None
    if root is None:
        return (text if text.endswith("\n") or not text else text + "\n") + "version: 1\nrisk_register:\n" + _entry_yaml(entry, 2)
    if not isinstance(root, yaml.MappingNode):
        raise InputError("the top level must be a mapping with a 'risk_register' list", file=file)
    seq = next((v for k, v in root.value if k.value == "risk_register"), None)
    if seq is None:
        if root.flow_style:
            raise InputError("is written in flow style; add a 'risk_register:' list by hand first", file=file)
        return (text if text.endswith("\n") else text + "\n") + "risk_register:\n" + _entry_yaml(entry, 2)
    if not isinstance(seq, yaml.SequenceNode):
        raise InputError("must be a list", file=file, line=seq.start_mark.line + 1, field="risk_register")
    if seq.flow_style or not seq.value:
        raise InputError(
            "is an inline list; write it as a block list ('- id: ...' lines) so that entries can be appended",
            file=file, line=seq.start_mark.line + 1, field="risk_register",
        )
    tail = text[seq.end_mark.index:]
    if any(line.strip() and not line.lstrip().startswith("#") for line in tail.splitlines()):
        raise InputError(
            "other keys follow the 'risk_register' list; move the list to the end of the file so that entries can be appended",
            file=file, line=seq.end_mark.line + 1, field="risk_register",
        )
    indent = seq.start_mark.column
    head = text if text.endswith("\n") else text + "\n"
    return head + _entry_yaml(entry, indent)


def save_acceptance(
    store: Store,
    snapshot_id: int,
    entry: dict[str, Any],
    *,
    by: str,
    at: datetime | None = None,
) -> SavedAcceptance:
    """Append an acceptance to the snapshot's register file and record who and when.

    Parameters
    ----------
    store : Store
        Where the event is recorded.
    snapshot_id : int
        The snapshot whose ``sovmap.yaml`` names the register file.
    entry : dict
        ``id``, ``risk`` (a finding type), ``scope``, ``owner``, ``rationale``,
        ``decided_on``, ``review_by``: validated like any register entry.
    by : str
        Who records it: the logged-in user, or the name they typed.
    at : datetime, optional
        When (UTC); now by default.

    Raises
    ------
    InputError
        The entry is invalid, its id is already in the register, or the file cannot be
        appended to; the file is then left exactly as it was.
    """
    by = (by or "").strip()
    if not by:
        raise InputError("who records the acceptance must be given", field="recorded_by")
    at = (at or datetime.now(UTC)).replace(microsecond=0)
    path = register_path(store, snapshot_id)
    file = str(path)
    data = {k: v for k, v in entry.items() if v is not None}
    if isinstance(data.get("scope"), dict):
        data["scope"] = {k: v for k, v in data["scope"].items() if v is not None}
    data.update(recorded_by=by, recorded_at=at)
    checked = validate_model(AcceptanceIn, data, file="the new acceptance")
    record = {k: v for k, v in checked.model_dump().items() if v is not None}
    record["scope"] = {k: v for k, v in record["scope"].items() if v is not None}
    with _locked(path):
        try:
            text = path.read_text(encoding="utf-8-sig") if path.exists() else ""
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read the risk register: {exc}", file=file) from None
        existing = parse_register((file, text.encode())) if text.strip() else []
        if any(a.id == checked.id for a in existing):
            raise InputError(f"'{checked.id}' is already in the register; nothing was changed (choose another id)",
                             file=file, field="id")
        new_text = _append_text(text, record, file)
        # The new file must read back as the old entries, unchanged, plus the new one.
        after = parse_register((file, new_text.encode()))
        before = {a.id: (a.risk, a.scope, a.owner, a.rationale, a.decided_on, a.review_by) for a in existing}
        kept = {a.id: (a.risk, a.scope, a.owner, a.rationale, a.decided_on, a.review_by) for a in after if a.id in before}
        if kept != before or [a.id for a in after] != [a.id for a in existing] + [checked.id]:
            raise InputError("appending would change other entries; nothing was changed", file=file)
        _write_atomically(path, new_text)
    event_id = store.save_register_event(
        acceptance_id=checked.id, action="accept", by=by, at=at, entry=record, snapshot_id=snapshot_id, file=file,
    )
    return SavedAcceptance(checked.id, path, by, at, event_id)


def _write_atomically(path: Path, text: str) -> None:
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"cannot write the risk register: {exc.strerror}", file=str(path)) from None
