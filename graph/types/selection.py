"""What the field being resolved selects below it, read from the query's field nodes
(fragments, named and inline, expanded): so that a list can read at once what its rows'
fields will ask for (a first page's count, a decision page's calculation rows)."""

from collections.abc import Iterator, Mapping

import strawberry
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)


def selects(info: strawberry.Info, *path: str) -> bool:
    """The field being resolved selects ``path`` (``selects(info, "edges", "node",
    "calculation")``)."""
    raw = info._raw_info
    level: list[SelectionSetNode] = [n.selection_set for n in raw.field_nodes if n.selection_set]
    for name in path:
        found = [f for s in level for f in _fields(s, raw.fragments, set()) if f.name.value == name]
        if not found:
            return False
        level = [f.selection_set for f in found if f.selection_set is not None]
    return True


def _fields(
    selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode], seen: set[str]
) -> Iterator[FieldNode]:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:
                seen.add(name)
                yield from _fields(fragment.selection_set, fragments, seen)
