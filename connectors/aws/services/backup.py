"""AWS Backup vaults, and the vaults their plans copy to.

A copy rule that sends recovery points to a vault in another region or account puts the
data in a second place. Each such destination becomes a component (id: the source vault's
ARN + ``#copy:<region>``, or ``#copy:<account>:<region>`` across accounts; external id:
the destination vault's ARN) depending on the source vault. When the destination vault is
read directly (its region and account are scanned), that record takes its place.
"""

from __future__ import annotations

from typing import Any

from connectors.aws.services._common import (
    Scope,
    ServiceSpec,
    arn_parts,
    component,
    paginate,
    partition_of,
    per_item,
    pick,
)
from inventory.records import ComponentRecord

CLIENT = "backup"
CALLS = {
    "ListBackupVaults": "backup:ListBackupVaults",
    "ListBackupPlans": "backup:ListBackupPlans",
    "GetBackupPlan": "backup:GetBackupPlan",
}

__all__ = ["CALLS", "CLIENT", "SPEC", "fetch_backup", "normalize_backup"]


def fetch_backup(client: Any, scope: Scope) -> list[dict]:
    items: list[dict] = [
        {"Type": "vault", **pick(v, "BackupVaultArn", "BackupVaultName", "EncryptionKeyArn", "NumberOfRecoveryPoints", "Locked")}
        for v in paginate(client, "list_backup_vaults", "BackupVaultList")
    ]
    for plan in paginate(client, "list_backup_plans", "BackupPlansList"):
        item: dict[str, Any] = {"Type": "plan", **pick(plan, "BackupPlanArn", "BackupPlanId", "BackupPlanName")}
        response, problem = per_item(client, "get_backup_plan", CALLS["GetBackupPlan"], BackupPlanId=plan["BackupPlanId"])
        if problem == "gone":
            continue
        if problem == "denied":
            item["_denied"] = CALLS["GetBackupPlan"]
        else:
            item["Copies"] = [
                {"SourceVault": rule["TargetBackupVaultName"], "Destination": copy["DestinationBackupVaultArn"]}
                for rule in (response.get("BackupPlan") or {}).get("Rules") or ()
                for copy in rule.get("CopyActions") or ()
            ]
        items.append(item)
    return items


def normalize_backup(raw: list[dict], account: str, region: str | None) -> list[ComponentRecord]:
    """Vaults, and a component per copy destination in another region or account.

    >>> records = normalize_backup([
    ...     {"Type": "vault", "BackupVaultArn": "arn:aws:backup:eu-west-1:111122223333:backup-vault:main", "BackupVaultName": "main"},
    ...     {"Type": "plan", "BackupPlanArn": "arn:aws:backup:eu-west-1:111122223333:backup-plan:p1", "BackupPlanId": "p1",
    ...      "Copies": [{"SourceVault": "main", "Destination": "arn:aws:backup:us-east-1:111122223333:backup-vault:dr"}]}],
    ...     "111122223333", "eu-west-1")
    >>> [(r.id.split("backup-vault:")[1], r.region, r.external_id.split("backup-vault:")[1]) for r in records]
    [('main', 'eu-west-1', 'main'), ('main#copy:us-east-1', 'us-east-1', 'dr')]
    """
    records = []
    for item in raw:
        if item["Type"] != "vault":
            continue
        records.append(
            component(
                item["BackupVaultArn"], service="backup", kind="backup-vault", account=account, region=region,
                name=item.get("BackupVaultName"), holds_data=True, depends_on=[item.get("EncryptionKeyArn")],
            )
        )
    seen = set()
    for item in raw:
        for copy in item.get("Copies") or ():
            destination = copy["Destination"]
            _, _, dest_region, dest_account, _ = arn_parts(destination)
            dest_account = dest_account or account
            if dest_region == region and dest_account == account:
                continue  # a copy within the region and account lands in a vault read here anyway
            source = f"arn:{partition_of(destination)}:backup:{region}:{account}:backup-vault:{copy['SourceVault']}"
            suffix = f"{dest_region}" if dest_account == account else f"{dest_account}:{dest_region}"
            ident = f"{source}#copy:{suffix}"
            if ident in seen:
                continue
            seen.add(ident)
            records.append(
                component(
                    ident, service="backup", kind="backup-vault copy", account=dest_account, region=dest_region,
                    name=f"{copy['SourceVault']} (copies in {dest_region})", holds_data=True, depends_on=[source],
                    external_id=destination,
                )
            )
    return records


SPEC = ServiceSpec("backup", CLIENT, "regional", CALLS, fetch_backup, normalize_backup, "Backup vaults and cross-region copies")
