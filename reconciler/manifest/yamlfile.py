"""Safe YAML reading that remembers where every value was written.

Documents are composed into nodes (kept for line numbers) and constructed with the safe
constructor: no arbitrary tags. Duplicate keys, which YAML readers silently collapse, are
reported.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

try:  # libyaml is several times faster; the pure-Python parser is the fallback.
    from yaml.cyaml import CParser as _Parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)


from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver


@dataclass
class Document:
    """One YAML document: its value, its node (for lines) and its position in the file."""

    value: Any
    node: Node
    index: int
    duplicate_keys: list[tuple[int, str]] = field(default_factory=list)

    @property
    def line(self) -> int:
        return int(self.node.start_mark.line) + 1

    def line_of(self, path: Sequence[str | int]) -> int:
        """The line of the deepest part of `path` that the document has (1-based)."""
        node = self.node
        for part in path:
            child = _child(node, part)
            if child is None:
                break
            node = child
        return int(node.start_mark.line) + 1


def _child(node: Node, part: str | int) -> Node | None:
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == str(part):
                return value if not isinstance(value, ScalarNode) or value.value else key
    elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        child: Node = node.value[part]
        return child
    return None


MAX_NODES = 100_000
"""Values a document may expand to, aliases counted each time they are used (a few hundred
bytes of nested aliases can otherwise expand to gigabytes)."""
MAX_DEPTH = 64


def _check_size(node: Node) -> None:
    """Refuse a document whose expansion or nesting is out of bounds, before building it."""
    count = 0
    stack: list[tuple[Node, int]] = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise YamlSyntaxError(
                f"the document expands to more than {MAX_NODES:,} values (aliases?)",
                _line(node.start_mark),
                0,
            )
        if depth > MAX_DEPTH:
            raise YamlSyntaxError(
                f"the document nests deeper than {MAX_DEPTH} levels",
                _line(current.start_mark),
                _column(current.start_mark),
            )
        if isinstance(current, MappingNode):
            for key, value in current.value:
                stack += [(key, depth + 1), (value, depth + 1)]
        elif isinstance(current, SequenceNode):
            stack += [(item, depth + 1) for item in current.value]


class YamlSyntaxError(Exception):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class _Constructor(SafeConstructor):
    def __init__(self) -> None:
        super().__init__()
        self.duplicate_keys: list[tuple[int, str]] = []

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, ScalarNode):
                if key_node.value in seen:
                    self.duplicate_keys.append((key_node.start_mark.line + 1, key_node.value))
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


class _Loader(_Parser, _Constructor, Resolver):
    def __init__(self, text: str) -> None:
        _Parser.__init__(self, text)
        _Constructor.__init__(self)
        Resolver.__init__(self)

    # No path resolvers are registered (the safe loader's are the implicit ones only), so a
    # plain scalar's tag depends on its text alone: each distinct short text is matched once
    # against the resolvers' patterns, not once per occurrence (keys, models, labels and
    # dates repeat across thousands of manifests). The node walk keeps no path either.
    def resolve(self, kind: type[Node], value: str | None, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode and implicit[0] and value is not None and len(value) <= _MEMO_TEXT:
            tag = _PLAIN_TAGS.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
                if len(_PLAIN_TAGS) < _MEMO_ENTRIES:
                    _PLAIN_TAGS[value] = tag
            return tag
        found: str = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        return found

    def descend_resolver(self, current_node: Node | None, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None

    def build(self, node: Node) -> Any:
        """The document's value, as the safe constructor builds it, without its per-node
        machinery for the plain shapes a manifest has (mappings, sequences and scalars of the
        standard tags, no aliases). Anything else goes to the safe constructor."""
        try:
            return self._fast(node)
        except _Unusual:
            self.duplicate_keys = []
            return self.construct_document(node)

    def _fast(self, node: Node) -> Any:
        kind = type(node)
        if kind is ScalarNode:
            tag = node.tag
            value = node.value
            if tag == _STR:
                return value
            if tag == _INT and value.isdigit() and (value[0] != "0" or len(value) == 1):
                return int(value)  # a leading 0 is octal in YAML 1.1: the constructor's case
            maker = _SCALARS.get(tag)
            if maker is None:
                raise _Unusual
            return maker(self, node)  # type: ignore[arg-type]
        if kind is MappingNode:
            if node.tag != _MAP:
                raise _Unusual
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if type(key_node) is not ScalarNode or key_node.tag == _MERGE:
                    raise _Unusual
                key = self._fast(key_node)
                if key in out:
                    self.duplicate_keys.append((key_node.start_mark.line + 1, key_node.value))
                out[key] = self._fast(value_node)
            return out
        if kind is SequenceNode and node.tag == _SEQ:
            return [self._fast(item) for item in node.value]
        raise _Unusual


_MEMO_TEXT = 48
"""Plain scalars up to this length have their tag remembered (longer ones rarely repeat)."""
_MEMO_ENTRIES = 16_384
"""At most this many remembered texts: hostile input cannot grow the memo without bound."""
_PLAIN_TAGS: dict[str, str] = {}


class _Unusual(Exception):
    """A node the fast path leaves to the safe constructor."""


_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_SCALARS = {
    _INT: SafeConstructor.construct_yaml_int,
    "tag:yaml.org,2002:float": SafeConstructor.construct_yaml_float,
    "tag:yaml.org,2002:bool": SafeConstructor.construct_yaml_bool,
    "tag:yaml.org,2002:null": SafeConstructor.construct_yaml_null,
    "tag:yaml.org,2002:timestamp": SafeConstructor.construct_yaml_timestamp,
}


def read_documents(text: str) -> Iterator[Document]:
    """Each document of a YAML text; raises YamlSyntaxError with the line and column."""
    aliased = "&" in text  # only anchors let a small text expand: walk those documents
    loader = _Loader(text)
    index = 0
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:  # pragma: no cover - check_node said there was one
                break
            if aliased:
                _check_size(node)
            loader.duplicate_keys = []
            try:
                value = loader.construct_document(node) if aliased else loader.build(node)
            except RecursionError:
                raise YamlSyntaxError(
                    f"the document nests deeper than {MAX_DEPTH} levels", _line(node.start_mark), 0
                ) from None
            except (ValueError, OverflowError) as exc:  # 2026-02-30, 5,000-digit integers
                raise YamlSyntaxError(
                    f"a value cannot be read: {_short(exc)}", _line(node.start_mark), 0
                ) from None
            yield Document(value, node, index, list(loader.duplicate_keys))
            index += 1
    except ConstructorError as exc:
        mark = exc.problem_mark or exc.context_mark
        tag = f"{exc.problem}".replace(
            "could not determine a constructor for the tag", "unsupported YAML tag"
        )
        raise YamlSyntaxError(tag, _line(mark), _column(mark)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(p for p in (exc.context, exc.problem) if p)
        raise YamlSyntaxError(message or "invalid YAML", _line(mark), _column(mark)) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(str(exc), 0, 0) from None
    finally:
        loader.dispose()


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _line(mark: Any) -> int:
    return int(mark.line) + 1 if mark is not None else 0


def _column(mark: Any) -> int:
    return int(mark.column) + 1 if mark is not None else 0
