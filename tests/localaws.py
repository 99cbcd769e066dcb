"""AWS on 127.0.0.1 for the AWS connector's tests: moto in server mode, and a proxy in front of it.

The connector reaches both over real HTTP, with botocore's own signing, retries and parsers:
moto answers in each service's wire format, and the proxy answers chosen requests as a
misbehaving AWS does (an error in the service's own format, a late answer, a dropped
connection, a changed body) and passes the rest through. Nothing of sovmap is replaced.

moto keeps its state per process, not per server: :func:`moto_server` empties it before a
module builds its resources (another module may have left some) and after.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import time
import urllib.request
import uuid
import xml.sax.saxutils
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from moto.server import ThreadedMotoServer

from localhttps import LocalServer, ReplayHandler

#: moto's account: the caller's own, the organisation's management account.
MANAGEMENT = "123456789012"
#: The role Organizations makes in every account it creates.
ROLE = "OrganizationAccountAccessRole"
BASE_KEYS = {"aws_access_key_id": "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}


@pytest.fixture(scope="module")
def aws_env(tmp_path_factory) -> Iterator[Path]:
    """Credentials for the standard chain, and AWS config files of the test's own (no user config)."""
    folder = tmp_path_factory.mktemp("aws-config")
    (folder / "config").write_text("")
    (folder / "credentials").write_text("")
    with pytest.MonkeyPatch.context() as mp:
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_CA_BUNDLE"):
            mp.delenv(name, raising=False)
        mp.setenv("AWS_ACCESS_KEY_ID", BASE_KEYS["aws_access_key_id"])
        mp.setenv("AWS_SECRET_ACCESS_KEY", BASE_KEYS["aws_secret_access_key"])
        mp.setenv("AWS_CONFIG_FILE", str(folder / "config"))
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(folder / "credentials"))
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        yield folder


def _reset_moto(url: str) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=30).read()


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto server on 127.0.0.1, empty while it runs: its URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    try:
        _reset_moto(url)
        yield url
    finally:
        try:
            _reset_moto(url)
        finally:
            server.stop()


# --- the proxy -------------------------------------------------------------------------------------

_CREDENTIAL = re.compile(r"Credential=(?P<key>[^/]+)/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")


@dataclass
class Request:
    """What the proxy knows of a request: who signed it, for which service, region and operation."""

    number: int
    key: str | None
    service: str | None  # the signing name: kms, sqs, sts, s3, lambda, ec2, ...
    region: str | None
    operation: str | None  # X-Amz-Target or Action (JSON and query protocols)
    path: str
    text: str


# What a rule tells the proxy to do with a request (None: pass it through).
Error = tuple[str, int, dict[str, str], bytes]  # ("error", status, headers, body)
Rule = Callable[[Request], tuple | None]


class AwsWeather(LocalServer):
    """A proxy on 127.0.0.1 in front of moto whose ``rule`` decides, request by request, what AWS does.

    A rule returns None (pass through), ``("error", status, headers, body)``, ``("stall", seconds)``
    (answer only after that long), ``("reset",)`` (drop the connection unanswered), or
    ``("rewrite", function)`` (pass through and change the answer's body). ``log`` holds every
    request with what was done with it.
    """

    def __init__(self, upstream: str, rule: Rule) -> None:
        self.upstream = urlsplit(upstream)
        self.rule = rule
        self.lock = threading.Lock()
        self.count = 0
        self.log: list[tuple[Request, str]] = []
        proxy = self

        class Handler(ReplayHandler):
            protocol_version = "HTTP/1.1"

            def handle_one(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = proxy.describe(self.path, self.headers, body)
                action = proxy.rule(request) or ("pass",)
                with proxy.lock:
                    proxy.log.append((request, action[0]))
                if action[0] == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    self.close_connection = True
                    self.connection.close()
                    return
                if action[0] == "stall":
                    time.sleep(action[1])
                if action[0] == "error":
                    _, status, headers, payload = action
                else:
                    status, headers, payload = proxy.forward(self.command, self.path, self.headers, body)
                    if action[0] == "rewrite":
                        payload = action[1](payload)
                try:
                    self.reply(status, payload, headers)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting: as it should
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_one

        super().__init__(Handler)

    def describe(self, path: str, headers, body: bytes) -> Request:
        found = _CREDENTIAL.search(headers.get("Authorization") or "")
        target = headers.get("X-Amz-Target")
        text = body.decode("utf-8", "replace")
        operation = target.rsplit(".", 1)[-1] if target else (parse_qs(text).get("Action") or [None])[0]
        with self.lock:
            self.count += 1
            number = self.count
        return Request(number, found and found.group("key"), found and found.group("service"), found and found.group("region"),
                       operation, path, text)

    def forward(self, method: str, path: str, headers, body: bytes) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=60)
        forwarded = {k: v for k, v in headers.items() if k.lower() not in ("connection", "keep-alive")}
        conn.request(method, path, body=body or None, headers=forwarded)
        answer = conn.getresponse()
        payload, status = answer.read(), answer.status
        skip = ("transfer-encoding", "connection", "content-length", "server", "date")
        kept = {k: v for k, v in answer.getheaders() if k.lower() not in skip}
        conn.close()
        return status, kept, payload


# --- AWS errors ------------------------------------------------------------------------------------


@dataclass
class Fault:
    """Answer matching requests with an AWS error, in the wire format of the service's protocol."""

    service: str  # the signing name: kms, sqs, sts, s3, lambda, ec2, ...
    code: str
    status: int
    protocol: str  # json | query | ec2 | rest-json | rest-xml
    operation: str | None = None  # X-Amz-Target or Action (JSON and query protocols)
    path: str | None = None  # a pattern the request path must match (REST protocols)
    region: str | None = None
    contains: str | None = None  # text the path or body must contain
    times: int | None = None  # answer this many times, then pass through; None: always
    hits: int = 0

    def matches(self, r: Request) -> bool:
        return (
            self.service == r.service and (not self.region or self.region == r.region)
            and (not self.operation or self.operation == r.operation) and (not self.path or bool(re.search(self.path, r.path)))
            and (not self.contains or self.contains in r.path + r.text) and (self.times is None or self.hits < self.times)
        )

    def response(self) -> tuple[dict[str, str], bytes]:
        message = f"User: arn:aws:sts::{MANAGEMENT}:assumed-role/{ROLE}/sovmap is not authorized ({self.code})"
        request_id = str(uuid.uuid4())
        if self.protocol == "json":
            return ({"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": request_id},
                    json.dumps({"__type": self.code, "message": message}).encode())
        if self.protocol == "rest-json":
            return ({"Content-Type": "application/json", "x-amzn-ErrorType": self.code, "x-amzn-RequestId": request_id},
                    json.dumps({"message": message}).encode())
        if self.protocol == "ec2":
            return {"Content-Type": "text/xml;charset=UTF-8"}, (
                f'<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>{self.code}</Code>'
                f"<Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
            ).encode()
        if self.protocol == "rest-xml":
            return {"Content-Type": "application/xml"}, (
                f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{self.code}</Code><Message>{message}</Message>'
                f"<RequestId>{request_id}</RequestId></Error>"
            ).encode()
        return {"Content-Type": "text/xml"}, (
            f'<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>{self.code}</Code>'
            f"<Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()


def fault_rule(faults: list[Fault]) -> Rule:
    """A rule answering each request with the first of ``faults`` it matches (counted in its ``hits``), passing the rest."""
    lock = threading.Lock()

    def rule(request: Request) -> Error | None:
        with lock:
            fault = next((f for f in faults if f.matches(request)), None)
            if fault is None:
                return None
            fault.hits += 1
        headers, body = fault.response()
        return ("error", fault.status, headers, body)

    return rule


# Protocol of each signing name the connector calls, for errors in the right wire format.
PROTOCOLS = {
    "sts": "query", "organizations": "json", "ec2": "ec2", "s3": "rest-xml", "rds": "query", "dynamodb": "json",
    "lambda": "rest-json", "ecs": "json", "eks": "rest-json", "elasticache": "query", "sqs": "json", "sns": "query",
    "kinesis": "json", "kms": "json", "secretsmanager": "json", "cloudfront": "rest-xml", "route53": "rest-xml",
    "iam": "query", "sso": "json", "identitystore": "json", "cognito-idp": "json", "sagemaker": "json", "redshift": "query",
    "elasticfilesystem": "rest-json", "backup": "rest-json", "tagging": "json", "sso-admin": "json",
}


def aws_error(service: str, code: str, status: int, message: str = "") -> Error:
    """An AWS error answer for ``service`` in its protocol's wire format."""
    headers, body = Fault(service, code, status, PROTOCOLS.get(service, "json")).response()
    if message:
        body = re.sub(rb"User: [^<\"]*\(" + code.encode() + rb"\)", xml.sax.saxutils.escape(message).encode(), body)
    return ("error", status, headers, body)
