"""The one seam for Azure: the credential and the HTTP pipeline to Azure Resource Manager.

Everything is built from the source's settings when a scan asks for it; nothing at import
time, and the Azure libraries are imported inside the functions, so that ``import
connectors`` stays cheap. Tests point ``endpoint`` and ``authority`` at a local HTTPS
server and ``ca_bundle`` at its certificate; nothing else changes.

Secrets come only from the environment variables azure-identity itself reads
(``AZURE_TENANT_ID``, ``AZURE_CLIENT_ID``, ``AZURE_CLIENT_SECRET``,
``AZURE_CLIENT_CERTIFICATE_PATH``, ``AZURE_CLIENT_CERTIFICATE_PASSWORD``) or from the
default chain (Azure CLI login, managed identity, workload identity). They are never
stored, logged or put into records.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sovmap.errors import InputError, SovmapError

if TYPE_CHECKING:
    from connectors.azure import Params

__all__ = [
    "ArmClient",
    "ArmError",
    "AzureCredentialError",
    "build_arm_client",
    "build_credential",
    "token_scope",
]

#: Authority hosts whose instance discovery works; any other host (a test server, a private
#: cloud) is trusted as given, because discovery would ask login.microsoftonline.com about it.
_KNOWN_AUTHORITIES = frozenset({"login.microsoftonline.com", "login.microsoftonline.us", "login.chinacloudapi.cn"})

_USER_AGENT = "sovmap-azure"
_DURATION = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.\d+)?$")


class AzureCredentialError(SovmapError):
    """No token could be had: nothing can be read, so the scan stops and says why."""


class ArmError(Exception):
    """A request to Azure Resource Manager that did not succeed, with ARM's own error code."""

    def __init__(self, status: int | None, code: str | None, message: str, url: str) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.url = url
        super().__init__(self.describe())

    @property
    def denied(self) -> bool:
        return self.status in (401, 403)

    def describe(self) -> str:
        status = f"HTTP {self.status}" if self.status is not None else "no response"
        code = f" {self.code}" if self.code else ""
        return f"{status}{code}: {self.message}"


def token_scope(endpoint: str) -> str:
    """The token scope of an ARM endpoint: its origin plus ``/.default``.

    >>> token_scope("https://management.azure.com/")
    'https://management.azure.com/.default'
    >>> token_scope("https://management.usgovcloudapi.net")
    'https://management.usgovcloudapi.net/.default'
    """
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}/.default"


def _ca_bundle(params: Params, base_dir: Path) -> str | None:
    if params.ca_bundle is None:
        return None
    path = Path(params.ca_bundle)
    path = path if path.is_absolute() else base_dir / path
    if not path.is_file():
        raise InputError(f"CA bundle not found: {path}", entry=f"source '{params.source_name}'", field="ca_bundle")
    return str(path)


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value else None


def build_credential(params: Params, base_dir: Path) -> Any:
    """The azure-identity credential the settings ask for (a ``TokenCredential``)."""
    from azure.identity import (
        CertificateCredential,
        ClientSecretCredential,
        DefaultAzureCredential,
        ManagedIdentityCredential,
    )

    entry = f"source '{params.source_name}'"
    if params.credential == "managed-identity":
        # AZURE_CLIENT_ID picks a user-assigned identity; without it the system-assigned one is used.
        return ManagedIdentityCredential(client_id=_env("AZURE_CLIENT_ID"))
    options: dict[str, Any] = {}
    if params.authority:
        options["authority"] = params.authority
    if params.credential == "default":
        return DefaultAzureCredential(**options)
    # service-principal
    if params.authority and _authority_host(params.authority) not in _KNOWN_AUTHORITIES:
        options["disable_instance_discovery"] = True
    ca = _ca_bundle(params, base_dir)
    if ca:
        options["connection_verify"] = ca
    tenant = params.tenant_id or _env("AZURE_TENANT_ID")
    client_id = _env("AZURE_CLIENT_ID")
    missing = [name for name, value in (("AZURE_TENANT_ID (or tenant_id)", tenant), ("AZURE_CLIENT_ID", client_id)) if not value]
    secret = _env("AZURE_CLIENT_SECRET")
    certificate = _env("AZURE_CLIENT_CERTIFICATE_PATH")
    if not secret and not certificate:
        missing.append("AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH")
    if missing:
        raise InputError(
            f"credential 'service-principal' needs the environment variable(s) {', '.join(missing)}",
            entry=entry,
            field="credential",
        )
    if secret:
        return ClientSecretCredential(tenant, client_id, secret, **options)
    return CertificateCredential(
        tenant, client_id, certificate_path=certificate, password=_env("AZURE_CLIENT_CERTIFICATE_PASSWORD"), **options
    )


def _authority_host(authority: str) -> str:
    return (urlsplit(authority).hostname if "//" in authority else authority.split("/")[0].split(":")[0]).lower()


def _parse_duration(value: str) -> float | None:
    """``hh:mm:ss`` (Resource Graph's ``x-ms-user-quota-resets-after``) in seconds.

    >>> _parse_duration("00:00:03")
    3.0
    >>> _parse_duration("soon") is None
    True
    """
    found = _DURATION.match(value.strip())
    if not found:
        return None
    days, hours, minutes, seconds = (int(g) if g else 0 for g in found.groups())
    return float(((days * 24 + hours) * 60 + minutes) * 60 + seconds)


def _retry_policy(params: Params) -> Any:
    from azure.core.pipeline.policies import RetryPolicy

    class _ArmRetryPolicy(RetryPolicy):
        # Resource Graph throttles with 429 and says when its quota resets in its own header;
        # Retry-After (which RetryPolicy honours) wins when both are present.
        def get_retry_after(self, response):  # type: ignore[no-untyped-def]
            found = super().get_retry_after(response)
            if found is None:
                header = response.http_response.headers.get("x-ms-user-quota-resets-after")
                found = _parse_duration(header) if header else None
            return found

        def is_retry(self, settings, response):  # type: ignore[no-untyped-def]
            if response.http_response.status_code == 429 and settings["total"]:
                return True
            return super().is_retry(settings, response)

    return _ArmRetryPolicy(
        retry_total=params.max_retries,
        retry_backoff_factor=0.5,
        retry_backoff_max=60,
        # Every request sovmap sends only reads; Resource Graph queries are POSTs.
        retry_on_methods=frozenset({"GET", "POST"}),
    )


def build_arm_client(params: Params, base_dir: Path, credential: Any | None = None) -> ArmClient:
    """An :class:`ArmClient` for the settings' endpoint, with retries and the bearer token."""
    from azure.core import PipelineClient
    from azure.core.pipeline.policies import (
        BearerTokenCredentialPolicy,
        HeadersPolicy,
        UserAgentPolicy,
    )
    from azure.core.pipeline.transport import RequestsTransport

    credential = credential if credential is not None else build_credential(params, base_dir)
    ca = _ca_bundle(params, base_dir)
    transport = RequestsTransport(
        connection_verify=ca if ca else True,
        connection_timeout=params.timeout_seconds,
        read_timeout=params.timeout_seconds,
    )
    policies = [
        HeadersPolicy({"Accept": "application/json"}),
        UserAgentPolicy(_USER_AGENT),
        _retry_policy(params),
        BearerTokenCredentialPolicy(credential, token_scope(params.endpoint)),
    ]
    client = PipelineClient(base_url=params.endpoint.rstrip("/"), policies=policies, transport=transport)
    return ArmClient(client, params.endpoint, credential)


class ArmClient:
    """JSON over ARM: GET and POST with ARM's error shape, and ``nextLink`` paging."""

    def __init__(self, client: Any, endpoint: str, credential: Any = None) -> None:
        self._client = client
        self._credential = credential
        parts = urlsplit(endpoint)
        self._origin = (parts.scheme, parts.netloc.lower())
        self.endpoint = endpoint.rstrip("/")
        # Whether a token was had before: losing it later (a secret expiring mid-scan) is a gap
        # in what is read, not the end of a scan that has read half the estate.
        self._had_token = False

    def close(self) -> None:
        self._client.close()
        close = getattr(self._credential, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> ArmClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, path: str, api_version: str | None = None) -> dict:
        return self._send("GET", path, api_version, None)

    def post(self, path: str, body: dict, api_version: str) -> dict:
        return self._send("POST", path, api_version, body)

    def pages(self, path: str, api_version: str) -> Iterator[dict]:
        """Each page of a list operation, following ``nextLink`` on the same host only."""
        page = self.get(path, api_version)
        while True:
            yield page
            link = page.get("nextLink")
            if not link:
                return
            page = self.get(link)

    def _url(self, path: str) -> str:
        if "://" not in path:
            return self.endpoint + path
        parts = urlsplit(path)
        # A nextLink elsewhere would carry the bearer token to another host.
        if (parts.scheme, parts.netloc.lower()) != self._origin:
            raise ArmError(None, "ForeignNextLink", f"refused to follow a link to another host: {parts.netloc}", path)
        return path

    def _send(self, method: str, path: str, api_version: str | None, body: dict | None) -> dict:
        from azure.core.exceptions import (
            ClientAuthenticationError,
            ServiceRequestError,
            ServiceResponseError,
        )
        from azure.core.rest import HttpRequest

        url = self._url(path)
        params = {"api-version": api_version} if api_version else None
        request = HttpRequest(method, url, params=params, json=body)
        try:
            response = self._client.send_request(request)
            text = response.text()
        except ClientAuthenticationError as exc:
            if self._had_token:
                raise ArmError(None, "CredentialExpired", f"no new token for {token_scope(self.endpoint)}: {_first_line(exc)}",
                               url) from None
            raise AzureCredentialError(f"Azure: no token for {token_scope(self.endpoint)}: {_first_line(exc)}") from None
        except (ServiceRequestError, ServiceResponseError) as exc:
            raise ArmError(None, "ConnectionError", _first_line(exc), url) from None
        self._had_token = True
        if response.status_code >= 400:
            code, message = _error_of(text)
            raise ArmError(response.status_code, code, message or response.reason or "request failed", url)
        try:
            data = json.loads(text) if text else {}
        except json.JSONDecodeError:
            raise ArmError(response.status_code, "InvalidJson", "the response is not JSON", url) from None
        if not isinstance(data, dict):
            raise ArmError(response.status_code, "InvalidJson", "the response is not a JSON object", url)
        return data


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _error_of(text: str) -> tuple[str | None, str | None]:
    """ARM's ``{"error": {"code", "message"}}``; other bodies give what they can."""
    try:
        data = json.loads(text) if text else None
    except json.JSONDecodeError:
        return None, text.strip()[:300] or None
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return error.get("code"), error.get("message")
    return None, None
