"""Shared fixtures: catalogs, inventories, and the store on SQLite and on PostgreSQL.

PostgreSQL tests run against 127.0.0.1:5432 (user postgres, database test), each session
in a schema of its own that is dropped at the end. With CI=true they must run: an
unreachable server fails them instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLE = ROOT / "examples" / "customs-agency"
PG_URL = os.environ.get("SOVMAP_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def mini_catalog():
    from inventory.catalog import load_catalog

    return load_catalog(files=[FIXTURES / "catalog" / "mini.yaml"])


@pytest.fixture(scope="session")
def bundled_catalog():
    from inventory.catalog import load_catalog

    return load_catalog()


def _pg_available() -> str | None:
    import psycopg

    try:
        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3"):
            return None
    except psycopg.OperationalError as exc:
        return str(exc).strip().splitlines()[0]


@pytest.fixture(scope="session")
def pg_schema_url():
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    problem = _pg_available()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL must be reachable when CI=true: {problem}")
        pytest.skip(f"no PostgreSQL server at 127.0.0.1:5432: {problem}")
    import psycopg

    schema = f"sovmap_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield f"{PG_URL}?options=-csearch_path%3D{schema}", schema
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    """An empty store, once on SQLite and once on PostgreSQL."""
    from inventory.store import SQLModel, open_store

    if request.param == "sqlite":
        s = open_store(f"sqlite:///{tmp_path / 'sovmap.db'}")
        yield s
        s.close()
        return
    url, _schema = request.getfixturevalue("pg_schema_url")
    s = open_store(url)
    yield s
    SQLModel.metadata.drop_all(s.engine)
    s.close()
