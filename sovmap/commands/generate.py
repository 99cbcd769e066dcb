"""``sovmap generate``: a synthetic estate for benchmarks and demos."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sovmap.cli import _fail, app, out
from sovmap.errors import SovmapError


@app.command()
def generate(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write inventory.yaml and sovmap.yaml into.")],
    components: Annotated[int, typer.Option(help="Number of components.")] = 10_000,
    systems: Annotated[int, typer.Option(help="Number of systems.")] = 500,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same estate.")] = 0,
) -> None:
    """Write a synthetic estate in the declared format, with its sovmap.yaml."""
    from sovmap.generate import EstateShape, write_estate

    if components < 1 or systems < 1:
        _fail(SovmapError("--components and --systems must be positive"))
    try:
        counts = write_estate(EstateShape(components=components, systems=systems, seed=seed), out_dir)
    except ValueError as exc:
        _fail(SovmapError(str(exc)))
    out.print(f"wrote {out_dir}/inventory.yaml: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
