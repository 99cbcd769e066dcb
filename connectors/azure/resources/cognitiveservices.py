"""AI: Azure OpenAI and the other Azure AI services accounts, Azure Machine Learning workspaces.

An account of kind ``OpenAI`` is Azure OpenAI, any other kind (``AIServices``,
``CognitiveServices``, ``FormRecognizer``...) Azure AI services. Key custody follows
``encryption.keySource``. A Machine Learning workspace holds data and depends on the
storage account, key vault, registry and Application Insights it names.
"""

from __future__ import annotations

from inventory.records import ComponentRecord

from ._common import Index, Row, custody_of_key, props

TYPES = {
    "microsoft.cognitiveservices/accounts": "ai-services",
    "microsoft.machinelearningservices/workspaces": "machine-learning",
}
HOLDS_DATA = frozenset({"microsoft.machinelearningservices/workspaces"})
PROPERTY_LISTS = {
    "Microsoft.CognitiveServices/accounts": "2024-10-01",
    "Microsoft.MachineLearningServices/workspaces": "2024-10-01",
}
PROPERTY_TYPES = frozenset(t.lower() for t in PROPERTY_LISTS)


def enrich(row: Row, comp: ComponentRecord, idx: Index) -> list[ComponentRecord]:
    p = props(row)
    if row["type"].lower() == "microsoft.machinelearningservices/workspaces":
        comp.depends_on += tuple(p.get(k) for k in ("storageAccount", "keyVault", "containerRegistry", "applicationInsights"))
        return []
    if str(row.get("kind") or "").lower() == "openai":
        comp.service = "openai"
    encryption = p.get("encryption") or {}
    source = str(encryption.get("keySource") or "").lower()
    if source == "microsoft.keyvault":
        uri = (encryption.get("keyVaultProperties") or {}).get("keyVaultUri")
        comp.key_custody = custody_of_key(uri) or "customer-managed"
        comp.depends_on += (idx.vault_of(uri),)
    elif source == "microsoft.cognitiveservices":
        comp.key_custody = "provider"
    return []
