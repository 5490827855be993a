"""YAML for files people hand in (taxonomies): the safe loader, with a budget on what aliases may expand to.

PyYAML's safe loader shares an aliased node rather than copying it, so loading a "billion laughs" document is
cheap; everything that walks the result afterwards (validation, JSON dumps) expands it, and a 1 KB file kept
`taxonomy check` busy for over a minute at 2 GB. A taxonomy has no need for more than a few small aliases.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, SequenceNode

MAX_ALIASES = 100  # aliases per document
MAX_ALIAS_NODES = 10_000  # nodes the aliases of one document stand for, once expanded


class LineError(yaml.YAMLError):
    """A problem of the document at one line (`line`, from 1), said in `problem`."""

    def __init__(self, line: int, problem: str) -> None:
        self.line, self.problem = line, problem
        super().__init__(problem)


class AliasBudgetError(LineError):
    """Aliases beyond the budget; names the line of the alias that went over it."""


class DuplicateKeyError(LineError):
    """A key given twice in one mapping: YAML keeps the later silently, so a second `corrections:` list appended to a
    taxonomy (as `taxonomy review` suggests) dropped the first."""


def _size(node: Node, memo: dict[int, int], open_: set[int]) -> int:
    """Nodes under `node` with every alias expanded (a node being built counts once)."""
    key = id(node)
    if key in memo:
        return memo[key]
    if key in open_:
        return 1
    open_.add(key)
    total = 1
    if isinstance(node, SequenceNode):
        total += sum(_size(child, memo, open_) for child in node.value)
    elif isinstance(node, MappingNode):
        total += sum(_size(k, memo, open_) + _size(v, memo, open_) for k, v in node.value)
    open_.discard(key)
    memo[key] = total
    return total


class BudgetLoader(yaml.SafeLoader):
    """SafeLoader that refuses a document whose aliases exceed MAX_ALIASES or expand past MAX_ALIAS_NODES."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._expanded = 0
        self._memo: dict[int, int] = {}

    # `index` is an int in a sequence, the key's Node in a mapping and None for a document: types-PyYAML says int.
    def compose_node(self, parent: Node | None, index: object) -> Node | None:
        if self.check_event(AliasEvent):
            line = self.peek_event().start_mark.line + 1
            node = super().compose_node(parent, index)  # type: ignore[arg-type]  # stub: int only, see above
            self._aliases += 1
            self._expanded += _size(node, self._memo, set()) if node is not None else 0
            if self._aliases > MAX_ALIASES:
                raise AliasBudgetError(line, f"more than {MAX_ALIASES} aliases (*name): write the values out")
            if self._expanded > MAX_ALIAS_NODES:
                raise AliasBudgetError(
                    line, f"the aliases (*name) expand to more than {MAX_ALIAS_NODES:,} values; it may be a "
                    "'billion laughs' document: write the values out instead of nesting aliases"
                )  # fmt: skip
            return node
        return super().compose_node(parent, index)  # type: ignore[arg-type]  # stub: int only, see above

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict:
        first: dict[object, int] = {}
        for key_node, _ in node.value:
            key = getattr(key_node, "value", None)
            if not isinstance(key, str) or key == "<<":  # a merge key may repeat
                continue
            line = key_node.start_mark.line + 1
            if key in first:
                raise DuplicateKeyError(
                    line, f"'{key}' is given twice in one mapping (lines {first[key]} and {line}): YAML would keep "
                    "only the second; merge them into one (two `corrections:` lists are one list)"
                )  # fmt: skip
            first[key] = line
        return super().construct_mapping(node, deep)


def load_yaml(text: str) -> object:
    """Parse one YAML document safely; raises yaml.YAMLError (AliasBudgetError over the alias budget)."""
    loader = BudgetLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def load_yaml_file(path: Path) -> object:
    return load_yaml(path.read_text(encoding="utf-8"))


def line_of(text: str, path: Sequence[object]) -> int | None:
    """The line (from 1) of what `path` (mapping keys and list positions) names in a YAML document: a key's own line,
    a list item's first line; where the path goes further than the document, the line of the last part found (a
    missing `stage` is the line of its touchpoint). None where the document does not parse."""
    loader = BudgetLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    line = node.start_mark.line + 1 if node is not None else None
    for part in path:
        if isinstance(node, MappingNode):
            found = next(((k, v) for k, v in node.value if getattr(k, "value", None) == part), None)
            if found is None:
                break
            line, node = found[0].start_mark.line + 1, found[1]
        elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
