"""Reading a validated GraphQL document before it runs: the operation that will execute,
its fields with fragments expanded, and the values its arguments will take.

Pure: the cost estimate, the input limits and the rate limits read documents through
this module, before any resolver runs. Values are what the caller sent (literals, or
variables as decoded from JSON), not yet coerced.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
)


@dataclass(frozen=True)
class Field:
    """A field node, the type it is selected on, and its definition there."""

    node: FieldNode
    parent: GraphQLObjectType
    definition: GraphQLField

    @property
    def name(self) -> str:
        return self.node.name.value

    @property
    def coordinate(self) -> str:
        """``Type.field``, as the schema names it."""
        return f"{self.parent.name}.{self.name}"

    @property
    def object_type(self) -> GraphQLObjectType | None:
        """The object type the field's selection is read on, if it has one."""
        named = get_named_type(self.definition.type)
        return named if isinstance(named, GraphQLObjectType) else None


@dataclass(frozen=True)
class Operation:
    """The operation to execute, with what its fields need to be read."""

    schema: GraphQLSchema
    node: OperationDefinitionNode
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]

    @classmethod
    def find(
        cls,
        schema: GraphQLSchema,
        document: DocumentNode,
        name: str | None,
        variables: Mapping[str, Any] | None,
    ) -> "Operation | None":
        """The operation ``name`` names (or the only one); None when execution itself
        will refuse the document for naming none or an unknown one."""
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if name is None:
            chosen = operations[0] if len(operations) == 1 else None
        else:
            chosen = next((o for o in operations if o.name and o.name.value == name), None)
        if chosen is None:
            return None
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        return cls(schema, chosen, fragments, variables or {})

    @property
    def root(self) -> GraphQLObjectType | None:
        return self.schema.get_root_type(self.node.operation)

    def fields(self, selection_set: SelectionSetNode, parent: GraphQLObjectType) -> Iterator[Field]:
        """The fields of one level of a selection, fragments (named and inline) expanded.
        A named fragment spread twice in one level counts once, as execution merges it."""
        yield from self._fields(selection_set, parent, set())

    def _fields(
        self, selection_set: SelectionSetNode, parent: GraphQLObjectType, spread: set[str]
    ) -> Iterator[Field]:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                definition = parent.fields.get(selection.name.value)
                if definition is not None:  # __typename and introspection
                    yield Field(selection, parent, definition)
            elif isinstance(selection, InlineFragmentNode):
                on = self._condition(selection, parent)
                yield from self._fields(selection.selection_set, on, spread)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in spread:
                    spread.add(name)
                    on = self._condition(fragment, parent)
                    yield from self._fields(fragment.selection_set, on, spread)

    def every_field(self) -> Iterator[Field]:
        """Every field of the operation at every depth, each field node once."""
        root = self.root
        if root is None:
            return
        pending = [(self.node.selection_set, root)]
        seen: set[tuple[int, str]] = set()
        while pending:
            selection_set, parent = pending.pop()
            if (id(selection_set), parent.name) in seen:
                continue
            seen.add((id(selection_set), parent.name))
            for field in self.fields(selection_set, parent):
                yield field
                below = field.object_type
                if field.node.selection_set is not None and below is not None:
                    pending.append((field.node.selection_set, below))

    def _condition(
        self, fragment: InlineFragmentNode | FragmentDefinitionNode, parent: GraphQLObjectType
    ) -> GraphQLObjectType:
        if fragment.type_condition is None:
            return parent
        named = self.schema.get_type(fragment.type_condition.name.value)
        return named if isinstance(named, GraphQLObjectType) else parent

    def argument(self, field: FieldNode, name: str) -> Any:
        """An argument as sent: a literal's AST node, a variable's decoded JSON value (or
        its declared default's AST node), or None when absent."""
        node = next((a.value for a in field.arguments or () if a.name.value == name), None)
        return None if node is None else self.value(node)

    def value(self, node: ValueNode) -> Any:
        """A literal stays an AST node; a variable becomes what the caller sent for it."""
        if not isinstance(node, VariableNode):
            return node
        name = node.name.value
        if name in self.variables:
            return self.variables[name]
        definition = next(
            (d for d in self.node.variable_definitions or () if d.variable.name.value == name),
            None,
        )
        return None if definition is None else definition.default_value

    def int_argument(self, field: FieldNode, name: str) -> int | None:
        value = self.argument(field, name)
        if isinstance(value, IntValueNode):
            try:
                return int(value.value)
            except ValueError:
                return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return None
