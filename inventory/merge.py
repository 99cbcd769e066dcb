"""Joining the batches of one scan into one inventory, and checking that it holds together."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any

from inventory.records import (
    AcceptanceRecord,
    ComponentRecord,
    CoverageEntry,
    InventoryBatch,
    OperatorRecord,
    Organization,
    SiteRecord,
    SystemRecord,
)
from sovmap.errors import InputError, InputErrors

__all__ = ["Inventory", "apply_attribution", "check_references", "merge_batches"]


@dataclass
class Inventory:
    """All records of one snapshot, keyed by id."""

    organization: Organization | None = None
    systems: dict[str, SystemRecord] = field(default_factory=dict)
    components: dict[str, ComponentRecord] = field(default_factory=dict)
    operators: dict[str, OperatorRecord] = field(default_factory=dict)
    sites: dict[str, SiteRecord] = field(default_factory=dict)
    acceptances: dict[str, AcceptanceRecord] = field(default_factory=dict)
    coverage: list[CoverageEntry] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def _split_origin(origin: str | None) -> tuple[str | None, int | None]:
    if not origin:
        return None, None
    file, _, line = origin.rpartition(":")
    if file and line.isdigit():
        return file, int(line)
    return origin, None


def _error(record: Any, kind: str, field_name: str | None, message: str) -> InputError:
    file, line = _split_origin(record.origin)
    return InputError(message, file=file, line=line, entry=f"{kind} '{record.id}'", field=field_name)


def merge_batches(batches: list[InventoryBatch], acceptances: list[AcceptanceRecord] = ()) -> Inventory:
    """Merge the batches; an id defined twice (in one source or two) is an error naming both places."""
    inv = Inventory()
    errors: list[InputError] = []
    for batch in batches:
        inv.sources.append(batch.source)
        if batch.organization is not None:
            if inv.organization is not None and inv.organization != batch.organization:
                errors.append(InputError(f"a second, different organization in {batch.source}", entry="organization"))
            inv.organization = batch.organization
        for kind, target, records in (
            ("system", inv.systems, batch.systems),
            ("component", inv.components, batch.components),
            ("operator", inv.operators, batch.operators),
            ("site", inv.sites, batch.sites),
            ("risk_register entry", inv.acceptances, batch.acceptances),
        ):
            for record in records:
                first = target.get(record.id)
                if first is not None:
                    errors.append(_error(record, kind, "id", f"duplicate id (first defined at {first.origin or first.source})"))
                    continue
                target[record.id] = record
        inv.coverage.extend(batch.coverage)
    for record in acceptances:
        first = inv.acceptances.get(record.id)
        if first is not None:
            errors.append(_error(record, "risk_register entry", "id", f"duplicate id (first defined at {first.origin})"))
            continue
        inv.acceptances[record.id] = record
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    return inv


def _matches(value: str | None, pattern: str | None) -> bool:
    return pattern is None or (value is not None and fnmatch.fnmatchcase(value, pattern))


def apply_attribution(inv: Inventory, tag_keys: list[str], rules: list[Any]) -> None:
    """Attribute components without a system: first by tag keys, then by the first matching rule.

    A component that stays without a system is reported later as an ``unattributed-resource``
    finding; nothing is attributed by guess.
    """
    for comp in inv.components.values():
        if comp.system is not None:
            continue
        for key in tag_keys:
            value = comp.tags.get(key)
            if value:
                comp.system = value
                break
        if comp.system is not None:
            continue
        for rule in rules:
            m = rule.match
            if (
                _matches(comp.account, m.account)
                and _matches(comp.provider, m.provider)
                and _matches(comp.region, m.region)
                and _matches(comp.tags.get("resource_group"), m.resource_group)
                and _matches(comp.name or comp.id, m.name)
                and _matches(comp.id, m.id)
                and all(_matches(comp.tags.get(k), v) for k, v in (m.tag or {}).items())
            ):
                comp.system = rule.system
                break


def check_references(inv: Inventory) -> None:
    """Every reference must resolve: a dangling one is an error naming file, entry and field."""
    errors: list[InputError] = []
    for comp in inv.components.values():
        if comp.system is not None and comp.system not in inv.systems:
            errors.append(_error(comp, "component", "system", f"unknown system '{comp.system}'"))
        if comp.site is not None and comp.site not in inv.sites:
            errors.append(_error(comp, "component", "site", f"unknown site '{comp.site}'"))
        for dep in comp.depends_on:
            if dep not in inv.components:
                errors.append(_error(comp, "component", "depends_on", f"unknown component '{dep}'"))
            elif dep == comp.id:
                errors.append(_error(comp, "component", "depends_on", "a component cannot depend on itself"))
    for system in inv.systems.values():
        for dep in system.depends_on:
            if dep not in inv.systems:
                errors.append(_error(system, "system", "depends_on", f"unknown system '{dep}'"))
            elif dep == system.id:
                errors.append(_error(system, "system", "depends_on", "a system cannot depend on itself"))
    for op in inv.operators.values():
        for target in op.operates:
            if target not in inv.components and target not in inv.systems:
                errors.append(_error(op, "operator", "operates", f"unknown component or system '{target}'"))
    for acc in inv.acceptances.values():
        for key, kind, table in (("system", "system", inv.systems), ("component", "component", inv.components)):
            ref = acc.scope.get(key)
            if ref is not None and ref not in table:
                errors.append(_error(acc, "risk_register entry", f"scope.{key}", f"unknown {kind} '{ref}'"))
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
