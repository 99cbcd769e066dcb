"""No credential, token or database password ends up in the store, the output, the exports or an error.

Distinctive secrets are planted where sovmap's users keep them: AWS keys and a session
token in the environment, an Azure client secret and a NetBox token in the variables the
connectors read, a PostgreSQL password in database URLs (on the command line, in the
environment, in ``sovmap.yaml``). Real ``sovmap`` processes then scan (declared + AWS
against moto + Azure against the local replay + NetBox against its replay), export in
every format, answer queries, and fail in every way that involves a secret. Everything
they print and write, every row of every table and the database files themselves are
searched for the planted values. A value that merely looks secret (a tag) may be stored:
it is data, not a credential, and the test checks that it is there, so that the search
is known to look in the right places.
"""

from __future__ import annotations

import base64
import io
import re
import sqlite3
import subprocess
import sys
import urllib.parse
import zipfile
import zlib
from pathlib import Path

import boto3
import pytest

import test_azure
import test_netbox
from conftest import ROOT
from localaws import moto_server
from localhttps import LocalServer
from sovmap.exports import FORMATS
from test_azure import CLIENT_ID, PROD, TENANT, FakeAzure

AWS_SECRET = "wJalrXUtnPLANTEDawsSecretKey0000000000Zq"
AWS_SESSION = "IQoJb3JpZ2luX2VjEPLANTEDsessionTOKEN//////////wEaCWV1LXdlc3QtMSJHMEUCIQ"
AZURE_SECRET = "Xk8Q~PLANTEDazureClientSecret.abcdefghij"
NETBOX_TOKEN = "f00dfacePLANTEDnetboxToken0123456789abcd"
PG_PASSWORD = "PLANTEDpgPassw0rd-x9"
SECRETS = {"aws secret key": AWS_SECRET, "aws session token": AWS_SESSION, "azure client secret": AZURE_SECRET,
           "netbox token": NETBOX_TOKEN, "postgresql password": PG_PASSWORD}
#: Data that looks like a secret but is the organisation's own (a tag): stored like any tag.
LOOKS_SECRET = "sk-live-tag-value-not-a-credential-42"

INVENTORY = f"""\
version: 1
organization: {{name: Example Customs Agency, country: NL}}
systems:
  - {{id: intake, name: Declaration intake, criticality: critical}}
  - {{id: hosting-platform, name: Hosting platform}}
  - {{id: import-export-declarations, name: Import and export declarations}}
components:
  - {{id: intake-db, system: intake, provider: aws, service: dynamodb, region: eu-west-1, tags: {{api-key: {LOOKS_SECRET}}}}}
"""


def _variants(secret: str) -> set[str]:
    """How a secret could show up: as is, URL-quoted, base64-encoded."""
    return {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret),
            base64.b64encode(secret.encode()).decode().rstrip("=")}


def _texts_of_file(path: Path) -> list[str]:
    """The text of a file as a reader would see it: zips unpacked, PDF streams inflated."""
    raw = path.read_bytes()
    texts = [raw.decode("latin-1")]
    if zipfile.is_zipfile(io.BytesIO(raw)):
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            texts += [z.read(name).decode("utf-8", "replace") for name in z.namelist()]
    if raw.startswith(b"%PDF"):
        for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", raw, re.DOTALL):
            try:
                texts.append(zlib.decompress(stream).decode("latin-1"))
            except zlib.error:
                texts.append(stream.decode("latin-1"))
    return texts


def _dump_sqlite(path: Path) -> str:
    """Every row of every table, and the bytes of the database and its write-ahead log."""
    parts = []
    with sqlite3.connect(path) as conn:
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            parts += [repr(row) for row in conn.execute(f'SELECT * FROM "{table}"')]
    for file in path.parent.glob(path.name + "*"):
        parts.append(file.read_bytes().decode("latin-1"))
    return "\n".join(parts)


def _leaks(haystack: str) -> list[str]:
    return sorted(name for name, secret in SECRETS.items() if any(v in haystack for v in _variants(secret)))


@pytest.fixture
def servers(tmp_path, monkeypatch):
    """moto (AWS), the Azure replay and the NetBox replay on 127.0.0.1, accepting only the planted secrets."""
    monkeypatch.setattr(test_azure, "SECRET", AZURE_SECRET)
    monkeypatch.setattr(test_netbox, "TOKEN", NETBOX_TOKEN)
    test_netbox.NetBoxReplay.requests, test_netbox.NetBoxReplay.forbidden, test_netbox.NetBoxReplay.html = [], set(), False
    with moto_server() as aws_url, LocalServer(test_netbox.NetBoxReplay) as netbox, FakeAzure(tmp_path) as azure:
        creds = {"aws_access_key_id": "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key": AWS_SECRET, "aws_session_token": AWS_SESSION}
        boto3.client("sqs", region_name="eu-west-1", endpoint_url=aws_url, **creds).create_queue(QueueName="intake-queue")
        boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=aws_url, **creds).create_table(
            TableName="declarations", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        yield {"aws": aws_url, "azure": azure, "netbox": netbox.url}


def _environment(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "aws-config").write_text("")
    return {
        "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONUNBUFFERED": "1",
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": AWS_SECRET, "AWS_SESSION_TOKEN": AWS_SESSION,
        "AWS_CONFIG_FILE": str(tmp_path / "aws-config"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-config"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AZURE_CLIENT_ID": CLIENT_ID, "AZURE_CLIENT_SECRET": AZURE_SECRET, "NETBOX_TOKEN": NETBOX_TOKEN,
    }


def _config(tmp_path: Path, servers: dict, *, name: str = "sovmap.yaml", extra_sources: str = "", database: str = "",
            netbox_url: str | None = None, aws_url: str | None = None) -> Path:
    azure = servers["azure"]
    text = (
        "version: 1\n" + (f"database: '{database}'\n" if database else "") + "sources:\n"
        "  - {type: declared, path: inventory.yaml}\n"
        f"  - {{type: aws, endpoint_url: '{aws_url or servers['aws']}', regions: [eu-west-1], services: [sqs, dynamodb, iam],"
        " max_attempts: 1, connect_timeout: 2}\n"
        f"  - {{type: azure, credential: service-principal, tenant_id: {TENANT}, endpoint: '{azure.base}',"
        f" authority: '127.0.0.1:{azure.port}', ca_bundle: '{azure.ca}', subscriptions: [{PROD}], max_retries: 1}}\n"
        f"  - {{type: netbox, url: '{netbox_url or servers['netbox']}', token_env: NETBOX_TOKEN, timeout: 5}}\n"
        + extra_sources
    )
    path = tmp_path / name
    path.write_text(text)
    return path


def _sovmap(args: list[str], env: dict[str, str], outputs: list[str]) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "sovmap", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    # Only what sovmap printed: the command line holds the secrets given to it.
    outputs.append(f"{done.stdout}\n{done.stderr}")
    return done


def test_no_secret_reaches_the_store_the_output_the_exports_or_an_error(servers, tmp_path):
    env = _environment(tmp_path)
    (tmp_path / "inventory.yaml").write_text(INVENTORY)
    config = _config(tmp_path, servers)
    db_path = tmp_path / "sovmap.db"
    db = f"sqlite:///{db_path}"
    outputs: list[str] = []

    # A scan of every kind of source, then every way of reading it back.
    scanned = _sovmap(["scan", "-c", str(config), "--db", db], env, outputs)
    assert scanned.returncode == 0, scanned.stderr[-3000:]
    for args in (["snapshots"], ["coverage", "--json"], ["risks", "--json"], ["exposure", "--json"],
                 ["concentration", "--by", "parent", "--json"]):
        assert _sovmap([*args, "--db", db], env, outputs).returncode == 0, outputs[-1]
    exports = tmp_path / "exports"
    for fmt, spec in FORMATS.items():
        out = exports / fmt if fmt == "csv" else exports / f"export-{fmt}{spec.suffix}"
        done = _sovmap(["export", "--format", fmt, "--out", str(out), "--db", db], env, outputs)
        assert done.returncode == 0, done.stderr[-2000:]

    # Every way of failing that involves a secret.
    bad_pg = f"postgresql://sovmap:{PG_PASSWORD}@127.0.0.1:1/sovmap"
    failures = [
        (["snapshots", "--db", bad_pg], env),
        (["risks"], {**env, "SOVMAP_DATABASE_URL": bad_pg}),
        (["scan", "-c", str(_config(tmp_path, servers, name="pg.yaml", database=bad_pg))], env),
        (["scan", "-c", str(_config(tmp_path, servers, name="netbox-down.yaml", netbox_url="http://127.0.0.1:9")), "--db", db], env),
        (["scan", "-c", str(_config(tmp_path, servers, name="aws-down.yaml", aws_url="http://127.0.0.1:9")), "--db", db], env),
        (["scan", "-c", str(_config(tmp_path, servers, name="inline-token.yaml", extra_sources=(
            f"  - {{type: netbox, url: 'https://netbox.example.org', token: '{NETBOX_TOKEN}'}}\n"))), "--db", db], env),
        (["scan", "-c", str(_config(tmp_path, servers, name="inline-secret.yaml", extra_sources=(
            f"  - {{type: azure, client_secret: '{AZURE_SECRET}'}}\n"
            f"  - {{type: aws, aws_secret_access_key: '{AWS_SECRET}'}}\n"))), "--db", db], env),
        (["scan", "-c", str(config), "--db", db], {**env, "AZURE_CLIENT_SECRET": AZURE_SECRET + "-rotated"}),
        (["scan", "-c", str(config), "--db", db], {**env, "NETBOX_TOKEN": NETBOX_TOKEN[::-1]}),
    ]
    for args, environment in failures:
        done = _sovmap(args, environment, outputs)
        assert done.returncode != 0, f"expected a failure: {outputs[-1][-2000:]}"
        assert "Traceback" not in done.stderr, outputs[-1][-3000:]

    printed = "\n".join(outputs)
    assert _leaks(printed) == [], printed[-5000:]
    written = "\n".join(text for path in sorted(exports.rglob("*")) if path.is_file() for text in _texts_of_file(path))
    assert _leaks(written) == []
    stored = _dump_sqlite(db_path)
    assert _leaks(stored) == []
    # The search looks where data is: the tag that only looks secret is in the store, the system in the exports.
    assert LOOKS_SECRET in stored
    assert "Declaration intake" in written
    assert "intake-queue" in stored and "declarations" in stored
    # And the error messages say what went wrong, with the password masked.
    assert "cannot open the database postgresql+psycopg://sovmap:***@127.0.0.1:1/sovmap" in printed


@pytest.mark.postgres
def test_a_database_password_is_used_but_never_stored(servers, tmp_path, pg_schema_url):
    import psycopg

    url, schema = pg_schema_url
    parts = urllib.parse.urlsplit(url)
    with_password = urllib.parse.urlunsplit(parts._replace(netloc=f"postgres:{PG_PASSWORD}@{parts.hostname}:{parts.port}"))
    env = _environment(tmp_path)
    (tmp_path / "inventory.yaml").write_text(INVENTORY)
    config = _config(tmp_path, servers, database=with_password)
    outputs: list[str] = []

    try:
        scanned = _sovmap(["scan", "-c", str(config)], env, outputs)
        assert scanned.returncode == 0, scanned.stderr[-3000:]
        assert _sovmap(["snapshots", "--json"], {**env, "SOVMAP_DATABASE_URL": with_password}, outputs).returncode == 0

        rows = []
        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test") as conn:
            tables = [t for (t,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,))]
            for table in tables:
                rows += [repr(r) for r in conn.execute(f'SELECT * FROM "{schema}"."{table}"')]
        stored = "\n".join(rows)
        assert tables and LOOKS_SECRET in stored
        assert _leaks(stored) == []
        assert _leaks("\n".join(outputs)) == []
    finally:
        from inventory.store import SQLModel, open_store

        store = open_store(url)
        SQLModel.metadata.drop_all(store.engine)
        store.close()
