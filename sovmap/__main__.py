"""``python -m sovmap``: the same as the ``sovmap`` command."""

from sovmap.cli import app

app(prog_name="sovmap")
