"""SageMaker notebook instances, models and endpoints."""

from __future__ import annotations

from typing import Any

from connectors.aws.services._common import Scope, ServiceSpec, component, paginate
from inventory.records import ComponentRecord

CLIENT = "sagemaker"
CALLS = {
    "ListNotebookInstances": "sagemaker:ListNotebookInstances",
    "ListModels": "sagemaker:ListModels",
    "ListEndpoints": "sagemaker:ListEndpoints",
}

#: Listing -> (result key, ARN key, name key, kind, holds data). A notebook keeps a storage
#: volume and a model its trained artefacts; an endpoint serves a model and keeps nothing.
LISTINGS = (
    ("list_notebook_instances", "NotebookInstances", "NotebookInstanceArn", "NotebookInstanceName", "sagemaker-notebook", True),
    ("list_models", "Models", "ModelArn", "ModelName", "sagemaker-model", True),
    ("list_endpoints", "Endpoints", "EndpointArn", "EndpointName", "sagemaker-endpoint", False),
)

__all__ = ["CALLS", "CLIENT", "SPEC", "fetch_sagemaker", "normalize_sagemaker"]


def fetch_sagemaker(client: Any, scope: Scope) -> list[dict]:
    items = []
    for operation, key, arn_key, name_key, kind, holds in LISTINGS:
        for entry in paginate(client, operation, key):
            items.append({"Arn": entry[arn_key], "Name": entry.get(name_key), "Kind": kind, "HoldsData": holds})
    return items


def normalize_sagemaker(raw: list[dict], account: str, region: str | None) -> list[ComponentRecord]:
    """Notebooks, models and endpoints (tags come from the tagging API).

    >>> [r] = normalize_sagemaker([{"Arn": "arn:aws:sagemaker:eu-west-1:111122223333:model/scan-classifier",
    ...     "Name": "scan-classifier", "Kind": "sagemaker-model", "HoldsData": True}], "111122223333", "eu-west-1")
    >>> r.kind, r.holds_data
    ('sagemaker-model', True)
    """
    return [
        component(item["Arn"], service="sagemaker", kind=item["Kind"], account=account, region=region, name=item.get("Name"),
                  holds_data=bool(item.get("HoldsData")))
        for item in raw
    ]


SPEC = ServiceSpec("sagemaker", CLIENT, "regional", CALLS, fetch_sagemaker, normalize_sagemaker, "SageMaker notebooks, models and endpoints")
