"""What an operation may cost, estimated before it runs (``docs/security.md``).

Every field counts once for each time it can appear in the response: the product of
the sizes of the lists above it, and of its own when it is a list of objects. The sum
over the operation (fragments, named and inline, expanded) is its cost. Sizes:

- a connection's ``edges``: the connection's ``first``, from a literal or a variable,
  else the default page (20); clamped to 0-100, as pages are;
- a plain list of objects: its documented maximum in ``LIST_SIZES``, else
  ``LIST_FACTOR`` (10);
- anything else, lists of scalars included: 1.

So ``client(id) { name notices(first: 10) { edges { node { id type } } } }`` costs
1 (client) + 1 (name) + 1 (notices) + 10 * (1 edges + 1 node + 2 leaves) = 43.

Pure, and linear in the document: a selection is estimated once however often
fragments repeat it.
"""

from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, SelectionSetNode

from graph.documents import Field, Operation
from graph.pagination import DEFAULT_PAGE, MAX_PAGE

SIZE_ARGUMENTS = frozenset({"first"})
"""The arguments the estimate reads (the rest of a document is counted as written)."""
LIST_FACTOR = 10
LIST_SIZES = {"Query.organisations": 25, "Query.enumLabels": 150}


def estimate(operation: Operation) -> int:
    root = operation.root
    if root is None:
        return 0
    return _Estimate(operation).selection(operation.node.selection_set, root, None)


def is_connection(named: GraphQLObjectType) -> bool:
    return "edges" in named.fields and "pageInfo" in named.fields


def page_size(operation: Operation, field: Field) -> int:
    """The rows a connection field may return: its ``first``, clamped as pages are."""
    first = operation.int_argument(field.node, "first")
    return DEFAULT_PAGE if first is None else min(max(first, 0), MAX_PAGE)


class _Estimate:
    def __init__(self, operation: Operation) -> None:
        self.operation = operation
        self.known: dict[tuple[int, str, int | None], int] = {}

    def selection(
        self, selection_set: SelectionSetNode, parent: GraphQLObjectType, page: int | None
    ) -> int:
        """The cost of one selection, counted once; ``page`` sizes ``edges`` within it."""
        key = (id(selection_set), parent.name, page)
        if key not in self.known:
            self.known[key] = sum(
                self._size(field, page) * (1 + self._below(field))
                for field in self.operation.fields(selection_set, parent)
            )
        return self.known[key]

    def _below(self, field: Field) -> int:
        named = field.object_type
        if field.node.selection_set is None or named is None:
            return 0
        page = page_size(self.operation, field) if is_connection(named) else None
        return self.selection(field.node.selection_set, named, page)

    def _size(self, field: Field, page: int | None) -> int:
        kind = field.definition.type
        if isinstance(kind, GraphQLNonNull):
            kind = kind.of_type
        if not isinstance(kind, GraphQLList) or field.object_type is None:
            return 1
        if field.name == "edges" and page is not None:
            return page
        return LIST_SIZES.get(field.coordinate, LIST_FACTOR)
