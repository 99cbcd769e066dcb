"""Declarative tables shared by the file connectors: resource types to catalog services, region spellings.

The tables are YAML files beside this module, validated with pydantic when first read:

- ``regions.yaml``: how each provider spells regions in other tools (zones, display
  names, upper case, Public Cloud region names) and how that becomes a catalog region
  code; also which resource identifiers are global (an ARN, an Azure resource id) and so
  can serve as a record id that other connectors will produce too;
- ``terraform.yaml``, ``kubernetes.yaml``, ``prowler.yaml``, ``aws_config.yaml``,
  ``query_csv.yaml``: each tool's resource types mapped to catalog ``provider/service``
  keys, with ``holds_data``; a type the table does not know keeps its provider and no
  service (an ``unknown-service`` question for the catalog), it is never guessed.

Every ``provider/service`` named here must exist in the bundled catalog
(``tests/test_mappings.py`` checks this).
"""

from __future__ import annotations

import fnmatch
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from sovmap.errors import InputError
from sovmap.validation import validate_model
from sovmap.yamlio import read_yaml_file

MAPPINGS_DIR = Path(__file__).parent
M = TypeVar("M", bound=BaseModel)

__all__ = [
    "Key",
    "MAPPINGS_DIR",
    "RegionRules",
    "ServiceRule",
    "TypeTable",
    "account_of",
    "global_id",
    "load_model",
    "load_regions",
    "load_table",
    "normalize_region",
    "tags_from_pairs",
]

Key = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/+-]*$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProviderRegions(_Model):
    """How one provider's region is read from what tools write."""

    lower: bool = True
    # Display names ("West Europe") lose their spaces: Azure's region codes are the names without them.
    strip_spaces: bool = False
    # A zone or data-centre name and the group of it that is the region ("eu-west-1a" -> "eu-west-1").
    zone_patterns: tuple[str, ...] = ()
    # Names other tools use for a catalog region ("gra11" -> "gra"), after lower-casing.
    aliases: dict[str, Key] = {}
    # Resource identifiers that are unique across the provider (usable as record ids).
    global_id_patterns: tuple[str, ...] = ()

    @field_validator("zone_patterns", "global_id_patterns")
    @classmethod
    def _compiles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression '{pattern}': {exc}") from None
        return value


class RegionRules(_Model):
    """``regions.yaml``: values meaning "no region", and each provider's spelling rules."""

    no_region: tuple[str, ...] = ()
    providers: dict[Key, ProviderRegions]


class ServiceRule(_Model):
    """What one resource type is: a catalog service (or none known), data or not, global or not."""

    service: Key | None = None
    holds_data: bool = False
    # Global services (IAM, DNS, CDN) have no region of their own: any region a tool writes
    # for them is the endpoint it called, not where the service runs.
    is_global: bool = Field(default=False, alias="global")
    # Attribute conditions (shell-style patterns) for types whose service depends on a value, e.g. a database engine.
    when: dict[str, str] = {}

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TypeTable(_Model):
    """One tool's resource types: exact types, then patterns, then types to leave out."""

    # A type maps to one rule, or to a list of rules with `when` conditions (first match wins).
    types: dict[str, tuple[ServiceRule, ...]] = {}
    patterns: dict[str, ServiceRule] = {}
    ignore: tuple[str, ...] = ()

    @field_validator("types", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: [v] if isinstance(v, dict) else v for k, v in value.items()}
        return value

    def classify(self, type_: str, attributes: dict[str, Any] | None = None) -> ServiceRule | None | bool:
        """The rule of ``type_``; ``False`` when the table leaves it out; ``None`` when it does not know it.

        An exact type wins over ``ignore``, which wins over ``patterns``.

        >>> t = TypeTable.model_validate({"types": {"db": [{"when": {"engine": "postgres*"}, "service": "pg"}, {}]},
        ...                               "ignore": ["db_*"], "patterns": {"d*": {"service": "d"}}})
        >>> t.classify("db", {"engine": "postgres"}).service, t.classify("db", {"engine": "oracle"}).service
        ('pg', None)
        >>> t.classify("db_user"), t.classify("dx").service, t.classify("x")
        (False, 'd', None)
        """
        entry = self.types.get(type_)
        if entry is not None:
            attrs = attributes or {}
            for rule in entry:
                if all(isinstance(attrs.get(k), str) and fnmatch.fnmatchcase(attrs[k], v) for k, v in rule.when.items()):
                    return rule
            return None
        if any(fnmatch.fnmatchcase(type_, pattern) for pattern in self.ignore):
            return False
        for pattern, rule in self.patterns.items():
            if fnmatch.fnmatchcase(type_, pattern):
                return rule
        return None

    def rules(self) -> list[tuple[str, ServiceRule]]:
        """Every (type or pattern, rule) of the table."""
        out: list[tuple[str, ServiceRule]] = []
        for type_, entry in self.types.items():
            out.extend((type_, r) for r in entry)
        out.extend(self.patterns.items())
        return out


def _read(name: str) -> tuple[str, Any]:
    path = MAPPINGS_DIR / name
    data = read_yaml_file(path)
    if not isinstance(data, dict):
        raise InputError("a mapping table must be a YAML mapping", file=str(path))
    return str(path), data


def load_regions() -> RegionRules:
    """The region rules of ``regions.yaml`` (validated; read once per process)."""
    return load_model("regions.yaml", RegionRules)


@lru_cache(maxsize=None)
def load_model(name: str, model: type[M]) -> M:
    """The file ``name`` validated against ``model`` (read once per process: the tables ship with the code)."""
    file, data = _read(name)
    return validate_model(model, data, file=file)


def load_table(name: str) -> TypeTable:
    """A validated type table."""
    return load_model(name, TypeTable)


def normalize_region(provider: str | None, value: Any) -> str | None:
    """The catalog region code for what a tool wrote, or the value as written (lower case) if no rule applies.

    Nothing is guessed: a value no rule recognises stays as it is, and becomes an
    ``unknown-location`` finding if the catalog does not know it either.

    >>> normalize_region("aws", "eu-west-1a"), normalize_region("azure", "West Europe")
    ('eu-west-1', 'westeurope')
    >>> normalize_region("gcp", "EUROPE-WEST4-b"), normalize_region("ovhcloud", "GRA11"), normalize_region("aws", "global")
    ('europe-west4', 'gra', None)
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    rules = load_regions()
    if not text or text.casefold() in rules.no_region:
        return None
    spec = rules.providers.get(provider or "")
    if spec is None:
        return text.lower()
    if spec.lower:
        text = text.lower()
    if spec.strip_spaces:
        text = text.replace(" ", "")
    if text in spec.aliases:
        return spec.aliases[text]
    for pattern in spec.zone_patterns:
        found = re.fullmatch(pattern, text)
        if found:
            region = found.group(1)
            return spec.aliases.get(region, region)
    return text


def global_id(provider: str | None, value: Any) -> str | None:
    """``value`` if it is an identifier unique across ``provider`` (an ARN, an Azure resource id), else None.

    >>> global_id("aws", "arn:aws:s3:::archive"), global_id("hetzner", "4711")
    ('arn:aws:s3:::archive', None)
    """
    if not isinstance(value, str) or not value:
        return None
    spec = load_regions().providers.get(provider or "")
    if spec is None:
        return None
    return value if any(re.fullmatch(p, value) for p in spec.global_id_patterns) else None


_ARN = re.compile(r"^arn:[a-z-]+:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:")
_ARM = re.compile(r"^/subscriptions/([0-9a-fA-F-]{36})(?:/|$)")
_GCP = re.compile(r"^(?:https://www\.googleapis\.com/[a-z]+/v\d+/)?projects/([a-z][a-z0-9-]{4,28}[a-z0-9])(?:/|$)")


def account_of(identifier: Any) -> str | None:
    """The account, subscription or project an identifier names, if it names one.

    >>> account_of("arn:aws:dynamodb:eu-west-1:123456789012:table/decl")
    '123456789012'
    >>> account_of("/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg"), account_of("arn:aws:s3:::b")
    ('0b1f6471-1bf0-4dda-aec3-cb9272f09590', None)
    """
    if not isinstance(identifier, str):
        return None
    for pattern in (_ARN, _ARM, _GCP):
        found = pattern.match(identifier)
        if found:
            return found.group(1) or None
    return None


def tags_from_pairs(value: Any) -> dict[str, str]:
    """Tags from a mapping, or from a list of ``{Key, Value}``/``{key, value}`` pairs; other values give none.

    >>> tags_from_pairs([{"Key": "system", "Value": "ecom"}]), tags_from_pairs({"a": "1", "b": None})
    ({'system': 'ecom'}, {'a': '1'})
    """
    out: dict[str, str] = {}
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = []
        for pair in value:
            if isinstance(pair, dict):
                key = pair.get("Key", pair.get("key", pair.get("tagName")))
                val = pair.get("Value", pair.get("value", pair.get("tagValue")))
                items.append((key, val))
    else:
        return out
    for key, val in items:
        if isinstance(key, str) and key and isinstance(val, (str, int, float)) and not isinstance(val, bool) and str(val) != "":
            out[key] = str(val)
    return out
