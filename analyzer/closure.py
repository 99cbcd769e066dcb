"""What every system rests on, found once per system and composed along system dependencies.

A system rests on its own components, on everything they depend on (component
dependencies, which may lead into other systems), and, through its system-level
``depends_on``, on everything those systems rest on. Walking that whole closure for every
system costs the sum of all closure sizes, which on an estate with shared platforms grows
much faster than the estate. The scores that compose (shortest evidence paths, sets of
keys, minima) are instead computed from each system's *local* closure (its components and
their component dependencies) and the results of the systems it depends on, in dependency
order: :class:`Rollup` holds that order and those local closures.

A system on a dependency cycle cannot be composed that way: its closure is walked in full
instead, which gives the same answers.

Paths are canonical: the shortest, and among the shortest the lexicographically smallest
sequence of node ids. Composing and walking in full both find that path, so results do
not depend on traversal order.

Components with equal facts (the same service, region, site, model and operators, the
same keys and data flag) get equal answers: :class:`Group` collects what a score needs
per such group once, and each system looks at one representative per group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

__all__ = ["DEPENDENCY_EDGES", "LOCATION_EDGES", "Group", "Rollup", "canonical_paths", "signature"]

DEPENDENCY_EDGES = frozenset({"depends_on", "authenticates_via"})
LOCATION_EDGES = frozenset({"runs_on", "stores_data_in"})
_SIGNATURE_EDGES = LOCATION_EDGES | {"uses_model"}


def _children(succ: dict, pred: dict, node: str, through_systems: bool) -> list[str]:
    # networkx keeps adjacency as plain dicts (``_succ``/``_pred``); reading them directly
    # avoids building a view object per node, which dominates walks over large graphs.
    if node.startswith("system:"):
        out = [c for c, d in pred[node].items() if d.get("type") == "part_of"]
        if through_systems:
            out += [t for t, d in succ[node].items() if d.get("type") == "depends_on"]
    else:
        out = [t for t, d in succ[node].items() if d.get("type") in DEPENDENCY_EDGES]
    out.sort()
    return out


def canonical_paths(G: nx.DiGraph, system: str, *, through_systems: bool = True) -> dict[str, tuple[str, ...]]:
    """Every component ``system`` rests on, with its canonical path from the system.

    With ``through_systems=False`` only the local closure: the system's own components
    and what they depend on, not what its system-level dependencies bring.

    A breadth-first walk whose every level is kept in path order (children sorted, each
    reached first from the smallest parent) finds, for each node, the lexicographically
    smallest of its shortest paths.

    >>> G = nx.DiGraph()
    >>> G.add_edge("component:b", "system:s", type="part_of")
    >>> G.add_edge("component:a", "system:s", type="part_of")
    >>> G.add_edge("component:b", "component:x", type="depends_on")
    >>> G.add_edge("component:a", "component:x", type="depends_on")
    >>> canonical_paths(G, "system:s")
    {'component:a': ('system:s', 'component:a'), 'component:b': ('system:s', 'component:b'), \
'component:x': ('system:s', 'component:a', 'component:x')}
    """
    succ, pred = G._succ, G._pred  # noqa: SLF001 - see _children
    found: dict[str, tuple[str, ...]] = {}
    seen = {system}
    frontier: list[tuple[str, tuple[str, ...]]] = [(system, (system,))]
    while frontier:
        nxt: list[tuple[str, tuple[str, ...]]] = []
        for node, path in frontier:
            for child in _children(succ, pred, node, through_systems):
                if child in seen:
                    continue
                seen.add(child)
                child_path = (*path, child)
                nxt.append((child, child_path))
                if child.startswith("component:"):
                    found[child] = child_path
        frontier = nxt
    return found


def signature(G: nx.DiGraph, comp: str, cache: dict) -> tuple:
    """Everything a component's answers depend on; equal signatures give equal answers.

    Its service, region, site and model edges (with their types: a data store's location
    edge differs from a compute one's), its operators and its system's, what the catalog
    could not resolve, whether it holds data and who holds its keys.
    """
    attrs = G._node[comp]  # noqa: SLF001 - see _children
    out = [(target, d["type"]) for target, d in G._succ[comp].items() if d["type"] in _SIGNATURE_EDGES]  # noqa: SLF001
    if len(out) > 1:
        out.sort()
    ops = [s for s, d in G._pred[comp].items() if d["type"] == "operates"]  # noqa: SLF001
    if len(ops) > 1:
        ops.sort()
    system = attrs.get("system")
    sys_ops: tuple = ()
    if system:
        node = f"system:{system}"
        sys_ops = cache.get(("system-operator-ids", node))
        if sys_ops is None:
            sys_ops = cache[("system-operator-ids", node)] = tuple(sorted(
                s for s, d in G._pred[node].items() if d["type"] == "operates")) if node in G else ()  # noqa: SLF001
    unresolved = attrs.get("unresolved")
    return (tuple(out), tuple(ops), sys_ops, tuple(sorted(unresolved.items())) if unresolved else (),
            bool(attrs.get("holds_data")), attrs.get("key_custody"))


@dataclass(eq=False, slots=True)
class Group:
    """Components with one signature: what is computed for one holds for every member.

    ``rep`` is the first member met; the scores keep what they compute for the group in
    ``memo`` under their own keys.
    """

    rep: str
    signature: tuple
    memo: dict[str, Any] = field(default_factory=dict)

    def cached(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per group: what it gives holds for every member."""
        try:
            return self.memo[key]
        except KeyError:
            value = self.memo[key] = compute()
            return value

    @property
    def holds_data(self) -> bool:
        return self.signature[4]

    @property
    def customer_keys(self) -> bool:
        """A data store whose keys the customer holds (the provider holds only ciphertext)."""
        return self.signature[4] and self.signature[5] == "customer-held"

    @property
    def unresolved(self) -> bool:
        return bool(self.signature[3])


class Rollup:
    """The systems of a graph in dependency order, with their local closures.

    ``parts(s)`` gives what a score composes for system ``s``: the components to look at
    directly (its local closure, or its whole closure when it sits on a dependency cycle)
    with their canonical paths, and the systems whose results to take over (each path
    prefixed with ``s``). Systems come in :attr:`order`, dependencies first.

    ``full=True`` walks every closure in full and composes nothing (the reference the
    composed answers are tested against, and the way one system is scored on its own).

    >>> G = nx.DiGraph()
    >>> G.add_nodes_from(["system:s", "system:t"], kind="system")
    >>> G.add_edge("component:a", "system:s", type="part_of")
    >>> G.add_edge("component:b", "system:t", type="part_of")
    >>> G.add_edge("system:s", "system:t", type="depends_on")
    >>> r = Rollup(G)
    >>> r.order, r.parts("system:s")
    (['system:t', 'system:s'], ({'component:a': ('system:s', 'component:a')}, ['system:t']))
    >>> Rollup(G, full=True).parts("system:s")
    ({'component:a': ('system:s', 'component:a'), 'component:b': ('system:s', 'system:t', 'component:b')}, [])
    """

    def __init__(
        self, G: nx.DiGraph, *, systems: Iterable[str] | None = None, full: bool = False, distinct: Iterable[str] = (),
    ) -> None:
        self.G = G
        #: Components that form a group of their own whatever their signature (those with
        #: an answer of their own, such as a component-scoped sovereignty override).
        self.distinct = frozenset(distinct)
        chosen = list(systems) if systems is not None else [n for n, d in G.nodes(data=True) if d.get("kind") == "system"]
        self.systems = chosen
        succ = G._succ  # noqa: SLF001 - see _children
        if full:
            self.depends: dict[str, list[str]] = {s: [] for s in chosen}
            self.cyclic: frozenset[str] = frozenset(chosen)
            self.order = list(chosen)
        else:
            self.depends = {s: sorted(t for t, d in succ[s].items() if d.get("type") == "depends_on") for s in chosen}
            H = nx.DiGraph()
            H.add_nodes_from(chosen)
            H.add_edges_from((s, t) for s, ts in self.depends.items() for t in ts if t in self.depends)
            C = nx.condensation(H)
            cyclic: set[str] = {s for s, ts in self.depends.items() if s in ts}
            order: list[str] = []
            for scc in reversed(list(nx.topological_sort(C))):
                members = sorted(C.nodes[scc]["members"])
                if len(members) > 1:
                    cyclic.update(members)
                order.extend(members)
            self.cyclic = frozenset(cyclic)
            self.order = order
            # A system outside this selection has no result to take over.
            self.depends = {s: [t for t in ts if t in self.depends] for s, ts in self.depends.items()}
        self._explicit = {s: canonical_paths(G, s, through_systems=s in self.cyclic) for s in self.order}
        self._groups: dict[str, Group] = {}
        self._by_signature: dict[tuple, Group] = {}
        self._reps: dict[str, dict[Group, tuple[int, tuple[str, ...]]]] = {}
        self._members: dict[str, dict[Group, list[str]]] = {}
        self._own: dict[str, dict[Group, list[str]]] = {}
        self._cache: dict = {}

    def parts(self, system: str) -> tuple[dict[str, tuple[str, ...]], list[str]]:
        """(components with canonical paths to look at directly, systems whose results to take over)."""
        return self._explicit[system], ([] if system in self.cyclic else self.depends[system])

    def group(self, comp: str) -> Group:
        """The group of components with ``comp``'s signature."""
        g = self._groups.get(comp)
        if g is None:
            sig = signature(self.G, comp, self._cache)
            if comp in self.distinct:
                sig = (*sig, comp)
            g = self._by_signature.get(sig)
            if g is None:
                g = self._by_signature[sig] = Group(comp, sig)
            self._groups[comp] = g
        return g

    def representatives(self, system: str) -> dict[Group, tuple[int, tuple[str, ...]]]:
        """Per group among the components ``parts(system)`` looks at directly: (length, path) of
        the member with the canonical shortest path.

        Members of a group share everything after themselves on an evidence path, so the
        member with the smallest (length, path) brings the group's canonical evidence. The
        walk lists components in that order, so it is each group's first member.
        """
        self._index(system)
        return self._reps[system]

    def members(self, system: str) -> dict[Group, list[str]]:
        """The components ``parts(system)`` looks at directly, by group, in canonical order."""
        self._index(system)
        return self._members[system]

    def own_members(self, system: str) -> dict[Group, list[str]]:
        """The system's own components (``part_of`` it), by group, in canonical order."""
        self._index(system)
        return self._own[system]

    def _index(self, system: str) -> None:
        if system in self._reps:
            return
        best: dict[Group, tuple[int, tuple[str, ...]]] = {}
        members: dict[Group, list[str]] = {}
        own: dict[Group, list[str]] = {}
        group = self.group
        for comp, path in self._explicit[system].items():
            g = group(comp)
            listed = members.get(g)
            if listed is None:
                members[g] = [comp]
                best[g] = (len(path), path)
            else:
                listed.append(comp)
            if len(path) == 2:  # (system, component): one of its own
                own.setdefault(g, []).append(comp)
        self._reps[system] = best
        self._members[system] = members
        self._own[system] = own

    def users(self) -> dict[str, set[str]]:
        """For each component reached from another system's components by component
        dependencies: every system whose own components lead to it (its own system included).

        A system's own components are the first step of its local closure; whatever lies
        further is another system's (or nobody's), so only those are collected.
        """
        out: dict[str, set[str]] = {}
        for s in self.order:
            local = self._explicit[s] if s not in self.cyclic else canonical_paths(self.G, s, through_systems=False)
            for comp, path in local.items():
                if len(path) > 2:
                    out.setdefault(comp, set()).add(s)
        nodes = self.G._node  # noqa: SLF001 - see _children
        for comp, systems in out.items():
            owner = nodes[comp].get("system")
            if owner is not None and f"system:{owner}" in self._explicit:
                systems.add(f"system:{owner}")
        return out

    def dependents(self, systems: Iterable[str]) -> set[str]:
        """``systems`` and every system that depends on one of them, directly or transitively."""
        pred = self.G._pred  # noqa: SLF001
        found = set(systems)
        stack = list(found)
        while stack:
            node = stack.pop()
            for src, d in pred[node].items():
                if d.get("type") == "depends_on" and src not in found and src in self._explicit:
                    found.add(src)
                    stack.append(src)
        return found
