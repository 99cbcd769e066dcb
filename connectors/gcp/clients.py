"""The one seam for Google Cloud: Application Default Credentials and an HTTP session to Cloud Asset Inventory.

Built from the source's settings when a scan asks for it; google-auth is imported inside
the functions, so that ``import connectors`` stays cheap. Tests point ``endpoint`` at a
local HTTPS server, ``ca_bundle`` at its certificate, and ``GOOGLE_APPLICATION_CREDENTIALS``
at a service account key whose ``token_uri`` is that server.

Credentials come only from Application Default Credentials: ``GOOGLE_APPLICATION_CREDENTIALS``
(a service account key or a workload identity federation file), ``gcloud auth
application-default login``, or the metadata server of a Google Cloud machine. Nothing is
stored or logged.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sovmap.errors import InputError, SovmapError

if TYPE_CHECKING:
    from connectors.gcp import Params

__all__ = ["AssetClient", "GcpCredentialError", "GcpError", "build_asset_client"]

_SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class GcpCredentialError(SovmapError):
    """No credential or no token: nothing can be read, so the scan stops and says why."""


class GcpError(Exception):
    """A Cloud Asset request that did not succeed, with Google's status (``PERMISSION_DENIED``...)."""

    def __init__(self, status: int | None, code: str | None, message: str) -> None:
        self.status = status
        self.code = code
        self.message = message
        super().__init__(self.describe())

    @property
    def denied(self) -> bool:
        return self.status in (401, 403)

    def describe(self) -> str:
        status = f"HTTP {self.status}" if self.status is not None else "no response"
        code = f" {self.code}" if self.code else ""
        return f"{status}{code}: {self.message}"


def _ca_bundle(params: Params, base_dir: Path) -> str | None:
    if params.ca_bundle is None:
        return None
    path = Path(params.ca_bundle)
    path = path if path.is_absolute() else base_dir / path
    if not path.is_file():
        raise InputError(f"CA bundle not found: {path}", entry=f"source '{params.source_name}'", field="ca_bundle")
    return str(path)


def build_asset_client(params: Params, base_dir: Path) -> AssetClient:
    """An :class:`AssetClient` with Application Default Credentials."""
    import google.auth
    import requests
    from google.auth.exceptions import DefaultCredentialsError
    from google.auth.transport.requests import AuthorizedSession, Request

    try:
        credentials, _project = google.auth.default(scopes=list(_SCOPES))
    except DefaultCredentialsError as exc:
        raise GcpCredentialError(f"Google Cloud: no Application Default Credentials: {exc}") from None
    ca = _ca_bundle(params, base_dir)

    class _TokenSession(requests.Session):
        # requests lets REQUESTS_CA_BUNDLE override a session's own bundle; the source's wins.
        def request(self, *args: Any, **kwargs: Any) -> Any:
            if ca:
                kwargs.setdefault("verify", ca)
            return super().request(*args, **kwargs)

    token_session = _TokenSession()
    session = AuthorizedSession(credentials, auth_request=Request(session=token_session))
    return AssetClient(session, token_session, params.endpoint, params.max_retries, params.timeout_seconds, ca)


class AssetClient:
    """``searchAllResources`` over one scope, page by page, with retries that honour ``Retry-After``."""

    def __init__(self, session: Any, token_session: Any, endpoint: str, max_retries: int, timeout: float,
                 ca_bundle: str | None = None) -> None:
        self._session = session
        self._verify: str | bool = ca_bundle or True
        self._token_session = token_session
        self.endpoint = endpoint.rstrip("/")
        self._max_retries = max_retries
        self._timeout = timeout

    def close(self) -> None:
        self._session.close()
        self._token_session.close()

    def __enter__(self) -> AssetClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def search_pages(self, scope: str, asset_types: list[str], page_size: int) -> Iterator[dict]:
        url = f"{self.endpoint}/v1/{quote(scope, safe='/')}:searchAllResources"
        params: dict[str, Any] = {"pageSize": page_size}
        if asset_types:
            params["assetTypes"] = asset_types
        seen: set[str] = set()
        while True:
            page = self._get(url, params)
            yield page
            token = page.get("nextPageToken")
            if not token or token in seen:
                return
            seen.add(token)
            params = {**params, "pageToken": token}

    def _get(self, url: str, params: dict) -> dict:
        import requests
        from google.auth.exceptions import RefreshError, TransportError

        attempt = 0
        while True:
            try:
                # verify given per request: requests lets REQUESTS_CA_BUNDLE override a session's own.
                response = self._session.get(url, params=params, timeout=self._timeout, verify=self._verify)
            except RefreshError as exc:
                raise GcpCredentialError(f"Google Cloud: no token: {exc}") from None
            except (requests.ConnectionError, requests.Timeout, TransportError) as exc:
                # A certificate that does not verify will not verify on the next try either.
                if attempt >= self._max_retries or isinstance(exc, requests.exceptions.SSLError):
                    raise GcpError(None, "ConnectionError", str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
                attempt += 1
                time.sleep(min(2.0**attempt, 30.0))
                continue
            if response.status_code in _RETRY_STATUS and attempt < self._max_retries:
                attempt += 1
                time.sleep(_wait(response.headers.get("Retry-After"), attempt))
                continue
            if response.status_code >= 400:
                code, message = _error_of(response.text)
                raise GcpError(response.status_code, code, message or response.reason or "request failed")
            try:
                data = response.json()
            except ValueError:
                raise GcpError(response.status_code, "InvalidJson", "the response is not JSON") from None
            if not isinstance(data, dict):
                raise GcpError(response.status_code, "InvalidJson", "the response is not a JSON object")
            return data


def _wait(retry_after: str | None, attempt: int) -> float:
    """Seconds to wait: ``Retry-After`` when the server says, exponential backoff otherwise.

    >>> _wait("2", 1), _wait(None, 1), _wait(None, 3), _wait("soon", 2)
    (2.0, 1.0, 4.0, 2.0)
    """
    if retry_after:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            pass
    return min(2.0 ** (attempt - 1), 30.0)


def _error_of(text: str) -> tuple[str | None, str | None]:
    """Google's ``{"error": {"code", "message", "status"}}``."""
    try:
        data = json.loads(text) if text else None
    except json.JSONDecodeError:
        return None, text.strip()[:300] or None
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return error.get("status"), error.get("message")
    return None, None
