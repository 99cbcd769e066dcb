"""Reading an AWS estate: accounts x regions x services on a bounded pool of workers.

1. The caller is identified (``sts:GetCallerIdentity``); its ARN gives the partition.
2. Accounts: the caller's own; or every profile in ``profiles``; or, with ``assume_role``,
   the listed ``accounts`` or every active member of the organisation
   (``organizations:ListAccounts``), each through the read-only role.
3. Regions: the configured ones, else every region enabled in each account
   (``ec2:DescribeRegions``).
4. One task per account and region and regional service, one per account and global
   service; at most ``workers`` run at a time. Their per-resource calls (a key's
   ``DescribeKey``, a table's ``DescribeTable``, a bucket's ``GetBucketLocation``) run on
   a second pool of ``workers`` threads, so that one region with thousands of keys is not
   one long chain of calls that the rest of the scan waits for.

Nothing that one account, region or service does can stop the others: a denied call is
recorded as ``denied``, anything else that goes wrong (throttling that outlasts the
adaptive retries, a timeout, an endpoint that does not answer) as ``failed``, each with
its reason, in the coverage report stored with the snapshot. Only a caller that cannot be
identified at all stops the source, since then nothing can be read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from connectors.aws.clients import GLOBAL_REGIONS, AccountSession, ClientFactory
from connectors.aws.services import SERVICES, ServiceSpec
from connectors.aws.services._common import DENIED_CODES, Scope, error_code, in_order
from sovmap.errors import SovmapError

__all__ = ["CALLS", "THROTTLE_CODES", "AwsSourceError", "classify", "discover"]

#: Calls made by discovery itself, besides those of the service modules.
CALLS: dict[str, dict[str, str]] = {
    "sts": {"GetCallerIdentity": "sts:GetCallerIdentity", "AssumeRole": "sts:AssumeRole"},
    "organizations": {"ListAccounts": "organizations:ListAccounts"},
    "ec2": {"DescribeRegions": "ec2:DescribeRegions"},
}

#: Codes botocore retries as throttling; still seeing one means the retries ran out.
THROTTLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "RequestThrottled",
        "SlowDown",
        "EC2ThrottledException",
    }
)

#: The account has not signed up for the service in that region: nothing there to read.
OPT_IN_CODES = frozenset({"OptInRequired", "SubscriptionRequiredException"})

_MAX_DETAIL = 300


class AwsSourceError(SovmapError):
    """The AWS source cannot be read at all (no usable credentials, unknown partition)."""


def _expected_errors() -> tuple[type[Exception], ...]:
    """The errors a read may end with and that the coverage report records."""
    from botocore.exceptions import (
        ClientError,
        ConnectionError,
        CredentialRetrievalError,
        HTTPClientError,
        NoCredentialsError,
        PartialCredentialsError,
        ProfileNotFound,
        SSOError,
        TokenRetrievalError,
    )
    from botocore.parsers import ResponseParserError

    return (
        ClientError,
        ConnectionError,
        HTTPClientError,
        NoCredentialsError,
        PartialCredentialsError,
        CredentialRetrievalError,
        ProfileNotFound,
        SSOError,
        TokenRetrievalError,
        ResponseParserError,
    )


def _action(operation: str | None, calls: dict[str, str]) -> str:
    if operation is None:
        return "call"
    for table in (calls, *CALLS.values()):
        if operation in table:
            return table[operation]
    return operation


def classify(exc: Exception, calls: dict[str, str] | None = None) -> tuple[str, str]:
    """(coverage status, reason) for an error that ended a read."""
    calls = calls or {}
    code = error_code(exc)
    if code is None:
        return "failed", f"{type(exc).__name__}: {exc}"[:_MAX_DETAIL]
    response = getattr(exc, "response", {}) or {}
    action = _action(getattr(exc, "operation_name", None), calls)
    message = ((response.get("Error") or {}).get("Message") or "").strip()
    if code in DENIED_CODES:
        return "denied", f"{action}: {code}" + (f": {message}" if message else "")[:_MAX_DETAIL]
    if code in THROTTLE_CODES:
        attempts = (response.get("ResponseMetadata") or {}).get("RetryAttempts", 0) + 1
        return "failed", f"{action}: still throttled ({code}) after {attempts} attempt(s)"
    if code in OPT_IN_CODES:
        return "skipped", f"{action}: {code}: the service is not enabled for this account or region"
    return "failed", (f"{action}: {code}" + (f": {message}" if message else ""))[:_MAX_DETAIL]


@dataclass
class _Account:
    account: str
    session: AccountSession
    regions: list[str]


class _Run:
    """The state of one discovery: what was read, what was not, and progress."""

    def __init__(self, params: Any, clients: ClientFactory, progress: Callable[[str], None]) -> None:
        self.params = params
        self.clients = clients
        self.progress = progress
        self.results: list[dict] = []
        self.coverage: list[dict] = []
        self.errors = _expected_errors()
        self.partition = "aws"
        self.global_region = "us-east-1"
        self.services: list[ServiceSpec] = [SERVICES[k] for k in (params.services or SERVICES)]
        self.caller: str | None = None
        self.accounts: list[str] = []
        self.done = 0
        self.total = 0
        self.resources = 0
        self.map: Callable[[Callable[[Any], Any], Iterable[Any]], list[Any]] = in_order

    def cover(self, scope: str, status: str, detail: str | None = None, count: int = 0) -> None:
        self.coverage.append({"scope": scope, "status": status, "detail": detail, "count": count})

    # -- accounts -----------------------------------------------------------------
    def identify_caller(self) -> AccountSession:
        p = self.params
        try:
            base = self.clients.session(p.profile)
            region = p.global_region or self.clients.default_region(base) or (p.regions[0] if p.regions else None) or "us-east-1"
            identity = self.clients.identity(base, region)
        except self.errors as exc:
            _, reason = classify(exc, CALLS["sts"])
            raise AwsSourceError(
                f"AWS source{f' {p.name!r}' if p.name else ''}: cannot identify the caller ({reason}); "
                "check the credentials of the standard chain"
                + (f" for profile '{p.profile}'" if p.profile else "")
            ) from None
        self.partition = identity["Arn"].split(":", 2)[1]
        global_region = p.global_region or GLOBAL_REGIONS.get(self.partition)
        if global_region is None:
            raise AwsSourceError(f"AWS partition '{self.partition}' has no known global region: set 'global_region' in the source")
        self.global_region = global_region
        return base

    def member_accounts(self, base: AccountSession) -> list[str]:
        """Active accounts of the organisation; the caller's alone when they cannot be listed."""
        caller = base.account
        try:
            client = self.clients.client(base, "organizations", self.global_region)
            accounts = [
                a["Id"]
                for page in client.get_paginator("list_accounts").paginate()
                for a in page.get("Accounts") or ()
                if (a.get("State") or a.get("Status")) == "ACTIVE"
            ]
        except self.errors as exc:
            status, reason = classify(exc, CALLS["organizations"])
            self.cover(f"{caller}/organizations", status, f"{reason}; only the caller's account {caller} is read", 0)
            return [caller]
        self.cover(f"{caller}/organizations", "read", f"{len(accounts)} active account(s)", len(accounts))
        return accounts

    def role_arn(self, account: str) -> str:
        role = self.params.assume_role
        if role.startswith("arn:"):
            return role.replace("{account}", account)
        return f"arn:{self.partition}:iam::{account}:role/{role.strip('/')}"

    def prepare(self, make: Callable[[], AccountSession], scope: str) -> _Account | None:
        """Open one account (assume its role or open its profile) and find its regions."""
        try:
            session = make()
            if session.account is None:
                self.clients.identity(session, self.global_region)
        except self.errors as exc:
            status, reason = classify(exc, CALLS["sts"])
            self.cover(scope, status, reason)
            return None
        account = session.account
        if self.params.regions:
            return _Account(account, session, list(self.params.regions))
        try:
            client = self.clients.client(session, "ec2", self.global_region)
            regions = sorted(
                r["RegionName"] for r in client.describe_regions(AllRegions=False).get("Regions") or ()
                if r.get("OptInStatus") != "not-opted-in"
            )
        except self.errors as exc:
            status, reason = classify(exc, CALLS["ec2"])
            self.cover(f"{account}/regions", status, f"{reason}; only global services are read")
            return _Account(account, session, [])
        return _Account(account, session, regions)

    def openers(self, base: AccountSession) -> list[tuple[str, Callable[[], AccountSession]]]:
        """(scope, opener) for every account to read; the base session's account first."""
        p = self.params
        openers: list[tuple[str, Callable[[], AccountSession]]] = []
        if p.assume_role:
            for account in p.accounts or self.member_accounts(base):
                if account == base.account:
                    openers.append((account, lambda: base))
                else:
                    arn = self.role_arn(account)
                    openers.append((account, lambda arn=arn: self.clients.assume_role(base, arn, self.global_region)))
        elif not p.profiles:
            openers.append((base.account, lambda: base))
        for profile in p.profiles:
            openers.append((f"profile:{profile}", lambda profile=profile: self.clients.session(profile)))
        return openers

    # -- reading ------------------------------------------------------------------
    def tasks(self, account: _Account) -> Iterable[tuple[ServiceSpec, str | None]]:
        for spec in self.services:
            if spec.scope == "global":
                yield spec, None
            else:
                for region in account.regions:
                    yield spec, region

    def read(self, account: _Account, spec: ServiceSpec, region: str | None) -> tuple[dict | None, dict]:
        scope = f"{account.account}/{region or 'global'}/{spec.key}"
        try:
            client = self.clients.client(account.session, spec.client, region or self.global_region)
            items = spec.fetch(client, Scope(account.account, region, self.partition, self.map))
        except self.errors as exc:
            status, reason = classify(exc, dict(spec.calls))
            return None, {"scope": scope, "status": status, "detail": reason, "count": 0}
        denied: dict[str, int] = {}
        for item in items:
            if "_denied" in item:
                denied[item["_denied"]] = denied.get(item["_denied"], 0) + 1
        if denied:
            detail = "; ".join(f"{action} denied for {n} of {len(items)} resource(s), listed without those details" for action, n in denied.items())
            cover = {"scope": scope, "status": "denied", "detail": detail, "count": len(items)}
        else:
            cover = {"scope": scope, "status": "read", "detail": None, "count": len(items)}
        return {"account": account.account, "region": region, "service": spec.key, "items": items}, cover

    def run(self, workers: int) -> None:
        base = self.identify_caller()
        self.caller = base.account
        openers = self.openers(base)
        seen: set[str] = set()
        # Per-resource calls get a pool of their own: on the read pool, a read waiting for its
        # items could wait for workers that are all waiting in the same way.
        with (
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sovmap-aws") as pool,
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sovmap-aws-item") as per_resource,
        ):
            if workers > 1:
                self.map = lambda call, args: list(per_resource.map(call, args))
            pending: dict[Future, tuple] = {pool.submit(self.prepare, make, scope): ("account", scope) for scope, make in openers}
            self.progress(f"aws: opening {len(pending)} account(s)")
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    kind, *what = pending.pop(future)
                    if kind == "account":
                        account = future.result()
                        # Two profiles (or a profile and a role) may reach one account: read it once.
                        if account is None or account.account in seen:
                            continue
                        seen.add(account.account)
                        for spec, region in self.tasks(account):
                            pending[pool.submit(self.read, account, spec, region)] = ("read", account.account, spec.key, region)
                            self.total += 1
                        continue
                    result, cover = future.result()
                    self.done += 1
                    self.coverage.append(cover)
                    if result is not None:
                        self.results.append(result)
                        self.resources += len(result["items"])
                    account_id, service, region = what
                    self.progress(
                        f"aws: {self.done}/{self.total} reads, {self.resources} resources "
                        f"({account_id} {region or 'global'} {service}: {cover['status']})"
                    )
        self.accounts = sorted(seen)


def discover(params: Any, clients: ClientFactory, *, workers: int, progress: Callable[[str], None]) -> dict:
    """Read every account, region and service of the source; the raw data ``normalize`` takes.

    Returns ``{"version", "partition", "caller", "accounts", "results", "coverage"}``:
    ``results`` one entry per read (``account``, ``region`` or None, ``service``,
    ``items``), ``coverage`` one entry per read and per account or listing that could
    not be read, all JSON-like and in a stable order.
    """
    run = _Run(params, clients, progress)
    run.run(workers)
    order = {key: i for i, key in enumerate(SERVICES)}
    return {
        "version": 1,
        "partition": run.partition,
        "caller": run.caller,
        "accounts": run.accounts,
        "results": sorted(run.results, key=lambda r: (r["account"], r["region"] or "", order[r["service"]])),
        "coverage": sorted(run.coverage, key=lambda c: c["scope"]),
    }
