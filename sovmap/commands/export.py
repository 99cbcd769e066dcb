"""``sovmap export``: a snapshot as CSV, XLSX, JSON, an HTML or PDF board report, GraphML or a DORA register."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from sovmap.cli import DbOption, SnapshotOption, _fail, _store, app, err, out
from sovmap.errors import SovmapError
from sovmap.exports import FORMATS, write_export

__all__ = ["export"]


@app.command()
def export(
    format_: Annotated[str, typer.Option("--format", "-f", help=f"One of: {', '.join(FORMATS)}.")],
    out_path: Annotated[Path, typer.Option("--out", "-o", help="The file to write (for csv: a folder, one file per view).")],
    db: DbOption = None,
    snapshot: SnapshotOption = None,
) -> None:
    """Export a snapshot: tables, the board report, the dependency graph or a DORA-style register."""
    if format_ not in FORMATS:
        _fail(SovmapError(f"--format must be one of {', '.join(FORMATS)}, not {format_!r}"))
    if format_ != "csv" and out_path.is_dir():
        _fail(SovmapError(f"--out {out_path} is a folder; give a file name, e.g. {out_path / ('report' + FORMATS[format_].suffix)}"))
    if format_ == "csv" and out_path.exists() and not out_path.is_dir():
        _fail(SovmapError(f"--out {out_path} is a file; csv writes one file per view into a folder"))
    started = time.perf_counter()
    try:
        store = _store(db)
        snap = store.snapshot(snapshot)
        written, notice = write_export(format_, store, snap["id"], out_path)
    except SovmapError as exc:
        _fail(exc)
    except OSError as exc:
        _fail(SovmapError(f"cannot write {out_path}: {exc.strerror}"))
    if notice:
        err.print(f"[yellow]note:[/] {notice}", highlight=False)
    size = sum(p.stat().st_size for p in written)
    where = str(written[0]) if len(written) == 1 else f"{out_path}/ ({len(written)} files)"
    out.print(f"wrote {where}: {size:,} bytes, snapshot {snap['id']}, in {time.perf_counter() - started:.1f} s", highlight=False)
