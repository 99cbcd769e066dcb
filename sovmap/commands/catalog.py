"""``sovmap catalog``: what the knowledge catalog says, with its sources and overrides.

``regions`` and ``providers`` list; ``show KEY`` tells everything the catalog holds about one
key (a provider, legal entity, country, law, model, ``provider/service`` or
``provider/region``): every fact with its source, as-of date and file, the ownership chain up
to the ultimate parent, and whether an organisation's override file supplied it. With
``-c sovmap.yaml`` the organisation's ``catalog_overrides`` are loaded too.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.markup import escape
from rich.table import Table

from inventory.catalog import Catalog, LegalEntity
from sovmap.cli import JsonOption, _fail, _print_json, app, out
from sovmap.errors import SovmapError

catalog_app = typer.Typer(
    help="What the knowledge catalog says: regions, providers, and any entry with its sources.",
    no_args_is_help=True,
)
app.add_typer(catalog_app, name="catalog")

ConfigOption = Annotated[
    Optional[Path],
    typer.Option("--config", "-c", help="A sovmap.yaml whose catalog_overrides are loaded over the bundled catalog."),
]

__all__ = ["catalog_app", "describe", "provider_rows", "region_rows"]


def _load(config: Path | None) -> Catalog:
    from inventory.catalog import load_catalog

    overrides: list[Path] = []
    if config is not None:
        from sovmap.config import load_config

        overrides = load_config(config).catalog_overrides
    return load_catalog(overrides)


def _label(key: Any) -> str:
    return "/".join(key) if isinstance(key, tuple) else key


def _fact(catalog: Catalog, section: str, key: Any) -> dict[str, Any]:
    """An entry with everything it says, its source, as-of date, file and override flag."""
    table = {
        "countries": catalog.countries, "laws": catalog.laws, "legal_entities": catalog.entities,
        "providers": catalog.providers, "services": catalog.services, "regions": catalog.regions,
        "models": catalog.models,
    }[section]
    entry = table[key].model_dump(mode="json", exclude_none=True)
    meta = catalog.fact(section, key)
    return {
        "catalog": section, "key": meta["key"], "entry": entry, "source": meta["source"], "as_of": meta["as_of"],
        "file": meta["file"], "override": meta["override"],
    }


def _chain(catalog: Catalog, entity_key: str) -> list[dict[str, Any]]:
    """The ownership chain of an entity as facts, from the entity up to the ultimate parent."""
    return [
        {"key": e.key, "name": e.name, "country": e.country, "ownership": e.ownership, "source": e.source,
         "as_of": e.as_of.isoformat(), "override": catalog.is_override("legal_entities", e.key)}
        for e in catalog.ownership_chain(entity_key)
    ]


def _reaching_laws(catalog: Catalog, chain: list[LegalEntity]) -> list[str]:
    """Extraterritorial laws of the countries in an ownership chain: they follow the data anywhere."""
    laws: list[str] = []
    for entity in chain:
        for law in catalog.laws_of(entity.country):
            if law.extraterritorial and law.key not in laws:
                laws.append(law.key)
    return laws


def region_rows(catalog: Catalog, provider: str | None = None) -> list[dict[str, Any]]:
    """One row per region: provider, code, name, country, city, bloc, also_in and override.

    >>> from inventory.catalog import Catalog
    >>> region_rows(Catalog())
    []
    """
    rows = []
    for (prov, code), region in sorted(catalog.regions.items()):
        if provider is not None and prov != provider:
            continue
        country = catalog.country(region.country)
        rows.append({
            "provider": prov, "code": code, "name": region.name, "country": region.country, "city": region.city,
            "bloc": country.bloc if country else None, "also_in": list(region.also_in),
            "override": catalog.is_override("regions", (prov, code)),
        })
    return rows


def provider_rows(catalog: Catalog) -> list[dict[str, Any]]:
    """One row per provider: legal entities with their roles, ultimate parent, its country, laws.

    ``laws`` are the extraterritorial laws of every country in the contracting entity's
    ownership chain: the laws that reach the provider's data wherever it is stored.
    """
    rows = []
    for key, provider in sorted(catalog.providers.items()):
        chain = catalog.ownership_chain(provider.contracting_entity)
        entities: list[dict[str, Any]] = []
        seen: set[str] = set()

        def add(entity: LegalEntity, role: str) -> None:
            if entity.key in seen:
                return
            seen.add(entity.key)
            entities.append({"key": entity.key, "name": entity.name, "country": entity.country, "role": role})

        for index, entity in enumerate(chain):
            add(entity, "contracting" if index == 0 else "parent")
        for other in provider.other_entities:
            for index, entity in enumerate(catalog.ownership_chain(other)):
                add(entity, "subsidiary" if index == 0 else "parent")
        top = chain[-1] if chain else None
        rows.append({
            "key": key, "name": provider.name, "kind": provider.kind, "legal_entities": entities,
            "ultimate_parent": top.key if top else None, "hq_country": top.country if top else None,
            "laws": _reaching_laws(catalog, chain),
            "technology_licensors": list(provider.technology_licensors),
            "override": catalog.is_override("providers", key),
        })
    return rows


def _describe_entity(catalog: Catalog, key: str) -> dict[str, Any]:
    chain = catalog.ownership_chain(key)
    roles = []
    for pkey, p in sorted(catalog.providers.items()):
        if p.contracting_entity == key:
            roles.append({"provider": pkey, "role": "contracting entity"})
        if key in p.other_entities:
            roles.append({"provider": pkey, "role": "subsidiary"})
        if key in p.technology_licensors:
            roles.append({"provider": pkey, "role": "technology licensor"})
    return {
        **_fact(catalog, "legal_entities", key),
        "ownership_chain": _chain(catalog, key),
        "ultimate_parent": chain[-1].key if chain else None,
        "laws": _reaching_laws(catalog, chain),
        "providers": roles,
        "operates_regions": sorted(_label(k) for k, r in catalog.regions.items() if r.operating_entity == key),
        "developed_models": sorted(m for m, model in catalog.models.items() if model.developer == key),
    }


def _describe_provider(catalog: Catalog, key: str) -> dict[str, Any]:
    provider = catalog.providers[key]
    chain = catalog.ownership_chain(provider.contracting_entity)
    return {
        **_fact(catalog, "providers", key),
        "ownership_chain": _chain(catalog, provider.contracting_entity),
        "ultimate_parent": chain[-1].key if chain else None,
        "hq_country": chain[-1].country if chain else None,
        "laws": _reaching_laws(catalog, chain),
        "other_entities": {e: _chain(catalog, e) for e in provider.other_entities},
        "technology_licensors": {e: _chain(catalog, e) for e in provider.technology_licensors},
        "services": sorted(s.key for s in catalog.provider_services(key)),
        "regions": sorted(r.code for r in catalog.provider_regions(key)),
    }


def _describe_country(catalog: Catalog, code: str) -> dict[str, Any]:
    return {
        **_fact(catalog, "countries", code),
        "laws": [_fact(catalog, "laws", law.key) for law in catalog.laws_of(code)],
        "regions": sorted(_label(k) for k, r in catalog.regions.items() if code in (r.country, *r.also_in)),
        "legal_entities": sorted(k for k, e in catalog.entities.items() if e.country == code),
    }


def _describe_law(catalog: Catalog, key: str) -> dict[str, Any]:
    law = catalog.laws[key]
    countries = sorted(c for c, country in catalog.countries.items() if key in country.laws)
    # An extraterritorial law binds every provider whose ownership chain passes through one of
    # its countries; a territorial one only what is located there.
    bound = []
    if law.extraterritorial:
        for pkey, p in sorted(catalog.providers.items()):
            chain = catalog.ownership_chain(p.contracting_entity)
            via = [e.key for e in chain if e.country in countries]
            if via:
                bound.append({"provider": pkey, "through": via})
    return {**_fact(catalog, "laws", key), "countries": countries, "binds_providers": bound}


def _describe_model(catalog: Catalog, key: str) -> dict[str, Any]:
    model = catalog.models[key]
    chain = catalog.ownership_chain(model.developer)
    return {
        **_fact(catalog, "models", key),
        "developer_chain": _chain(catalog, model.developer),
        "laws": _reaching_laws(catalog, chain),
        "hosted_by": [_fact(catalog, "services", tuple(ref.split("/", 1))) for ref in model.hosted_by],
    }


def _describe_service(catalog: Catalog, key: tuple[str, str]) -> dict[str, Any]:
    provider = catalog.providers[key[0]]
    return {
        **_fact(catalog, "services", key),
        "provider": _fact(catalog, "providers", key[0]),
        "ownership_chain": _chain(catalog, provider.contracting_entity),
        "models": sorted(m for m, model in catalog.models.items() if "/".join(key) in model.hosted_by),
    }


def _describe_region(catalog: Catalog, key: tuple[str, str]) -> dict[str, Any]:
    region = catalog.regions[key]
    provider = catalog.providers[key[0]]
    entity = region.operating_entity or provider.contracting_entity
    return {
        **_fact(catalog, "regions", key),
        "countries": [_fact(catalog, "countries", c) for c in (region.country, *region.also_in)],
        "laws": [law.key for c in (region.country, *region.also_in) for law in catalog.laws_of(c)],
        "operated_by": entity,
        "ownership_chain": _chain(catalog, entity),
    }


def describe(catalog: Catalog, key: str) -> list[dict[str, Any]]:
    """Everything the catalog holds under ``key``; one entry per kind it names (a key can be both a
    provider and a legal entity). Empty when the catalog does not know it."""
    found: list[dict[str, Any]] = []
    if "/" in key:
        pair = tuple(key.split("/", 1))
        if pair in catalog.services:
            found.append({"kind": "service", **_describe_service(catalog, pair)})
        if pair in catalog.regions:
            found.append({"kind": "region", **_describe_region(catalog, pair)})
        return found
    if key in catalog.providers:
        found.append({"kind": "provider", **_describe_provider(catalog, key)})
    if key in catalog.entities:
        found.append({"kind": "legal_entity", **_describe_entity(catalog, key)})
    if key.upper() in catalog.countries and len(key) == 2:
        found.append({"kind": "country", **_describe_country(catalog, key.upper())})
    if key in catalog.laws:
        found.append({"kind": "law", **_describe_law(catalog, key)})
    if key in catalog.models:
        found.append({"kind": "model", **_describe_model(catalog, key)})
    return found


def _all_keys(catalog: Catalog) -> list[str]:
    keys = [*catalog.providers, *catalog.entities, *catalog.countries, *catalog.laws, *catalog.models]
    keys += [_label(k) for k in (*catalog.services, *catalog.regions)]
    return keys


def _flag(override: bool) -> str:
    return " [bold magenta](override)[/]" if override else ""


def _short(value: Any) -> str:
    """A related item in one phrase: a fact by its key, a provider role, a chain by its path."""
    if isinstance(value, dict):
        if "role" in value:
            return f"{value['provider']} ({value['role']})"
        if "through" in value:
            return f"{value['provider']} (through {', '.join(value['through'])})"
        return str(value.get("key"))
    return str(value)


_RELATED = ("countries", "laws", "binds_providers", "providers", "hosted_by", "models", "services", "regions",
            "operates_regions", "developed_models", "legal_entities")


def _print_described(item: dict[str, Any]) -> None:
    out.print(f"[bold]{item['kind']} {escape(item['key'])}[/]{_flag(item['override'])}")
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="dim")
    table.add_column()
    for field_name, value in item["entry"].items():
        if field_name not in ("source", "as_of"):
            table.add_row(field_name, escape(value if isinstance(value, str) else str(value)))
    out.print(table)
    out.print(f"  [dim]source:[/] {escape(item['source'])}  [dim]as of:[/] {item['as_of']}  "
              f"[dim]file:[/] {escape(str(item['file']))}", highlight=False)
    chain = item.get("ownership_chain") or item.get("developer_chain")
    if chain:
        out.print("  ownership chain:")
        for depth, link in enumerate(chain):
            top = " (ultimate parent)" if depth == len(chain) - 1 else ""
            indent = "    " + "  " * depth
            out.print(f"{indent}{escape(link['name'])} \\[{link['key']}], {link['country']}{top}{_flag(link['override'])}",
                      highlight=False)
            out.print(f"{indent}  [dim]source:[/] {escape(link['source'])}  [dim]as of:[/] {link['as_of']}", highlight=False)
    for name, label in (("other_entities", "subsidiary"), ("technology_licensors", "technology licensor")):
        for links in (item.get(name) or {}).values():
            path = " -> ".join(f"{link['name']} ({link['country']})" for link in links)
            out.print(f"  {label}: {escape(path)}", highlight=False)
    for name in _RELATED:
        value = item.get(name)
        if value:
            out.print(f"  {name.replace('_', ' ')}: {escape(', '.join(_short(v) for v in value))}", highlight=False)
    out.print()


@catalog_app.command("regions")
def regions_command(
    provider: Annotated[Optional[str], typer.Option("--provider", "-p", help="Only this provider's regions.")] = None,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Every region with its country, city and bloc (overrides marked)."""
    try:
        catalog = _load(config)
    except SovmapError as exc:
        _fail(exc)
    if provider is not None and provider not in catalog.providers:
        _fail(SovmapError(f"--provider: unknown provider '{provider}' (known: {', '.join(sorted(catalog.providers))})"))
    rows = region_rows(catalog, provider)
    if json_out:
        _print_json(rows)
        return
    table = Table("provider", "code", "name", "country", "city", "bloc", title=f"{len(rows)} regions")
    for r in rows:
        country = r["country"] + (f" (+{', '.join(r['also_in'])})" if r["also_in"] else "")
        table.add_row(r["provider"], r["code"] + (" (override)" if r["override"] else ""), r["name"], country,
                      r["city"] or "-", r["bloc"] or "-")
    out.print(table)


@catalog_app.command("providers")
def providers_command(config: ConfigOption = None, json_out: JsonOption = False) -> None:
    """Every provider with its legal entities, ultimate parent, home country and the laws that follow it."""
    try:
        rows = provider_rows(_load(config))
    except SovmapError as exc:
        _fail(exc)
    if json_out:
        _print_json(rows)
        return
    table = Table("provider", "contracting entity", "ultimate parent", "country", "laws that follow it",
                  title=f"{len(rows)} providers")
    for r in rows:
        contracting = next((e for e in r["legal_entities"] if e["role"] == "contracting"), None)
        parent = next((e for e in r["legal_entities"] if e["key"] == r["ultimate_parent"]), None)
        table.add_row(
            r["key"] + (" (override)" if r["override"] else ""),
            f"{contracting['name']} ({contracting['country']})" if contracting else "-",
            parent["name"] if parent else "-", r["hq_country"] or "-", ", ".join(r["laws"]) or "-",
        )
    out.print(table)


@catalog_app.command("show")
def show_command(
    key: Annotated[str, typer.Argument(help="A provider, legal entity, country code, law, model, provider/service or provider/region.")],
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Everything the catalog says about KEY, with sources, the ownership chain and override flags."""
    try:
        catalog = _load(config)
    except SovmapError as exc:
        _fail(exc)
    found = describe(catalog, key)
    if not found:
        close = difflib.get_close_matches(key, _all_keys(catalog), n=5, cutoff=0.7)
        hint = f" (did you mean: {', '.join(close)}?)" if close else ""
        _fail(SovmapError(f"'{key}' is not in the catalog{hint}: it resolves to UNKNOWN"))
    if json_out:
        _print_json(found)
        return
    for item in found:
        _print_described(item)
