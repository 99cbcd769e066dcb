"""Joining the batches of one scan into one inventory, and checking that it holds together.

Several sources may describe the same resource: a cloud connector or a Terraform state
sees a DynamoDB table by its ARN, the architecture model and the CMDB know it by the name
people gave it. :func:`merge_batches` *matches* records of different sources that denote
one resource and merges them into one record, field by field:

- records match when they share an ``external_id`` (an ARN, an Azure resource id), or the
  same ``id``, or a rule of the ``matching:`` section of ``sovmap.yaml`` says so (equal
  names, a tag of one equal to a field of the other, ...);
- each field is taken from the most authoritative source that states it: *discovered*
  sources (cloud connectors, infrastructure-as-code state, scanner exports) for provider,
  service, region, account, external id, kind and tags; *declared* sources (the declared
  inventory, CMDB exports, architecture models, NetBox, Backstage) for everything else
  (the id, the system, criticality, classification, the site, data, operators);
- a field at its default (``criticality: medium``, ``holds_data: false``...) counts as
  not stated, so a source that does not know it never overrides one that does;
- where sources disagree the report (:class:`MatchReport`, kept in ``Inventory.matching``)
  lists the conflict; a disagreement about where a resource is (provider, region, site,
  a site's country) is one that matters, and becomes a ``source-conflict`` finding.

Within one source an id defined twice stays an error, and so does an id defined in two
sources when matching by id is turned off. The full description is ``docs/matching.md``.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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

__all__ = [
    "DISCOVERED_TYPES",
    "Inventory",
    "MatchReport",
    "MatchRule",
    "MatchingSettings",
    "apply_attribution",
    "check_references",
    "merge_batches",
]

#: Connector types whose records are discovered from the running estate rather than
#: declared by people; ``matching.authority`` in ``sovmap.yaml`` adds to or overrides it.
DISCOVERED_TYPES = frozenset({
    "aws", "azure", "gcp", "terraform", "kubernetes", "prowler-ocsf", "aws-config", "query-csv",
})

Authority = Literal["discovered", "declared"]
_DISCOVERED_FIRST = ("discovered", "declared")
_DECLARED_FIRST = ("declared", "discovered")
#: Fields a discovered source knows best; every other field is taken from declared sources first.
_DISCOVERED_FIELDS = frozenset({"provider", "service", "region", "account", "external_id", "tags", "kind", "placement"})
#: Disagreements that change where a resource is, and so which jurisdictions reach it.
DEFAULT_CONFLICT_FIELDS = ("provider", "region", "site", "placement", "country")


# --- settings (the ``matching:`` section of sovmap.yaml) -----------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


_FIELD_PATTERN = r"^(id|name|external_id|account|tags\..+)$"


class RuleSide(_Model):
    """One side of a rule: records of ``source`` (a source name, type or class; any when absent)."""

    source: str | None = None
    field: str = Field(pattern=_FIELD_PATTERN)


class MatchRule(_Model):
    """Two records of different sources are one when a field of each holds the same value.

    Either ``field`` (the same field on both sides, between any two sources or between the
    ``sources`` listed) or ``left`` and ``right``.
    """

    kind: Literal["component", "system", "site"] = "component"
    field: str | None = Field(default=None, pattern=_FIELD_PATTERN)
    sources: list[str] | None = None
    left: RuleSide | None = None
    right: RuleSide | None = None
    compare: Literal["exact", "casefold", "loose"] = "loose"

    @model_validator(mode="after")
    def _one_form(self) -> MatchRule:
        if self.field is not None and (self.left is not None or self.right is not None):
            raise ValueError("give either 'field' or 'left' and 'right', not both")
        if self.field is None and (self.left is None or self.right is None):
            raise ValueError("a rule needs 'field', or both 'left' and 'right'")
        if self.sources is not None and self.field is None:
            raise ValueError("'sources' goes with 'field'; with 'left' and 'right' name the source on each side")
        if self.kind != "component" and any(f.startswith("tags.") for f in self._fields()):
            raise ValueError(f"a {self.kind} has no tags")
        if self.kind != "component" and any(f in ("external_id", "account") for f in self._fields()):
            raise ValueError(f"a {self.kind} has no external_id or account")
        return self

    def _fields(self) -> list[str]:
        return [self.field] if self.field else [self.left.field, self.right.field]

    def describe(self, index: int) -> str:
        if self.field:
            where = f" between {', '.join(self.sources)}" if self.sources else ""
            return f"rule {index + 1}: same {self.field}{where} ({self.compare})"
        return (f"rule {index + 1}: {self.left.source or 'any'}.{self.left.field} = "
                f"{self.right.source or 'any'}.{self.right.field} ({self.compare})")


class MatchingSettings(_Model):
    """How records of different sources are recognised as one, and whose fields win."""

    keys: list[Literal["external_id", "id"]] = ["external_id", "id"]
    rules: list[MatchRule] = []
    #: field -> sources in order of authority: names, types or a class (discovered, declared).
    precedence: dict[str, list[str]] = {}
    #: source name or type -> class, for sources the defaults class wrongly.
    authority: dict[str, Authority] = {}
    conflict_fields: list[str] = list(DEFAULT_CONFLICT_FIELDS)
    #: Fields whose values are expected to differ between tools (a display name, a resource
    #: type against a description): taken by precedence but not listed as conflicts.
    quiet_fields: list[str] = ["name", "kind", "description"]


# --- the report ------------------------------------------------------------------------------


@dataclass
class MatchReport:
    """Which records were found to be one, by what, and where their sources disagree."""

    matches: list[dict] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)
    ambiguous: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "counts": {"matches": len(self.matches), "conflicts": len(self.conflicts),
                       "conflicts_that_matter": sum(1 for c in self.conflicts if c["matters"]),
                       "ambiguous": len(self.ambiguous)},
            "matches": self.matches,
            "conflicts": self.conflicts,
            "ambiguous": self.ambiguous,
        }


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
    matching: MatchReport = field(default_factory=MatchReport)
    #: Why a component stayed unattributed although something named a system (component id -> note).
    attribution_notes: dict[str, str] = field(default_factory=dict)


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


# --- matching ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Source:
    index: int
    name: str
    type: str | None
    authority: str

    def is_(self, label: str | None) -> bool:
        return label is None or label in (self.name, self.type, self.authority)


@dataclass(slots=True)
class _Entry:
    record: Any
    source: _Source


#: Values a record carries when its source said nothing: they never override a stated value.
_WEAK: dict[str, Any] = {
    "criticality": "medium", "classification": "internal", "personal_data": False, "exit_plan": False,
    "holds_data": False, "access": "admin",
}
_UNION_FIELDS = frozenset({"depends_on", "operates", "alternatives"})
_SKIP_FIELDS = frozenset({"id", "source", "origin"})
_KIND_LABEL = {"system": "system", "component": "component", "operator": "operator", "site": "site"}


def _stated(entry: _Entry, name: str) -> Any:
    value = getattr(entry.record, name)
    if value is None or (name in _WEAK and value == _WEAK[name]):
        return None
    if name == "name" and value == entry.record.id:
        return None  # a name that only repeats the id (CMDB systems without a name column)
    if name in ("tags",) and not value:
        return None
    return value


def _loose(value: str) -> str:
    return re.sub(r"[\s_.\-]+", "-", value.casefold()).strip("-")


_COMPARE: dict[str, Callable[[str], str]] = {"exact": lambda v: v, "casefold": lambda v: v.strip().casefold(), "loose": _loose}


def _external_key(value: str) -> str:
    # Azure resource ids are case-insensitive and come back in mixed case (resourceGroups,
    # resourcegroups); ARNs and other ids are compared as given.
    return value.casefold() if value.startswith("/subscriptions/") else value


def _field_value(record: Any, name: str) -> str | None:
    if name.startswith("tags."):
        tags = getattr(record, "tags", None) or {}
        return tags.get(name[5:])
    value = getattr(record, name, None)
    return value if isinstance(value, str) and value else None


class _Groups:
    """Union-find over entries that refuses to put two records of one source in one group.

    The entries are two parallel lists (records, and the source of each) rather than one
    object per record: a million records from one source are never joined, and nothing
    is allocated for them. Only the entries a join touched are held in ``parent``.
    """

    def __init__(self, records: list[Any], sources: list[_Source], present: list[_Source]) -> None:
        self.records = records
        self.entry_sources = sources
        self.present = present  # the distinct sources of the entries
        self.parent: dict[int, int] = {}
        self.sources: dict[int, set[int]] = {}
        self.reasons: dict[int, list[str]] = {}

    def entry(self, i: int) -> _Entry:
        return _Entry(self.records[i], self.entry_sources[i])

    def find(self, i: int) -> int:
        parent = self.parent
        while parent.get(i, i) != i:
            up = parent[i]
            parent[i] = parent.get(up, up)
            i = parent[i]
        return i

    def _sources_of(self, root: int) -> set[int]:
        found = self.sources.get(root)
        if found is None:
            found = self.sources[root] = {self.entry_sources[root].index}
        return found

    def union(self, a: int, b: int, reason: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if self._sources_of(ra) & self._sources_of(rb):
            return False
        if len(self.sources[ra]) < len(self.sources[rb]):
            ra, rb = rb, ra
        self.parent.setdefault(ra, ra)
        self.parent[rb] = ra
        self.sources[ra] |= self.sources.pop(rb)
        reasons = self.reasons.setdefault(ra, [])
        for r in [reason, *self.reasons.pop(rb, [])]:
            if r not in reasons:
                reasons.append(r)
        return True

    def joined(self) -> dict[int, list[int]]:
        """The groups of more than one entry, keyed by their first (lowest) entry."""
        out: dict[int, list[int]] = {}
        for i in sorted(self.parent):
            out.setdefault(self.find(i), []).append(i)
        return {members[0]: members for members in out.values() if len(members) > 1}


def _label(entry: _Entry) -> dict:
    return {"source": entry.source.name, "id": entry.record.id, "origin": entry.record.origin}


def _shared(values: Sequence[str | None]) -> dict[str, list[int]]:
    """The entries of each value held by more than one entry, in order of first appearance.

    A value held once joins nothing, so it is left out; when no value repeats (the usual
    case, checked at the speed of ``set``) nothing is built at all.
    """
    present = [v for v in values if v is not None]
    if len(set(present)) == len(present):
        return {}
    counts = Counter(present)
    keyed: dict[str, list[int]] = {}
    for i, value in enumerate(values):
        if value is not None and counts[value] > 1:
            keyed.setdefault(value, []).append(i)
    return keyed


def _join_on(groups: _Groups, kind: str, keyed: dict[str, list[int]], reason: str, report: MatchReport) -> None:
    """Join the entries that share a key, unless a source holds the key more than once."""
    entry_sources = groups.entry_sources
    for key, members in keyed.items():
        if len(members) < 2:
            continue
        per_source: dict[int, list[int]] = {}
        for i in members:
            per_source.setdefault(entry_sources[i].index, []).append(i)
        if len(per_source) < 2:
            continue
        if any(len(v) > 1 for v in per_source.values()):
            report.ambiguous.append({
                "kind": kind, "by": reason, "value": key,
                "records": [_label(groups.entry(i)) for i in members],
                "reason": "one source holds this value more than once, so it names no single resource",
            })
            continue
        first, *rest = members
        for other in rest:
            if not groups.union(first, other, reason):
                report.ambiguous.append({
                    "kind": kind, "by": reason, "value": key,
                    "records": [_label(groups.entry(first)), _label(groups.entry(other))],
                    "reason": "already matched to another record of the same source",
                })


def _rule_values(groups: _Groups, side_source: str | None | list[str], field_name: str,
                 norm: Callable[[str], str]) -> list[str | None]:
    """The compared value of each entry under one side of a rule (None: not on that side, or no value)."""
    labels = side_source if isinstance(side_source, list) else [side_source]
    on_side = {id(s): any(s.is_(label) for label in labels) for s in groups.present}
    out: list[str | None] = []
    for record, source in zip(groups.records, groups.entry_sources):
        value = _field_value(record, field_name) if on_side[id(source)] else None
        value = norm(value) if value is not None else None
        out.append(value or None)
    return out


def _apply_rules(groups: _Groups, kind: str, rules: Sequence[MatchRule], report: MatchReport) -> None:
    for index, rule in enumerate(rules):
        if rule.kind != kind:
            continue
        norm = _COMPARE[rule.compare]
        reason = rule.describe(index)
        if rule.field is not None:
            _join_on(groups, kind, _shared(_rule_values(groups, rule.sources, rule.field, norm)), reason, report)
            continue
        left: dict[str, list[int]] = {}
        right: dict[str, list[int]] = {}
        left_values = _rule_values(groups, rule.left.source, rule.left.field, norm)
        right_values = _rule_values(groups, rule.right.source, rule.right.field, norm)
        for i, (lv, rv) in enumerate(zip(left_values, right_values)):
            if lv is not None:
                left.setdefault(lv, []).append(i)
            if rv is not None:
                right.setdefault(rv, []).append(i)
        for key, lefts in left.items():
            rights = [i for i in right.get(key, ()) if i not in lefts]
            if rights:
                _join_on(groups, kind, {key: list(dict.fromkeys([*lefts, *rights]))}, reason, report)


class _Resolver:
    """Chooses each field of a merged record by precedence, and records disagreements."""

    def __init__(self, settings: MatchingSettings, report: MatchReport) -> None:
        self.settings = settings
        self.report = report
        self.matters = set(settings.conflict_fields)
        self.quiet = set(settings.quiet_fields) - self.matters
        # A rank depends only on the field and the source: computed once, not per record.
        self._ranks: dict[tuple[str, int], tuple[int, int]] = {}

    def order(self, name: str) -> tuple[str, ...]:
        return tuple(self.settings.precedence.get(name) or (_DISCOVERED_FIRST if name in _DISCOVERED_FIELDS else _DECLARED_FIRST))

    def rank(self, name: str, entry: _Entry) -> tuple[int, int]:
        key = (name, entry.source.index)
        found = self._ranks.get(key)
        if found is None:
            order = self.order(name)
            found = next(((i, entry.source.index) for i, label in enumerate(order) if entry.source.is_(label)),
                         (len(order), entry.source.index))
            self._ranks[key] = found
        return found

    def ranked(self, name: str, entries: Iterable[_Entry]) -> list[_Entry]:
        return sorted(entries, key=lambda e: self.rank(name, e))

    def choose(self, kind: str, merged_id: str, system: str | None, name: str, entries: list[_Entry],
               value_of: Callable[[_Entry], Any] | None = None) -> tuple[Any, _Entry | None]:
        stated = []
        for e in self.ranked(name, entries):
            v = _stated(e, name) if value_of is None else value_of(e)
            if v is not None:
                stated.append((e, v))
        if not stated:
            return None, None
        winner, value = stated[0]
        if len(stated) > 1 and name not in self.quiet and len({_comparable(v) for _, v in stated}) > 1:
            self.conflict(kind, merged_id, system, name, winner, value, stated)
        return value, winner

    def conflict(self, kind: str, merged_id: str, system: str | None, name: str, winner: _Entry, value: Any,
                 stated: list[tuple[_Entry, Any]]) -> None:
        self.report.conflicts.append({
            "kind": kind, "id": merged_id, "system": system, "field": name,
            "chosen": {"source": winner.source.name, "value": _plain(value)},
            "values": [{**_label(e), "value": _plain(v), "provider": getattr(e.record, "provider", None)} for e, v in stated],
            "matters": name in self.matters,
        })


_SPACES = re.compile(r"\s+")


def _comparable(value: Any) -> Any:
    if isinstance(value, str):
        return _SPACES.sub("", value.casefold())
    if isinstance(value, dict):
        return tuple(sorted(value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return value


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


@functools.cache
def _fields(cls: type) -> tuple[dataclasses.Field, ...]:
    return dataclasses.fields(cls)


def _merge_component(entries: list[_Entry], merged_id: str, res: _Resolver) -> ComponentRecord:
    values: dict[str, Any] = {}
    system, _ = res.choose("component", merged_id, None, "system", entries)
    values["system"] = system
    provider, _ = res.choose("component", merged_id, system, "provider", entries)
    values["provider"] = provider
    # A service or region belongs to a provider: one stated under another provider is that
    # provider's, and already shows as a provider conflict.
    same_provider = [e for e in entries if provider is None or e.record.provider in (None, provider)]
    for name in ("service", "region"):
        values[name], _ = res.choose("component", merged_id, system, name, same_provider)
    site, site_from = res.choose("component", merged_id, system, "site", entries)
    values["site"] = site
    if values["region"] is not None and site is not None:
        region_from = res.ranked("region", [e for e in same_provider if _stated(e, "region") is not None])[0]
        keep_region = res.rank("placement", region_from) <= res.rank("placement", site_from)
        where = {region_from.source.index: f"region {provider}/{values['region']}", site_from.source.index: f"site {site}"}
        winner = region_from if keep_region else site_from
        res.conflict("component", merged_id, system, "placement", winner, where[winner.source.index],
                     [(region_from, where[region_from.source.index]), (site_from, where[site_from.source.index])])
        values["site" if keep_region else "region"] = None
    tags: dict[str, str] = {}
    for entry in reversed(res.ranked("tags", entries)):
        tags.update(entry.record.tags or {})
    values["tags"] = tags
    for f in _fields(ComponentRecord):
        name = f.name
        if name in values or name in _SKIP_FIELDS:
            continue
        if name in _UNION_FIELDS:
            values[name] = tuple(dict.fromkeys(d for e in entries for d in getattr(e.record, name)))
            continue
        value, _ = res.choose("component", merged_id, system, name, entries)
        values[name] = value if value is not None else f.default
    return _finish(ComponentRecord, entries, merged_id, values, res)


def _merge_plain(cls: type, kind: str, entries: list[_Entry], merged_id: str, res: _Resolver) -> Any:
    values: dict[str, Any] = {}
    system = merged_id if kind == "system" else None
    for f in _fields(cls):
        name = f.name
        if name in _SKIP_FIELDS:
            continue
        if name in _UNION_FIELDS:
            values[name] = tuple(dict.fromkeys(d for e in entries for d in getattr(e.record, name)))
            continue
        value, _ = res.choose(kind, merged_id, system, name, entries)
        if value is None:
            value = f.default if f.default is not dataclasses.MISSING else None
        values[name] = value
    if values.get("name") is None:
        values["name"] = merged_id
    return _finish(cls, entries, merged_id, values, res)


def _finish(cls: type, entries: list[_Entry], merged_id: str, values: dict[str, Any], res: _Resolver) -> Any:
    first = res.ranked("id", entries)[0]
    return cls(id=merged_id, source=first.source.name, origin=first.record.origin, **values)


def _match_kind(kind: str, records: list[Any], ids: list[str], sources: list[_Source], present: list[_Source],
                settings: MatchingSettings, report: MatchReport,
                errors: list[InputError]) -> tuple[dict[str, Any], dict[str, str]]:
    """Group the records of one kind, merge each group; returns records by id and the id aliases.

    ``ids[i]`` and ``sources[i]`` are the id and the source of ``records[i]`` (parallel lists:
    a million records are walked as few times as possible); ``present`` lists the distinct sources.
    Records of a single source never join (a join needs two sources), so then nothing is
    grouped at all.
    """
    groups = _Groups(records, sources, present)
    if len(present) > 1:
        if "id" in settings.keys:
            _join_on(groups, kind, _shared(ids), "id", report)
        if "external_id" in settings.keys and kind == "component":
            external = [_external_key(r.external_id) if r.external_id else None for r in records]
            _join_on(groups, kind, _shared(external), "external_id", report)
        _apply_rules(groups, kind, settings.rules, report)

    joined = groups.joined()
    if not joined:
        out = dict(zip(ids, records))
        if len(out) == len(records):
            return out, {}
    return _merge_groups(kind, groups, joined, settings, report, errors)


def _merge_groups(kind: str, groups: _Groups, joined: dict[int, list[int]], settings: MatchingSettings,
                  report: MatchReport, errors: list[InputError]) -> tuple[dict[str, Any], dict[str, str]]:
    """Merge each joined group into one record, in the order of each group's first entry."""
    label = _KIND_LABEL[kind]
    res = _Resolver(settings, report)
    out: dict[str, Any] = {}
    aliases: dict[str, str] = {}
    in_group = {i for members in joined.values() for i in members}
    for i, record in enumerate(groups.records):
        if i in in_group:
            members = joined.get(i)
            if members is None:
                continue  # merged into the group of an earlier entry
            group = [groups.entry(m) for m in members]
            merged_id = res.ranked("id", group)[0].record.id
            record = (_merge_component(group, merged_id, res) if kind == "component"
                      else _merge_plain(type(group[0].record), kind, group, merged_id, res))
            for e in group:
                if e.record.id != merged_id:
                    aliases[e.record.id] = merged_id
            report.matches.append({
                "kind": kind, "id": merged_id,
                "by": groups.reasons.get(groups.find(members[0]), []),
                "records": [_label(e) for e in group],
            })
        first = out.get(record.id)
        if first is not None:
            errors.append(_error(record, label, "id", f"duplicate id (first defined at {first.origin or first.source})"))
            continue
        out[record.id] = record
    return out, aliases


def _rewrite(inv: Inventory, aliases: dict[str, dict[str, str]]) -> None:
    """Point every reference at the id a matched record kept."""
    comp, syst, site = aliases["component"], aliases["system"], aliases["site"]
    if not (comp or syst or site):
        return

    def fix(refs: tuple[str, ...], table: dict[str, str], own: str) -> tuple[str, ...]:
        # A reference that became the record itself only because two records were found to
        # be one is dropped; a self-reference the source wrote stays, for check_references.
        return tuple(dict.fromkeys(table.get(r, r) for r in refs if r == own or table.get(r, r) != own))

    for c in inv.components.values():
        c.depends_on = fix(c.depends_on, comp, c.id)
        if c.system is not None:
            c.system = syst.get(c.system, c.system)
        if c.site is not None:
            c.site = site.get(c.site, c.site)
    for s in inv.systems.values():
        s.depends_on = fix(s.depends_on, syst, s.id)
    for o in inv.operators.values():
        o.operates = tuple(dict.fromkeys(comp.get(t, syst.get(t, t)) for t in o.operates))
    for a in inv.acceptances.values():
        for key, table in (("component", comp), ("system", syst)):
            if key in a.scope:
                a.scope[key] = table.get(a.scope[key], a.scope[key])


def _first_of_each_id(records: list[Any], kind: str, errors: list[InputError]) -> list[Any]:
    """The records of one source with an id defined twice reported (the first definition kept)."""
    seen: dict[str, Any] = {}
    for record in records:
        first = seen.get(record.id)
        if first is not None:
            errors.append(_error(record, _KIND_LABEL[kind], "id",
                                 f"duplicate id (first defined at {first.origin or first.source})"))
            continue
        seen[record.id] = record
    return list(seen.values())


def _authority(name: str, type_: str | None, settings: MatchingSettings) -> str:
    for key in (name, type_):
        if key is not None and key in settings.authority:
            return settings.authority[key]
    return "discovered" if type_ in DISCOVERED_TYPES else "declared"


def merge_batches(
    batches: list[InventoryBatch],
    acceptances: Iterable[AcceptanceRecord] = (),
    *,
    settings: MatchingSettings | None = None,
    source_types: Sequence[str | None] | None = None,
) -> Inventory:
    """Merge the batches into one inventory, matching records of different sources.

    Parameters
    ----------
    batches : list of InventoryBatch
        One per source, in the order of the config (that order breaks ties of precedence).
    acceptances : iterable of AcceptanceRecord
        Register entries from a register file of their own.
    settings : MatchingSettings, optional
        The ``matching:`` section; by default records match by ``external_id`` and ``id``.
    source_types : sequence of str, optional
        The connector type of each batch, which tells discovered sources from declared ones.

    Returns
    -------
    Inventory
        With ``matching`` holding the report of matches, conflicts and ambiguous keys.

    Raises
    ------
    InputError, InputErrors
        An id defined twice within one source (or in two sources when ``id`` is not a
        matching key), naming both places; a second, different organization.

    Examples
    --------
    >>> from inventory.records import ComponentRecord, InventoryBatch
    >>> cmdb = InventoryBatch("cmdb", components=[ComponentRecord("ecom-db", system="ecom", region="eu-west-1",
    ...     provider="aws", external_id="arn:aws:dynamodb:eu-west-1:1:table/decl")])
    >>> state = InventoryBatch("state", components=[ComponentRecord("aws_dynamodb_table.decl", provider="aws",
    ...     region="us-east-1", service="dynamodb", external_id="arn:aws:dynamodb:eu-west-1:1:table/decl")])
    >>> inv = merge_batches([cmdb, state], source_types=["cmdb-csv", "terraform"])
    >>> c = inv.components["ecom-db"]
    >>> c.system, c.service, c.region
    ('ecom', 'dynamodb', 'us-east-1')
    >>> [(x["field"], x["chosen"]["source"], x["matters"]) for x in inv.matching.conflicts]
    [('region', 'state', True)]
    """
    settings = settings or MatchingSettings()
    types = list(source_types) if source_types is not None else [None] * len(batches)
    if len(types) != len(batches):
        raise ValueError("source_types must name the type of every batch")
    inv = Inventory()
    errors: list[InputError] = []
    records_of: dict[str, list[Any]] = {"system": [], "component": [], "operator": [], "site": []}
    ids_of: dict[str, list[str]] = {"system": [], "component": [], "operator": [], "site": []}
    sources_of: dict[str, list[_Source]] = {"system": [], "component": [], "operator": [], "site": []}
    present_of: dict[str, list[_Source]] = {"system": [], "component": [], "operator": [], "site": []}
    for index, batch in enumerate(batches):
        source = _Source(index, batch.source, types[index], _authority(batch.source, types[index], settings))
        inv.sources.append(batch.source)
        if batch.organization is not None:
            if inv.organization is not None and inv.organization != batch.organization:
                errors.append(InputError(f"a second, different organization in {batch.source}", entry="organization"))
            inv.organization = batch.organization
        for kind, records in (("system", batch.systems), ("component", batch.components),
                              ("operator", batch.operators), ("site", batch.sites)):
            ids = [r.id for r in records]
            if len(set(ids)) < len(ids):
                records = _first_of_each_id(records, kind, errors)
                ids = [r.id for r in records]
            ids_of[kind].extend(ids)
            records_of[kind].extend(records)
            sources_of[kind].extend([source] * len(records))
            if records:
                present_of[kind].append(source)
        for record in batch.acceptances:
            first = inv.acceptances.get(record.id)
            if first is not None:
                errors.append(_error(record, "risk_register entry", "id", f"duplicate id (first defined at {first.origin or first.source})"))
                continue
            inv.acceptances[record.id] = record
        inv.coverage.extend(batch.coverage)
    for record in acceptances:
        first = inv.acceptances.get(record.id)
        if first is not None:
            errors.append(_error(record, "risk_register entry", "id", f"duplicate id (first defined at {first.origin})"))
            continue
        inv.acceptances[record.id] = record
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    aliases: dict[str, dict[str, str]] = {}
    for kind, target in (("system", "systems"), ("site", "sites"), ("operator", "operators"), ("component", "components")):
        records, aliases[kind] = _match_kind(kind, records_of[kind], ids_of[kind], sources_of[kind], present_of[kind],
                                             settings, inv.matching, errors)
        setattr(inv, target, records)
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    _rewrite(inv, aliases)
    return inv


def _matches(value: str | None, pattern: str | None) -> bool:
    return pattern is None or (value is not None and fnmatch.fnmatchcase(value, pattern))


def apply_attribution(inv: Inventory, tag_keys: list[str], rules: list[Any]) -> None:
    """Attribute components without a system: first by tag keys, then by the first matching rule.

    A component that stays without a system is reported later as an ``unattributed-resource``
    finding; nothing is attributed by guess. A tag naming a system that no source declares
    does not fail the scan (tags are set by many hands in a cloud console): the component
    stays unattributed and the finding says which tag named what. A rule naming an
    unknown system is a configuration error.
    """
    for index, rule in enumerate(rules):
        if rule.system not in inv.systems:
            raise InputError(f"unknown system '{rule.system}'", file="sovmap.yaml",
                             entry=f"attribution.rules[{index}]", field="system")
    for comp in inv.components.values():
        if comp.system is not None:
            continue
        for key in tag_keys:
            value = comp.tags.get(key)
            if not value:
                continue
            if value in inv.systems:
                comp.system = value
                break
            inv.attribution_notes[comp.id] = f"tag '{key}' names system '{value}', which no source declares"
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
