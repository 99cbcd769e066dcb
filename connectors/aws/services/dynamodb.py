"""DynamoDB tables; a global table is one component per replica region.

Every replica of a global table is a place where the data is stored. Each becomes a
component of its own (id: the table's ARN + ``#replica:<region>``, external id: the
replica's own ARN) that depends on the table read in this region. When the replica's
region is scanned too, the table found there is the same place, and the record for it
replaces this one (see :func:`connectors.aws.normalize`).
"""

from __future__ import annotations

from typing import Any

from connectors.aws.services._common import (
    Scope,
    ServiceSpec,
    bytes_to_gb,
    component,
    kms_ref,
    paginate,
    partition_of,
    per_items,
    pick,
)
from inventory.records import ComponentRecord

CLIENT = "dynamodb"
CALLS = {"ListTables": "dynamodb:ListTables", "DescribeTable": "dynamodb:DescribeTable"}

__all__ = ["CALLS", "CLIENT", "SPEC", "fetch_dynamodb", "normalize_dynamodb"]


def fetch_dynamodb(client: Any, scope: Scope) -> list[dict]:
    items = []
    names = list(paginate(client, "list_tables", "TableNames"))
    answers = per_items(client, "describe_table", CALLS["DescribeTable"], scope, ({"TableName": n} for n in names))
    for name, (response, problem) in zip(names, answers, strict=True):
        if problem == "gone":
            continue
        if problem == "denied":
            items.append(
                {"TableArn": f"arn:{scope.partition}:dynamodb:{scope.region}:{scope.account}:table/{name}", "TableName": name,
                 "_denied": CALLS["DescribeTable"]}
            )
            continue
        table = response["Table"]
        items.append(
            {
                **pick(table, "TableArn", "TableName", "TableSizeBytes", "GlobalTableVersion"),
                **({"SSEDescription": pick(table["SSEDescription"], "Status", "SSEType", "KMSMasterKeyArn")} if table.get("SSEDescription") else {}),
                "Replicas": [pick(r, "RegionName", "ReplicaStatus", "KMSMasterKeyId") for r in table.get("Replicas") or ()],
            }
        )
    return items


def normalize_dynamodb(raw: list[dict], account: str, region: str | None) -> list[ComponentRecord]:
    """Tables, and one component per other replica region of a global table.

    >>> records = normalize_dynamodb([{"TableArn": "arn:aws:dynamodb:eu-west-1:111122223333:table/decl", "TableName": "decl",
    ...     "TableSizeBytes": 2_000_000_000, "Replicas": [{"RegionName": "eu-west-1"}, {"RegionName": "us-east-1"}]}],
    ...     "111122223333", "eu-west-1")
    >>> [(r.id.split(":table/")[1], r.region, r.key_custody, r.depends_on) for r in records]
    [('decl', 'eu-west-1', 'provider', ()), ('decl#replica:us-east-1', 'us-east-1', 'provider', ('arn:aws:dynamodb:eu-west-1:111122223333:table/decl',))]
    """
    records = []
    for item in raw:
        arn = item["TableArn"]
        partition = partition_of(arn)
        sse = item.get("SSEDescription")
        # No SSE description: the table is encrypted with a key AWS owns.
        key = sse.get("KMSMasterKeyArn") if sse else None
        custody = None if "_denied" in item else ("provider" if not key else None)
        size = bytes_to_gb(item.get("TableSizeBytes"))
        records.append(
            component(
                arn, service="dynamodb", kind="dynamodb-table", account=account, region=region,
                name=item["TableName"], holds_data=True, data_volume_gb=size, depends_on=[key], key_custody=custody,
            )
        )
        for replica in item.get("Replicas") or ():
            other = replica["RegionName"]
            if other == region:
                continue
            records.append(
                component(
                    f"{arn}#replica:{other}", service="dynamodb", kind="dynamodb-table replica", account=account,
                    region=other, name=f"{item['TableName']} ({other} replica)", holds_data=True, data_volume_gb=size,
                    depends_on=[arn, kms_ref(replica.get("KMSMasterKeyId"), partition, other, account)], key_custody=custody,
                    external_id=f"arn:{partition}:dynamodb:{other}:{account}:table/{item['TableName']}",
                )
            )
    return records


SPEC = ServiceSpec("dynamodb", CLIENT, "regional", CALLS, fetch_dynamodb, normalize_dynamodb, "DynamoDB tables and global-table replicas")
