"""The knowledge catalog: regions to countries, providers to legal entities, parents and laws.

The catalog is data: YAML files under ``inventory/catalog/`` (and an organisation's own
override files), every entry with its ``source`` and ``as_of`` date, validated with
pydantic at load. :func:`load_catalog` returns a :class:`Catalog` that is passed to the
code that needs it; nothing here is a module-level singleton.

Any catalog file may hold any of these top-level sections: ``countries``, ``laws``,
``legal_entities``, ``providers``, ``services``, ``regions``, ``models``. A key defined twice in the
bundled catalog is an error; in an override file it replaces the bundled entry and is
marked as an override wherever it is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from sovmap.errors import CatalogError, InputError, InputErrors
from sovmap.validation import validate_model
from sovmap.yamlio import read_yaml_file

BUNDLED_DIR = Path(__file__).parent / "catalog"

Key = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/+-]*$")]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
NonEmpty = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]

Bloc = Literal["EU", "EEA", "adequacy", "other"]
Reach = Literal["content", "metadata", "assistance", "suspension"]
Portability = Literal["high", "medium", "low"]

__all__ = [
    "BUNDLED_DIR",
    "Catalog",
    "Country",
    "Law",
    "Model",
    "LegalEntity",
    "Provider",
    "Region",
    "Service",
    "load_catalog",
]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: NonEmpty = Field(description="URL or document the fact comes from")
    as_of: date = Field(description="when the fact was last checked against its source")
    note: str | None = None


class Adequacy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    decision: NonEmpty
    scope: NonEmpty = "full"


class Country(_Entry):
    code: CountryCode
    name: NonEmpty
    bloc: Bloc
    adequacy: Adequacy | None = None
    laws: tuple[Key, ...] = ()


class Law(_Entry):
    key: Key
    name: NonEmpty
    country: CountryCode | Literal["EU"]
    citation: NonEmpty
    reach: tuple[Reach, ...]
    # True when the law binds entities under the country's jurisdiction for data they hold
    # anywhere (the CLOUD Act); False when it reaches only data on the country's territory.
    extraterritorial: bool = False
    secrecy: bool = False
    summary: str | None = None


class LegalEntity(_Entry):
    key: Key
    name: NonEmpty
    country: CountryCode
    parent: Key | None = None
    lei: str | None = None
    ownership: str | None = None


class Operations(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    countries: tuple[CountryCode, ...] = ()
    approval_gate: str | None = None
    claims: str | None = None


class Provider(_Entry):
    key: Key
    name: NonEmpty
    kind: Literal["cloud", "saas", "colocation", "msp", "telecom", "software", "ai"]
    contracting_entity: Key
    other_entities: tuple[Key, ...] = ()
    technology_licensors: tuple[Key, ...] = ()
    operations: Operations | None = None
    eu_alternatives: tuple[Key, ...] = ()


class Service(_Entry):
    provider: Key
    key: Key
    name: NonEmpty
    model: Literal["IaaS", "PaaS", "SaaS"]
    dora_type: Annotated[str, StringConstraints(pattern=r"^S(0[1-9]|1[0-9])$")]
    scope: Literal["regional", "global"] = "regional"
    control_plane_country: CountryCode | None = None
    portability: Portability
    category: str | None = None
    open_standard: str | None = None
    holds_data: bool | None = None
    eu_alternatives: tuple[Key, ...] = ()


class Region(_Entry):
    provider: Key
    code: Key
    name: NonEmpty
    country: CountryCode
    # Geographies that span several countries (Microsoft 365 "EU", a SaaS "EU" instance):
    # ``country`` is the main one, ``also_in`` the others data may be stored in.
    also_in: tuple[CountryCode, ...] = ()
    city: str | None = None
    partition: str | None = None
    operating_entity: Key | None = None
    pair: Key | None = None


class Model(_Entry):
    """A trained model a component may use: who made it, under which licence, whence the weights."""

    key: Key
    name: NonEmpty
    developer: Key  # legal entity
    licence: NonEmpty
    open_weights: bool = False
    weights_origin: str | None = None
    hosted_by: tuple[Key, ...] = ()  # "provider/service" keys that serve it
    training_data: str | None = None


class CatalogFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    countries: list[Country] = []
    laws: list[Law] = []
    legal_entities: list[LegalEntity] = []
    providers: list[Provider] = []
    services: list[Service] = []
    regions: list[Region] = []
    models: list[Model] = []


@dataclass(frozen=True, slots=True)
class Origin:
    file: str
    override: bool


@dataclass
class Catalog:
    """The validated catalog, indexed for lookup."""

    countries: dict[str, Country] = field(default_factory=dict)
    laws: dict[str, Law] = field(default_factory=dict)
    entities: dict[str, LegalEntity] = field(default_factory=dict)
    providers: dict[str, Provider] = field(default_factory=dict)
    services: dict[tuple[str, str], Service] = field(default_factory=dict)
    regions: dict[tuple[str, str], Region] = field(default_factory=dict)
    models: dict[str, Model] = field(default_factory=dict)
    origins: dict[tuple[str, Any], Origin] = field(default_factory=dict)

    # -- lookups -------------------------------------------------------------------
    def country(self, code: str | None) -> Country | None:
        return self.countries.get(code) if code else None

    def provider(self, key: str | None) -> Provider | None:
        return self.providers.get(key) if key else None

    def service(self, provider: str | None, key: str | None) -> Service | None:
        return self.services.get((provider, key)) if provider and key else None

    def region(self, provider: str | None, code: str | None) -> Region | None:
        return self.regions.get((provider, code)) if provider and code else None

    def ownership_chain(self, entity_key: str) -> list[LegalEntity]:
        """The entity and every parent up to the ultimate parent, in that order."""
        chain: list[LegalEntity] = []
        seen: set[str] = set()
        key: str | None = entity_key
        while key is not None and key not in seen:
            seen.add(key)
            entity = self.entities.get(key)
            if entity is None:
                break
            chain.append(entity)
            key = entity.parent
        return chain

    def ultimate_parent(self, entity_key: str) -> LegalEntity | None:
        chain = self.ownership_chain(entity_key)
        return chain[-1] if chain else None

    def provider_regions(self, provider: str) -> list[Region]:
        return [r for (p, _), r in self.regions.items() if p == provider]

    def provider_services(self, provider: str) -> list[Service]:
        return [s for (p, _), s in self.services.items() if p == provider]

    def laws_of(self, country_code: str) -> list[Law]:
        country = self.countries.get(country_code)
        if country is None:
            return []
        return [self.laws[k] for k in country.laws if k in self.laws]

    def is_override(self, section: str, key: Any) -> bool:
        origin = self.origins.get((section, key))
        return bool(origin and origin.override)

    def source_of(self, section: str, key: Any) -> str | None:
        origin = self.origins.get((section, key))
        return origin.file if origin else None

    def fact(self, section: str, key: Any) -> dict[str, Any]:
        """A catalog entry as evidence: what it says, its source, as-of date and file."""
        table = {
            "countries": self.countries,
            "laws": self.laws,
            "legal_entities": self.entities,
            "providers": self.providers,
            "services": self.services,
            "regions": self.regions,
            "models": self.models,
        }[section]
        entry = table[key]
        label = "/".join(key) if isinstance(key, tuple) else key
        return {
            "catalog": section,
            "key": label,
            "source": entry.source,
            "as_of": entry.as_of.isoformat(),
            "file": self.source_of(section, key),
            "override": self.is_override(section, key),
        }


_SECTIONS: dict[str, tuple[str, Any]] = {
    # section -> (Catalog attribute, key function)
    "countries": ("countries", lambda e: e.code),
    "laws": ("laws", lambda e: e.key),
    "legal_entities": ("entities", lambda e: e.key),
    "providers": ("providers", lambda e: e.key),
    "services": ("services", lambda e: (e.provider, e.key)),
    "regions": ("regions", lambda e: (e.provider, e.code)),
    "models": ("models", lambda e: e.key),
}


def bundled_files() -> list[Path]:
    return sorted(p for p in BUNDLED_DIR.rglob("*.yaml") if p.is_file())


def _iter_entries(parsed: CatalogFile) -> Iterator[tuple[str, int, Any]]:
    for section in _SECTIONS:
        for index, entry in enumerate(getattr(parsed, section)):
            yield section, index, entry


def _line(data: Any, section: str, index: int) -> int | None:
    try:
        return data[section].item_lines[index]
    except (AttributeError, KeyError, IndexError, TypeError):
        return None


def load_catalog(overrides: Iterable[str | Path] = (), *, files: Iterable[str | Path] | None = None) -> Catalog:
    """Load and validate the bundled catalog, then apply the organisation's override files.

    Raises :class:`~sovmap.errors.InputError` (or ``InputErrors``) naming file, line, entry
    and field for anything malformed, and for references that do not resolve (a parent,
    contracting entity, provider or country that is not in the catalog).
    """
    catalog = Catalog()
    lines: dict[tuple[str, Any], tuple[str, int | None]] = {}
    errors: list[InputError] = []
    sources = [(Path(p), False) for p in (files if files is not None else bundled_files())]
    sources += [(Path(p), True) for p in overrides]
    for path, is_override in sources:
        data = read_yaml_file(path)
        if not isinstance(data, dict):
            raise InputError("a catalog file must be a mapping of sections (countries, regions, ...)", file=str(path))
        parsed = validate_model(CatalogFile, data, file=str(path))
        seen_here: set[tuple[str, Any]] = set()
        for section, index, entry in _iter_entries(parsed):
            attr, key_of = _SECTIONS[section]
            key = key_of(entry)
            table = getattr(catalog, attr)
            line = _line(data, section, index)
            label = "/".join(key) if isinstance(key, tuple) else key
            if (section, key) in seen_here or (key in table and not is_override):
                first_file, first_line = lines[(section, key)]
                errors.append(
                    InputError(
                        f"'{label}' is defined twice (first in {first_file}:{first_line})",
                        file=str(path), line=line, entry=f"{section}[{index}]",
                    )
                )
                continue
            seen_here.add((section, key))
            table[key] = entry
            catalog.origins[(section, key)] = Origin(str(path), is_override)
            lines[(section, key)] = (str(path), line)
    errors.extend(_check_references(catalog, lines))
    if errors:
        raise InputErrors(errors) if len(errors) > 1 else errors[0]
    return catalog


def _check_references(catalog: Catalog, lines: dict[tuple[str, Any], tuple[str, int | None]]) -> list[InputError]:
    errors: list[InputError] = []

    def err(section: str, key: Any, field_name: str, message: str) -> None:
        file, line = lines.get((section, key), (None, None))
        label = "/".join(key) if isinstance(key, tuple) else key
        errors.append(InputError(message, file=file, line=line, entry=f"{section} '{label}'", field=field_name))

    for code, country in catalog.countries.items():
        for law in country.laws:
            if law not in catalog.laws:
                err("countries", code, "laws", f"unknown law '{law}'")
    for key, law in catalog.laws.items():
        if law.country != "EU" and law.country not in catalog.countries:
            err("laws", key, "country", f"unknown country '{law.country}'")
    for key, entity in catalog.entities.items():
        if entity.country not in catalog.countries:
            err("legal_entities", key, "country", f"unknown country '{entity.country}'")
        if entity.parent is not None and entity.parent not in catalog.entities:
            err("legal_entities", key, "parent", f"unknown legal entity '{entity.parent}'")
        # An ownership chain must end: a cycle would make every answer above it undefined.
        seen: set[str] = set()
        cursor: str | None = key
        while cursor is not None and cursor in catalog.entities:
            if cursor in seen:
                err("legal_entities", key, "parent", "ownership chain loops back on itself")
                break
            seen.add(cursor)
            cursor = catalog.entities[cursor].parent
    for key, provider in catalog.providers.items():
        for field_name, refs in (
            ("contracting_entity", (provider.contracting_entity,)),
            ("other_entities", provider.other_entities),
            ("technology_licensors", provider.technology_licensors),
        ):
            for ref in refs:
                if ref not in catalog.entities:
                    err("providers", key, field_name, f"unknown legal entity '{ref}'")
        if provider.operations:
            for c in provider.operations.countries:
                if c not in catalog.countries:
                    err("providers", key, "operations.countries", f"unknown country '{c}'")
    for key, service in catalog.services.items():
        if service.provider not in catalog.providers:
            err("services", key, "provider", f"unknown provider '{service.provider}'")
        if service.control_plane_country and service.control_plane_country not in catalog.countries:
            err("services", key, "control_plane_country", f"unknown country '{service.control_plane_country}'")
    for key, region in catalog.regions.items():
        if region.provider not in catalog.providers:
            err("regions", key, "provider", f"unknown provider '{region.provider}'")
        for c in (region.country, *region.also_in):
            if c not in catalog.countries:
                err("regions", key, "country", f"unknown country '{c}'")
        if region.operating_entity and region.operating_entity not in catalog.entities:
            err("regions", key, "operating_entity", f"unknown legal entity '{region.operating_entity}'")
    for key, model in catalog.models.items():
        if model.developer not in catalog.entities:
            err("models", key, "developer", f"unknown legal entity '{model.developer}'")
        for ref in model.hosted_by:
            provider, _, service = ref.partition("/")
            if (provider, service) not in catalog.services:
                err("models", key, "hosted_by", f"unknown service '{ref}' (use provider/service)")
    return errors


def catalog_error(exc: InputError | InputErrors) -> CatalogError:
    return CatalogError(f"the knowledge catalog is invalid:\n{exc}")
