"""Safe YAML reading that remembers where every entry stood.

Only ``yaml.SafeLoader`` is used: no Python object tags, no code execution. Mappings and
sequences come back as ``dict``/``list`` subclasses that carry their line numbers, so a
validation error deep in a document can still name the line it comes from. Duplicate
keys are refused (PyYAML silently keeps the last one, which hides typos), and the number
of aliases is bounded so that an alias bomb cannot blow up whatever walks the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from sovmap.errors import InputError

#: Bounds that keep a hostile file from exhausting memory; configurable per call.
MAX_BYTES = 64 * 1024 * 1024
MAX_ALIASES = 1000
#: Nodes a document may expand to once aliases are followed (an alias bomb has few
#: aliases but expands exponentially).
MAX_NODES = 5_000_000

__all__ = ["LineDict", "LineList", "MAX_ALIASES", "MAX_BYTES", "MAX_NODES", "line_of", "load_yaml", "load_yaml_all", "read_yaml_file",
           "storable_text"]


class LineDict(dict):
    """A mapping read from YAML, with the line of the mapping and of each key."""

    __slots__ = ("line", "key_lines")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line: int | None = None
        self.key_lines: dict[Any, int] = {}


class LineList(list):
    """A sequence read from YAML, with the line of the sequence and of each item."""

    __slots__ = ("line", "item_lines")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.line: int | None = None
        self.item_lines: list[int] = []


# libyaml's C parser when present (an order of magnitude faster); the constructors that
# record lines and refuse duplicate keys stay in Python either way.
_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _make_loader(file: str, max_aliases: int, max_nodes: int = MAX_NODES) -> type[yaml.SafeLoader]:
    class _Loader(_BASE_LOADER):  # type: ignore[misc, valid-type]
        # The node graph is checked for alias bombs before anything is constructed.
        def get_node(self):  # type: ignore[override]
            node = super().get_node()
            if node is not None:
                _check_expansion(node, file, max_nodes, max_aliases=max_aliases)
            return node

        def get_single_node(self):  # type: ignore[override]
            node = super().get_single_node()
            if node is not None:
                _check_expansion(node, file, max_nodes, max_aliases=max_aliases)
            return node

        # PyYAML's constructors fail on scalars they cannot turn into values: ValueError for
        # 2025-13-45, an integer of 5000 digits or '!!float x', KeyError for '!!bool maybe',
        # AttributeError for '!!timestamp x'. And a value must be one the store can hold: no
        # NUL character (PostgreSQL text has none), no binary data.
        def construct_object(self, node, deep=False):  # type: ignore[no-untyped-def, override]
            try:
                value = super().construct_object(node, deep=deep)
            except (ValueError, OverflowError, KeyError, AttributeError, TypeError) as exc:
                shown = f" '{node.value[:40]}'" if isinstance(node, yaml.ScalarNode) else ""
                why = f": {exc}" if isinstance(exc, (ValueError, OverflowError)) else ""
                raise InputError(f"not valid YAML: cannot read the value{shown} as {node.tag.rsplit(':', 1)[-1]}{why}", file=file,
                                 line=node.start_mark.line + 1) from None
            if isinstance(value, str) and not storable_text(value):
                raise InputError("a NUL character or a lone UTF-16 surrogate ('\\0', '\\ud800') is not allowed in a value",
                                 file=file, line=node.start_mark.line + 1)
            if isinstance(value, (bytes, bytearray)):
                raise InputError("binary values (!!binary) are not read", file=file, line=node.start_mark.line + 1)
            return value

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> LineDict:
        loader.flatten_mapping(node)
        result = LineDict()
        result.line = node.start_mark.line + 1
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise InputError("a mapping key must be a plain value", file=file, line=key_node.start_mark.line + 1) from None
            if key in result:
                raise InputError(
                    f"duplicate key '{key}' (first at line {result.key_lines[key]})",
                    file=file,
                    line=key_node.start_mark.line + 1,
                )
            result[key] = loader.construct_object(value_node, deep=True)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result

    def construct_sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode, deep: bool = False) -> LineList:
        result = LineList(loader.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result

    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, construct_sequence)
    return _Loader


def storable_text(text: str) -> bool:
    """Whether a string can be stored: no NUL (PostgreSQL text has none), no lone surrogate (no encoding has one).

    >>> storable_text("Zürich"), storable_text("a\\x00b"), storable_text("\\ud800")
    (True, False, False)
    """
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_expansion(root: yaml.Node, file: str, limit: int | None = None, max_aliases: int = MAX_ALIASES) -> None:
    """Refuse a document with too many aliases, a recursive alias, or aliases expanding beyond ``MAX_NODES`` nodes.

    An alias bomb has few aliases but expands exponentially; counting the nodes each
    shared node stands for, once, bounds what any later walk over the data can cost. An
    alias inside the node it names (``a: &a [*a]``) would make that walk endless.
    """
    limit = MAX_NODES if limit is None else limit
    sizes: dict[int, int] = {}
    seen: set[int] = {id(root)}
    # The collections being walked: always the path from the root to the current node.
    open_: set[int] = set()
    aliases = 0
    # Iterative post-order walk: shared (aliased) nodes are sized once and reused.
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            continue
        children = [c for pair in node.value for c in pair] if isinstance(node, yaml.MappingNode) else list(node.value)
        if not done:
            if id(node) in sizes:
                continue
            open_.add(id(node))
            stack.append((node, True))
            for child in children:
                if isinstance(child, yaml.ScalarNode):
                    continue
                if id(child) in open_:
                    raise InputError("an alias inside the node it refers to (a recursive structure) is refused",
                                     file=file, line=child.start_mark.line + 1)
                if id(child) in seen:
                    aliases += 1
                else:
                    seen.add(id(child))
                if id(child) not in sizes:
                    stack.append((child, False))
            if aliases > max_aliases:
                raise InputError(
                    f"more than {max_aliases} YAML aliases; refusing a possible alias bomb",
                    file=file, line=node.start_mark.line + 1,
                )
            continue
        open_.discard(id(node))
        total = 1 + sum(sizes.get(id(c), 1) for c in children)
        if total > limit:
            raise InputError(
                f"the document expands to more than {limit} nodes through its aliases; refusing a possible alias bomb",
                file=file, line=node.start_mark.line + 1,
            )
        sizes[id(node)] = total


def load_yaml_all(text: str, *, file: str = "<input>", max_aliases: int = MAX_ALIASES, max_nodes: int = MAX_NODES) -> list[Any]:
    """Parse every document of a YAML stream safely, keeping line numbers; empty ones are dropped.

    >>> [d["kind"] for d in load_yaml_all("kind: A\\n---\\nkind: B\\n")]
    ['A', 'B']
    """
    loader = _make_loader(file, max_aliases, max_nodes)
    try:
        documents = list(yaml.load_all(text, Loader=loader))  # noqa: S506 - SafeLoader subclass
    except InputError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise InputError(f"not valid YAML: {problem}", file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", file=file) from None
    except RecursionError:
        raise InputError("not valid YAML: nesting too deep", file=file) from None
    return [d for d in documents if d is not None]


def load_yaml(
    text: str, *, file: str = "<input>", max_aliases: int = MAX_ALIASES, max_nodes: int = MAX_NODES, allow_empty: bool = False,
) -> Any:
    """Parse one YAML document safely, keeping line numbers.

    >>> doc = load_yaml("a: 1\\nb: [x, y]\\n")
    >>> doc["b"], doc.key_lines["b"]
    (['x', 'y'], 2)
    """
    documents = load_yaml_all(text, file=file, max_aliases=max_aliases, max_nodes=max_nodes)
    if not documents:
        if allow_empty:
            return None
        raise InputError("the file is empty", file=file)
    if len(documents) > 1:
        raise InputError("expected one YAML document, found several", file=file)
    return documents[0]


def read_yaml_file(
    path: str | Path, *, max_bytes: int = MAX_BYTES, max_aliases: int = MAX_ALIASES, max_nodes: int = MAX_NODES,
    allow_empty: bool = False,
) -> Any:
    """Read and parse a YAML file, with the bounds above and a clear error for each failure."""
    path = Path(path)
    name = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError("file not found", file=name) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=name) from None
    if size > max_bytes:
        raise InputError(f"file is {size} bytes, over the limit of {max_bytes}", file=name)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=name) from None
    return load_yaml(decode_text(raw, name), file=name, max_aliases=max_aliases, max_nodes=max_nodes, allow_empty=allow_empty)


def decode_text(raw: bytes, file: str) -> str:
    """Decode UTF-8 (with or without BOM); anything else is refused with the byte offset."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"not UTF-8 text (byte {exc.start})", file=file, line=line) from None
    # A NUL byte means a binary file; and no value holding one could be stored (PostgreSQL text has none).
    nul = text.find("\x00")
    if nul >= 0:
        raise InputError(f"not a text file: a NUL byte at character {nul}", file=file, line=text.count("\n", 0, nul) + 1)
    return text


def line_of(data: Any, loc: Sequence[Any]) -> int | None:
    """The line of the deepest entry along ``loc`` (a pydantic error location) that is known.

    >>> doc = load_yaml("items:\\n  - id: a\\n  - id: b\\n    x: 1\\n")
    >>> line_of(doc, ("items", 1, "x"))
    4
    """
    line = getattr(data, "line", None)
    node = data
    for step in loc:
        if isinstance(node, LineDict) and step in node:
            line = node.key_lines.get(step, line)
            node = node[step]
        elif isinstance(node, LineList) and isinstance(step, int) and 0 <= step < len(node):
            line = node.item_lines[step]
            node = node[step]
        else:
            break
    return line
