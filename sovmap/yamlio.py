"""Safe YAML reading that remembers where every entry stood.

Two readers give the same values (YAML 1.2 core schema, see ``docs/inventory-format.md``):

* the line-tracking reader (``yaml.SafeLoader`` and libyaml): no Python object tags, no
  code execution; mappings and sequences come back as ``dict``/``list`` subclasses that
  carry their line numbers, so a validation error deep in a document can still name the
  line it comes from. Duplicate keys are refused (PyYAML silently keeps the last one,
  which hides typos), and the number of aliases is bounded so that an alias bomb cannot
  blow up whatever walks the result;
* the fast reader (``yaml_rs``, ``lines=False``), fifteen times quicker on a large
  inventory, for documents whose every value it reads exactly as the other reader does.
  Whatever it refuses, and every document outside that safe ground (tags, anchors,
  aliases, directives, deep nesting, long numbers, characters the other reader refuses),
  goes to the line-tracking reader, whose error (with its line) or result is the answer.
  Being a YAML 1.2 parser, it accepts a few forms libyaml's refuses (an empty key in a
  flow mapping, a key broken over two lines); never a value the other would read
  differently or refuse as content.

A caller that reads fast and needs a line only when something is wrong passes a re-read
(``lambda: load_yaml(text, file=file)``) to :func:`sovmap.validation.validate_model`, and
finds the lines of a section's items with :func:`block_item_lines`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import yaml
import yaml_rs
from yaml.composer import Composer
from sovmap.errors import InputError
from sovmap.runtime import collector_paused

#: Bounds that keep a hostile file from exhausting memory; configurable per call.
MAX_BYTES = 64 * 1024 * 1024
MAX_ALIASES = 1000
#: Nodes a document may expand to once aliases are followed (an alias bomb has few
#: aliases but expands exponentially).
MAX_NODES = 5_000_000

__all__ = ["LineDict", "LineList", "MAX_ALIASES", "MAX_BYTES", "MAX_NODES", "block_item_lines", "line_of", "load_yaml",
           "load_yaml_all", "read_yaml_file", "storable_text"]


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


# -- YAML 1.2 core schema: what a plain scalar means --------------------------------------------
#
# Exactly as yaml_rs reads it (its scalar.rs), so that both readers give equal values: the
# core schema's null, true/false and numbers, with '_' allowed between digits and 0b binary
# as yaml_rs has them; everything else, dates included, is a string. YAML 1.1's yes/no/on/off,
# 010 as octal, 1:30 as sexagesimal and the '<<' merge key are gone.

_NULLS: Final = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS: Final = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_EXPONENT = r"[eE][-+]?[0-9_]*[0-9][0-9_]*"
_FLOAT = rf"[-+]?\.[iI][nN][fF]|\.[nN][aA][nN]|[-+]?(?:[0-9_]*[0-9][0-9_]*\.[0-9_]*(?:{_EXPONENT})?|[0-9_]*\.[0-9_]*[0-9][0-9_]*(?:{_EXPONENT})?|[0-9_]*[0-9][0-9_]*{_EXPONENT})"
_INT = r"[-+]?(?:0[xX][0-9a-fA-F_]*[0-9a-fA-F][0-9a-fA-F_]*|0[oO][0-7_]*[0-7][0-7_]*|0[bB][01_]*[01][01_]*|[0-9_]*[0-9][0-9_]*)"
_NUMBER: Final = re.compile(rf"(?P<float>{_FLOAT})|(?P<int>{_INT})")
_NUMBER_START: Final = frozenset("0123456789+-._")
_INF_NAN: Final = re.compile(r"[-+]?\.[iI][nN][fF]|\.[nN][aA][nN]")
_DECIMAL: Final = re.compile(r"[-+]?[0-9_]*[0-9][0-9_]*")
_BASES: Final = {"x": 16, "X": 16, "o": 8, "O": 8, "b": 2, "B": 2}
_TAG = "tag:yaml.org,2002:"
_TAGS: Final = {"float": _TAG + "float", "int": _TAG + "int"}


def plain_tag(value: str) -> str:
    """The tag a plain (unquoted) scalar resolves to under the YAML 1.2 core schema.

    >>> [plain_tag(v).rsplit(":", 1)[1] for v in ("NO", "true", "~", "010", "0x1F", "1e3", ".inf", "2025-01-15")]
    ['str', 'bool', 'null', 'int', 'int', 'float', 'float', 'str']
    """
    if value in _NULLS:
        return _TAG + "null"
    if value in _BOOLS:
        return _TAG + "bool"
    if value[0] in _NUMBER_START:
        number = _NUMBER.fullmatch(value)
        if number is not None:
            return _TAGS[number.lastgroup]  # type: ignore[index]
    return _TAG + "str"


def _core_null(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> None:
    if node.value not in _NULLS:
        raise ValueError("not a null (null, Null, NULL, ~ or nothing)")
    return None


def _core_bool(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> bool:
    try:
        return _BOOLS[node.value]
    except KeyError:
        raise ValueError("not true or false") from None


def _core_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    value = node.value
    number = _NUMBER.fullmatch(value)
    if number is None or number.lastgroup != "int":
        raise ValueError("not an integer")
    sign = -1 if value[0] == "-" else 1
    digits = value.lstrip("+-").replace("_", "")
    if len(digits) > 2 and digits[0] == "0" and digits[1] in _BASES:
        return sign * int(digits[2:], _BASES[digits[1]])
    return sign * int(digits)


def _core_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    value = node.value
    if _INF_NAN.fullmatch(value):
        return float(value.replace(".", ""))
    number = _NUMBER.fullmatch(value)
    if number is not None and (number.lastgroup == "float" or _DECIMAL.fullmatch(value)):
        return float(value.replace("_", ""))
    raise ValueError("not a number")


# libyaml's C parser when present (an order of magnitude faster); the constructors that
# record lines and refuse duplicate keys stay in Python either way.
_C_LOADER: type[yaml.SafeLoader] | None = getattr(yaml, "CSafeLoader", None)


if _C_LOADER is not None:

    class _PythonComposedLoader(Composer, _C_LOADER):  # type: ignore[misc, valid-type]
        """libyaml's parser with PyYAML's composer, which fails with a RecursionError where
        libyaml's own composer, recursing on the C stack, kills the process (30,000 '[')."""

        def __init__(self, stream: str) -> None:
            _C_LOADER.__init__(self, stream)  # type: ignore[misc]
            Composer.__init__(self)


def _loader_base(text: str) -> type[yaml.SafeLoader]:
    """libyaml's composer when the nesting of ``text`` is known to be shallow enough for it."""
    if _C_LOADER is None:
        return yaml.SafeLoader
    if _block_bounded(text) and text.count("[") + text.count("{") < _FLOW_OPENERS:
        return _C_LOADER
    if _fast_ground(text) and _yaml_rs_parses(text):
        return _C_LOADER  # yaml_rs refuses flow nesting past 256 levels
    return _PythonComposedLoader


def _make_loader(file: str, max_aliases: int, max_nodes: int, *, text: str) -> type[yaml.SafeLoader]:
    class _Loader(_loader_base(text)):  # type: ignore[misc]
        # Plain scalars mean what the core schema says (see plain_tag); quoted ones are strings.
        def resolve(self, kind, value, implicit):  # type: ignore[no-untyped-def, override]
            if kind is yaml.ScalarNode and implicit[0]:
                return plain_tag(value)
            return super().resolve(kind, value, implicit)

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

        # Constructors fail on scalars they cannot turn into values: ValueError for
        # '!!timestamp 2025-13-45', an integer of 5000 digits, '!!float x' or '!!bool maybe',
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
    _Loader.add_constructor(_TAG + "null", _core_null)
    _Loader.add_constructor(_TAG + "bool", _core_bool)
    _Loader.add_constructor(_TAG + "int", _core_int)
    _Loader.add_constructor(_TAG + "float", _core_float)
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
        # Without an alias the count is the document's own size, which max_bytes bounds: a
        # large inventory is not an alias bomb.
        if total > limit and aliases:
            raise InputError(
                f"the document expands to more than {limit} nodes through its aliases; refusing a possible alias bomb",
                file=file, line=node.start_mark.line + 1,
            )
        sizes[id(node)] = total


# -- the fast reader -----------------------------------------------------------------------------

#: Nesting the fast reader hands back; a deeper document goes to the line-tracking reader, whose
#: own limit (Python's recursion limit: about 150 levels of sequences) then decides, so that
#: both readers accept the same.
_FAST_DEPTH: Final = 64
#: Indentation from which a document is not given to yaml_rs at all. Its reader recurses on the
#: native stack once per level and kills the process past about ten thousand levels ("- - - ..."
#: on one line). A block level needs a column of its own (two at most share one: a mapping and
#: the sequence under its key) and a flow level is refused past 256, so no line indented this
#: far and no compact "- - " on a line keeps the nesting under a thousand levels.
_FAST_INDENT: Final = 200
#: Flow collections ('[', '{') a text may open for libyaml's composer to take it unchecked.
_FLOW_OPENERS: Final = 2000
_COMPACT_NESTING: Final = tuple(re.compile(rf"{c}[ \t]+[-?:](?:[ \t\r\n]|\Z)") for c in ("-", r"\?", ":"))
#: Bytes (of UTF-8) the line-tracking reader accepts as text; the others are control characters.
_PRINTABLE_BYTES: Final = bytes([0x09, 0x0A, 0x0D, *range(0x20, 0x7F), *range(0x80, 0x100)])
#: In UTF-8: U+2028, U+2029 (line breaks to YAML 1.1, not to 1.2), U+FFFE, U+FFFF (refused),
#: and U+FEFF, a byte order mark, which yaml_rs keeps as part of a key even at the start.
_NOT_FAST_UTF8: Final = (b"\xe2\x80\xa8", b"\xe2\x80\xa9", b"\xef\xbf\xbe", b"\xef\xbf\xbf", b"\xef\xbb\xbf")
#: A run of digits this long may be a number: yaml_rs converts one in quadratic time (four
#: million digits take half a minute) where Python refuses more than 4300 (640 at the least).
_DIGITS_AS_ZERO: Final = bytes.maketrans(b"123456789_", b"0000000000")
_LONG_NUMBER: Final = b"0" * 640
#: An escaped UTF-16 surrogate: yaml_rs joins a pair ("\ud83d\ude00") that libyaml refuses.
_SURROGATE_ESCAPE: Final = re.compile(r"\\(?:u|U0000)[dD][89a-fA-F]")
#: Characters after which a '!' starts a tag, a '&' an anchor and a '*' an alias.
_TOKEN_START: Final = frozenset(" \t\r\n[]{},:?-")
_KEY_TYPES: Final = frozenset({str, int, float, bool, type(None)})
_NOT_READ: Final = object()


def _token_start(text: str, char: str) -> bool:
    """Whether ``char`` stands anywhere a YAML token could start (over-cautious: quoted text counts)."""
    at = text.find(char)
    while at >= 0:
        if at == 0 or text[at - 1] in _TOKEN_START:
            return True
        at = text.find(char, at + 1)
    return False


def _c1_control(raw: bytes) -> bool:
    """Whether UTF-8 ``raw`` holds a C1 control character (U+0080..U+009F, NEL among them)."""
    at = raw.find(b"\xc2")
    while at >= 0:
        if 0x80 <= raw[at + 1] <= 0x9F:
            return True
        at = raw.find(b"\xc2", at + 2)
    return False


def _block_bounded(text: str) -> bool:
    """Whether the block nesting of ``text`` is under a thousand levels: no line indented
    ``_FAST_INDENT`` columns, no compact nesting (``- - x``) on a line."""
    first = 1 if text.startswith("\ufeff") else 0
    deep = " " * _FAST_INDENT
    if text.startswith(deep, first) or "\n" + deep in text or "\r" + deep in text:
        return False
    return not any(pattern.search(text) for pattern in _COMPACT_NESTING)


def _fast_ground(text: str) -> bool:
    """Whether yaml_rs can be trusted to read ``text`` as the line-tracking reader does.

    Not: characters that reader refuses or reads as line breaks (YAML 1.1's NEL, U+2028/9),
    NUL, lone surrogates, byte order marks, escaped surrogates; tags, anchors and aliases
    (yaml_rs reads a local tag as a plain string, !!binary as text, an alias inside its own
    anchor as null, and allows an anchor twice); directives; long numbers; and nesting deep
    enough to overflow yaml_rs's native stack. Each check is a scan of the text in C.
    """
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    if raw.translate(None, _PRINTABLE_BYTES) or _LONG_NUMBER in raw.translate(_DIGITS_AS_ZERO):
        return False
    if not text.isascii() and (any(seq in raw for seq in _NOT_FAST_UTF8) or _c1_control(raw)):
        return False
    if _token_start(text, "!") or _token_start(text, "&") or _token_start(text, "*"):
        return False
    if text.startswith("%") or "\n%" in text or "\r%" in text:
        return False
    if "\\" in text and _SURROGATE_ESCAPE.search(text):
        return False
    return _block_bounded(text)


def _yaml_rs_parses(text: str) -> bool:
    """Whether yaml_rs reads ``text`` to its end (a duplicate key is found after that)."""
    with collector_paused():
        try:
            yaml_rs.loads(text, parse_datetime=False, alias_limits=_alias_limits(MAX_ALIASES, MAX_NODES))
        except yaml_rs.YAMLDecodeError as exc:
            return str(exc).startswith("duplicate mapping key")
        except Exception:  # noqa: BLE001 - anything else: not known to be shallow
            return False
    return True


def _alias_limits(max_aliases: int, max_nodes: int) -> yaml_rs.AliasLimits:
    """Our bounds in yaml_rs's terms: an alias replays at most two events (start, end) per node."""
    return yaml_rs.AliasLimits(max_total_replayed_events=2 * max_nodes, max_alias_expansions_per_anchor=max_aliases)


def _document_marker(text: str) -> bool:
    """Whether a line starts with '---' or '...' (the text may hold several documents)."""
    return text.startswith(("---", "...", "\ufeff---")) or any(m in text for m in ("\n---", "\n...", "\r---", "\r..."))


def _plain_tree(root: Any, *, check_text: bool) -> bool:
    """Whether the tree yaml_rs built is what the line-tracking reader would return.

    Keys are plain values (yaml_rs turns a sequence key into a tuple, the other reader refuses
    it), the nesting is at most ``_FAST_DEPTH`` deep, and, when the text has escapes that could
    make them, no string holds a NUL or a lone surrogate. Level by level, without recursion.
    The node count needs no bound here: a text with an alias never gets this far, so the
    document is no larger than its bytes (``max_bytes``); ``max_nodes`` bounds what aliases
    expand to, in the line-tracking reader.
    """
    level = [root]
    for _ in range(_FAST_DEPTH + 1):
        below: list[Any] = []
        for node in level:
            kind = type(node)
            if kind is dict:
                for key in node:
                    if type(key) not in _KEY_TYPES or (check_text and type(key) is str and not storable_text(key)):
                        return False
                values: Any = node.values()
            elif kind is list:
                values = node
            else:  # a scalar document
                return not (check_text and kind is str and not storable_text(node))
            for value in values:
                kind = type(value)
                if kind is dict or kind is list:
                    below.append(value)
                elif check_text and kind is str and not storable_text(value):
                    return False
        if not below:
            return True
        level = below
    return False


def _read_fast(text: str, max_aliases: int, max_nodes: int) -> Any:
    """The one document of ``text`` as yaml_rs reads it, or ``_NOT_READ`` for the line-tracking reader.

    Whatever yaml_rs refuses goes to the other reader too: its error names the line, and when
    it reads the document after all (yaml_rs refuses a tab after ':' that YAML allows), its
    result stands. The alias bounds are passed on as a second guard, though a document with an
    alias does not get this far.
    """
    if not _fast_ground(text):
        return _NOT_READ
    with collector_paused():
        try:
            data = yaml_rs.loads(
                text, parse_datetime=False, alias_limits=_alias_limits(max_aliases, max_nodes),
                duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.Error,
            )
        except Exception:  # noqa: BLE001 - whatever it is, the line-tracking reader explains it
            return _NOT_READ
        # Several documents come back as a list, like one document that is a list.
        if data is None or (type(data) is list and _document_marker(text)):
            return _NOT_READ
        if not _plain_tree(data, check_text="\\" in text):
            return _NOT_READ
    return data


# -- reading -------------------------------------------------------------------------------------


def load_yaml_all(
    text: str, *, file: str = "<input>", max_aliases: int = MAX_ALIASES, max_nodes: int = MAX_NODES, lines: bool = True,
) -> list[Any]:
    """Parse every document of a YAML stream safely, keeping line numbers; empty ones are dropped.

    With ``lines=False`` a stream of one document may be read by the fast reader, without lines.

    >>> [d["kind"] for d in load_yaml_all("kind: A\\n---\\nkind: B\\n")]
    ['A', 'B']
    """
    if not lines and not _document_marker(text):
        data = _read_fast(text, max_aliases, max_nodes)
        if data is not _NOT_READ:
            return [data]
    loader = _make_loader(file, max_aliases, max_nodes, text=text)
    try:
        with collector_paused():
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
    lines: bool = True,
) -> Any:
    """Parse one YAML document safely, keeping line numbers.

    With ``lines=False`` the fast reader may read it: the same values in plain ``dict`` and
    ``list``, without lines (see the module's docstring); the same errors.

    >>> doc = load_yaml("a: 1\\nb: [x, y]\\n")
    >>> doc["b"], doc.key_lines["b"]
    (['x', 'y'], 2)
    >>> load_yaml("a: NO\\nb: 010\\nc: 2025-01-15\\n", lines=False)
    {'a': 'NO', 'b': 10, 'c': '2025-01-15'}
    """
    if not lines:
        data = _read_fast(text, max_aliases, max_nodes)
        if data is not _NOT_READ:
            return data
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
    allow_empty: bool = False, lines: bool = True,
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
    return load_yaml(
        decode_text(raw, name), file=name, max_aliases=max_aliases, max_nodes=max_nodes, allow_empty=allow_empty, lines=lines,
    )


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


#: Blank and comment lines, then the indentation and dash of a block sequence's first item.
_FIRST_ITEM: Final = re.compile(r"(?:[ \t]*(?:#[^\n]*)?\r?\n)*( *)-(?=[ \t\r\n]|\Z)")
#: From just after an item's dash to where its value starts.
_ITEM_VALUE: Final = re.compile(r"[ \t]*(?:(?:#[^\n]*)?\r?\n[ \t]*)*")
_NOT_CONTENT: Final = frozenset(("", " ", "\t", "\r", "\n", "#"))
#: The start of a line at the left margin that is neither blank, a comment nor an item.
_MARGIN: Final = re.compile(r"\n(?=[^ \t\r\n#-])")


def block_item_lines(text: str, key: str, count: int) -> list[int] | None:
    """The lines of the ``count`` items of the block sequence under the top-level ``key``, read off the text.

    For the usual layout: ``key:`` alone on its line at the left margin, then one ``-`` per
    item at the start of a line, all at one indentation, up to the next line at the margin.
    None for any other (flow style, a quoted key, a number of items that does not match
    ``count``); then the line-tracking reader knows.

    >>> block_item_lines("version: 1\\nsystems:\\n  - id: a\\n    name: A\\n\\n  - {id: b}\\nsites: []\\n", "systems", 2)
    [3, 6]
    >>> block_item_lines("systems: [{id: a}]\\n", "systems", 1) is None
    True
    """
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None  # a lone CR breaks a line too
    if not text.isascii() and any(c in text for c in "\x85\u2028\u2029"):
        return None  # line breaks to libyaml, whose lines these must match
    head = key + ":"
    at = 0 if text.startswith(head) else text.find("\n" + head) + 1
    if (at == 0 and not text.startswith(head)) or text.find("\n" + head, at) >= 0:
        return None
    end_of_line = text.find("\n", at)
    rest = text[at + len(head):end_of_line]
    if end_of_line < 0 or (rest and rest[0] not in " \t\r") or rest.strip(" \t\r").partition("#")[0]:
        return None
    first = _FIRST_ITEM.match(text, end_of_line + 1)
    if first is None:
        return None
    dash = first.end() - 1
    margin = _MARGIN.search(text, dash)
    end = margin.start() if margin else len(text)
    dashes = [dash, *(item.end() - 1 for item in re.compile(
        re.escape("\n" + first.group(1) + "-") + r"(?=[ \t\r\n]|\Z)").finditer(text, dash, end))]
    if len(dashes) != count:
        return None
    found = []
    line, previous = 1, 0
    for at in dashes:
        # An item's line is where its value starts, as libyaml counts it: "- id: a" on the
        # dash's line, "-" alone then "  id: a" on the next (blank and comment lines skipped).
        after = text[at + 1:at + 3]
        start = at + 2 if after[:1] == " " and after[1:] not in _NOT_CONTENT else _ITEM_VALUE.match(text, at + 1).end()
        line += text.count("\n", previous, start)
        previous = start
        found.append(line)
    return found
