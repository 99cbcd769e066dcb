"""The one place AWS sessions and clients are made.

Everything that reaches AWS goes through :class:`ClientFactory`: the endpoint (settings,
else botocore's own ``AWS_ENDPOINT_URL``), the CA bundle, adaptive retries, connect and
read timeouts, the connection pool, and role assumption. Tests point it at a local server
through ``endpoint_url``; nothing in the connector builds a client any other way, and
nothing is built at import time (botocore is imported inside the methods).

Credentials come from the standard chain only (environment, shared config and
credentials files, SSO, container and instance roles), optionally for a named profile;
assumed-role credentials are refreshed before they expire. Credentials are never
stored, printed or logged.

All sessions share one botocore data loader, so the service models (several MB each) are
read once per scan, not once per account. Each session makes one client per service and
region and shares it between the reads that need it (EC2, EBS and VPC; RDS and Aurora):
botocore clients are safe to share between threads, and making one costs milliseconds of
CPU (an EC2 client about 50), which in a scan of every region adds up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

__all__ = ["GLOBAL_REGIONS", "AccountSession", "ClientFactory", "ClientSettings"]

#: The region where each partition's global services (IAM, Organizations, Route 53,
#: CloudFront, the S3 bucket listing) answer. Other partitions need ``global_region``.
GLOBAL_REGIONS: dict[str, str] = {
    "aws": "us-east-1",
    "aws-cn": "cn-north-1",
    "aws-us-gov": "us-gov-west-1",
    "aws-eusc": "eusc-de-east-1",
    "aws-iso": "us-iso-east-1",
    "aws-iso-b": "us-isob-east-1",
}


@dataclass(frozen=True)
class ClientSettings:
    """How clients talk to AWS; built from a source's parameters."""

    endpoint_url: str | None = None
    ca_bundle: str | None = None
    max_attempts: int = 8
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_pool_connections: int = 10
    role_session_name: str = "sovmap"
    external_id: str | None = None
    role_duration_seconds: int = 3600


@dataclass
class AccountSession:
    """The credentials of one account (a botocore session) and how they were obtained."""

    label: str
    botocore_session: Any
    account: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    clients: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)


class ClientFactory:
    """Makes sessions (standard chain, profile, assumed role) and clients from settings.

    ``hooks`` are ``(event name, handler)`` pairs registered on every session, e.g.
    ``("before-call", record)`` to see each API call that is made.
    """

    def __init__(self, settings: ClientSettings | None = None, *, hooks: Sequence[tuple[str, Callable[..., Any]]] = ()) -> None:
        self.settings = settings or ClientSettings()
        self._hooks = tuple(hooks)
        self._loader: Any = None
        self._config: Any = None
        self._lock = threading.Lock()

    def _config_object(self) -> Any:
        if self._config is None:
            from botocore.config import Config

            s = self.settings
            self._config = Config(
                retries={"mode": "adaptive", "total_max_attempts": s.max_attempts},
                connect_timeout=s.connect_timeout,
                read_timeout=s.read_timeout,
                max_pool_connections=s.max_pool_connections,
                user_agent_extra="sovmap",
            )
        return self._config

    def _new_botocore_session(self, profile: str | None) -> Any:
        import botocore.session

        session = botocore.session.Session(profile=profile)
        with self._lock:
            if self._loader is None:
                self._loader = session.get_component("data_loader")
            else:
                session.register_component("data_loader", self._loader)
        for event, handler in self._hooks:
            session.register(event, handler)
        return session

    def session(self, profile: str | None = None) -> AccountSession:
        """A session on the standard credential chain, for ``profile`` when given."""
        return AccountSession(f"profile {profile}" if profile else "default credential chain", self._new_botocore_session(profile))

    def default_region(self, session: AccountSession) -> str | None:
        """The region the session's configuration names, if any."""
        return session.botocore_session.get_config_variable("region")

    def client(self, session: AccountSession, service: str, region: str) -> Any:
        """The client of ``service`` in ``region`` with the factory's settings (made once per session)."""
        s = self.settings
        kwargs: dict[str, Any] = {"region_name": region, "config": self._config_object()}
        if s.endpoint_url:
            kwargs["endpoint_url"] = s.endpoint_url
        if s.ca_bundle:
            kwargs["verify"] = s.ca_bundle
        # botocore sessions are not safe for concurrent client creation; clients themselves are.
        with session.lock:
            client = session.clients.get((service, region))
            if client is None:
                client = session.clients[(service, region)] = session.botocore_session.create_client(service, **kwargs)
            return client

    def identity(self, session: AccountSession, region: str) -> dict[str, str]:
        """``{"Account", "Arn"}`` of the session's principal (sts:GetCallerIdentity)."""
        answer = self.client(session, "sts", region).get_caller_identity()
        session.account = answer["Account"]
        return {"Account": answer["Account"], "Arn": answer["Arn"]}

    def assume_role(self, source: AccountSession, role_arn: str, region: str) -> AccountSession:
        """A session for ``role_arn``, assumed from ``source``; credentials refresh before expiry.

        The first assumption happens here, so that a denied role is reported for its account.
        """
        from botocore.credentials import CredentialProvider, RefreshableCredentials
        from botocore.exceptions import CredentialRetrievalError

        s = self.settings
        sts = self.client(source, "sts", region)
        request: dict[str, Any] = {
            "RoleArn": role_arn,
            "RoleSessionName": s.role_session_name,
            "DurationSeconds": s.role_duration_seconds,
        }
        if s.external_id:
            request["ExternalId"] = s.external_id

        def refresh() -> dict[str, str]:
            creds = sts.assume_role(**request)["Credentials"]
            # Credentials that are expired on arrival (a clock far ahead, a broken STS) would make
            # botocore raise a bare RuntimeError in the middle of some read: say it here, by name.
            if creds["Expiration"] <= datetime.now(timezone.utc):
                raise CredentialRetrievalError(
                    provider="sovmap-assume-role",
                    error_msg=f"STS returned credentials for {role_arn} that expired at {creds['Expiration'].isoformat()}; "
                    "check this machine's clock",
                )
            return {
                "access_key": creds["AccessKeyId"],
                "secret_key": creds["SecretAccessKey"],
                "token": creds["SessionToken"],
                "expiry_time": creds["Expiration"].isoformat(),
            }

        credentials = RefreshableCredentials.create_from_metadata(refresh(), refresh, "sovmap-assume-role")

        class _Assumed(CredentialProvider):
            METHOD = "sovmap-assume-role"
            CANONICAL_NAME = "sovmap-assume-role"

            def load(self) -> Any:
                return credentials

        session = self._new_botocore_session(None)
        # First in the chain: the assumed role wins over anything in the environment.
        session.get_component("credential_provider").insert_before("env", _Assumed())
        return AccountSession(f"role {role_arn}", session)
