"""Guarded fields: the ``@category`` directive, the decision taken once per object,
``redactions``, containers, and fields that name another row.

A guarded field is declared with its category (``guarded(DataCategory.PLAN)``) or, where
the row decides the category, with a function of the object (``guarded_by_row``). Its
value is shown only when the guard allows it; otherwise it resolves to ``null`` and
the object's ``redactions`` lists it.

The decision is taken once per object, when GraphQL execution reaches the object
(``GuardingExecutor``): the guard decides each *group* of the object's guarded fields
(the fields that share a category and an ownership; a decision has two: its main
category and its calculation's), records on the access log the decisions on the groups
the query selected, and leaves on the object the names of its withheld fields. A
guarded attribute is then read as a plain attribute (``GuardedField``), and a guarded
resolver (``Guarded``) looks up whether it is withheld. An object that execution
reaches without that decision answers no guarded field (an error, not a value).

A field that names another row (an id, a link) is given ``link``: it is disclosed only
when that row itself may be known of (``authz.rows``), else it is withheld as
``NOT_PERMITTED``.

A *container* (``container``) is an object with no category of its own whose fields are
guarded one by one: it is present when one of its fields is knowable, and otherwise
``null`` and left out of its parent's ``redactions``, as a list leaves out a row.
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import strawberry
from graphql import GraphQLObjectType
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.annotation import StrawberryAnnotation
from strawberry.extensions import FieldExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema_directive import Location
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField

from authz.basis import RedactionReason
from authz.guard import ClientAccess, Decision, Guard
from authz.principal import Principal
from authz.rows import NAMES_UNKNOWN_ROW, RowRule
from ledger.state import RowRef
from schema.enums import DataCategory


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="category",
    description="The data category that decides whether this field may be seen.",
)
class Category:
    name: DataCategory


@dataclass(frozen=True)
class Scope:
    """Where an object stands for the asking principal: its client's access, whether the
    row is the principal's organisation's own, and the row a prohibition may name."""

    access: ClientAccess
    own: bool | None = None
    row: RowRef | None = None

    @classmethod
    def of(cls, rule: RowRule, row: Any, access: ClientAccess, principal: Principal) -> "Scope":
        """The scope of a row, by its type's rules."""
        return cls(access, own=rule.own(row, principal, access), row=rule.ref(row))


CategoryOf = Callable[[Any], DataCategory]
F = TypeVar("F", bound=Callable[..., Any])
OwnOf = Callable[[Any, Principal], bool]
Link = Callable[[Any, strawberry.Info], bool | Awaitable[bool]]
"""Whether the row a field names may be known of (``True`` when it names none): at once
when that needs no read, else awaitable (the row is read through a loader)."""


def foreign_key(rule: RowRule, column: str) -> Link:
    """The link of a field naming the row of ``rule``'s type whose id the object's row
    holds in ``column``: a foreign key, so the row exists (``knowable_row``)."""

    def known(obj: Any, info: strawberry.Info) -> bool | Awaitable[bool]:
        key = getattr(obj.row, column)
        return knowable_row(info, obj.scope.access, rule, key, referenced=True)

    return known


async def _known(answer: bool | Awaitable[bool]) -> bool:
    return answer if isinstance(answer, bool) else await answer


WITHHELD = "_infocap_withheld"
"""The attribute holding, once the object's decision is taken, its withheld fields'
Python names."""


def withheld(obj: Any) -> frozenset[str]:
    """The object's withheld fields; an error if its decision was never taken."""
    found: frozenset[str] | None = getattr(obj, WITHHELD, None)
    if found is None:
        raise RuntimeError(f"a {type(obj).__name__} was read before its access was decided")
    return found


class Guarded(FieldExtension):
    """Marks a guarded field, with its category (or a function of the object giving it),
    an ownership that overrides the object's where one object holds fields of several
    owners (a client's plan is its organiser's, its applications Kela's), and a ``link``
    that withholds a field naming a row the caller may not know of.

    The decision itself is taken for the whole object (see the module's docstring); a
    guarded resolver asks only whether its field is withheld."""

    def __init__(
        self,
        category: DataCategory | CategoryOf,
        own: OwnOf | None = None,
        link: Link | None = None,
    ) -> None:
        self._category = category
        self._own = own
        self.link = link
        self.name = ""

    def apply(self, field: StrawberryField) -> None:
        self.name = field.python_name

    def category_for(self, source: Any) -> DataCategory:
        return (
            self._category if isinstance(self._category, DataCategory) else self._category(source)
        )

    def decide(self, source: Any, guard: Guard) -> Decision:
        scope: Scope = source.scope
        own = scope.own if self._own is None else self._own(source, guard.principal)
        return guard.decide(scope.access, self.category_for(source), own=own, row=scope.row)

    def resolve(
        self, next_: Callable[..., Any], source: Any, info: strawberry.Info, **kwargs: Any
    ) -> Any:
        if self.link is not None:
            raise TypeError("a field that names another row is resolved asynchronously")
        return None if self.name in withheld(source) else next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: Callable[..., Any], source: Any, info: strawberry.Info, **kwargs: Any
    ) -> Any:
        if self.name in withheld(source):
            return None
        if self.link is not None and not await _known(self.link(source, info)):
            return None
        return await next_(source, info, **kwargs)


class GuardedField(StrawberryField):
    """A guarded field held as an attribute: read as a plain attribute once the object's
    decision is taken (no resolver, no per-field extension at run time)."""

    @property
    def is_basic_field(self) -> bool:
        return self.base_resolver is None

    def get_result(
        self, source: Any, info: strawberry.Info | None, args: list[Any], kwargs: Any
    ) -> Any:
        if self.base_resolver is not None:
            return super().get_result(source, info, args, kwargs)
        name = self.python_name
        return None if name in withheld(source) else getattr(source, name)


def _guarded_field(
    extension: Guarded,
    *,
    description: str | None,
    category: DataCategory | None,
    attribute: bool = False,
    graphql_type: Any = None,
) -> Any:
    """A guarded field: an attribute (default ``None``), or a resolver to decorate (of
    ``graphql_type`` when the resolver may answer later: ``graph.types.later``)."""
    directives = [] if category is None else [Category(name=category)]
    if attribute:
        return GuardedField(
            description=description, directives=directives, extensions=[extension], default=None
        )
    annotation = None if graphql_type is None else StrawberryAnnotation(graphql_type)
    return GuardedField(
        description=description,
        directives=directives,
        extensions=[extension],
        type_annotation=annotation,
    )


def guarded(category: DataCategory, *, description: str | None = None) -> Any:
    """A field of a fixed category, shown in the SDL as ``@category(name: …)``.

    Used as a default (``name: str | None = guarded(IDENTITY)``)."""
    return _guarded_field(
        Guarded(category), description=description, category=category, attribute=True
    )


def guarded_by_row(category: CategoryOf, *, description: str | None = None) -> Any:
    """A field whose category the row decides (decisions, attachments)."""
    return _guarded_field(Guarded(category), description=description, category=None, attribute=True)


def guarded_resolver(
    category: DataCategory,
    *,
    description: str | None = None,
    own: OwnOf | None = None,
    link: Link | None = None,
) -> Callable[[F], F]:
    """A decorator for a resolver method of a fixed category (async if it has a ``link``)."""
    field = _guarded_field(Guarded(category, own, link), description=description, category=category)
    return cast(Callable[[F], F], field)


def guarded_resolver_by_row(
    category: CategoryOf,
    *,
    description: str | None = None,
    link: Link | None = None,
    graphql_type: Any = None,
) -> Callable[[F], F]:
    """A decorator for a resolver method whose category the row decides."""
    field = _guarded_field(
        Guarded(category, link=link),
        description=description,
        category=None,
        graphql_type=graphql_type,
    )
    return cast(Callable[[F], F], field)


def resolver_field(*, description: str | None = None) -> Callable[[F], F]:
    """A decorator for an unguarded resolver method (a list whose rows guard themselves)."""
    return cast(Callable[[F], F], strawberry.field(description=description))


# ---- the decision on an object -------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    """Guarded fields of one type that are decided alike: the same category (or function
    of the object) and the same ownership."""

    guard: Guarded
    """The first of the group's fields (they all ask the same)."""
    names: frozenset[str]
    """The group's fields' Python names."""


@dataclass(frozen=True)
class _Fields:
    guarded: tuple[tuple[str, Guarded], ...]
    """(GraphQL name, guard) of every guarded field, in the type's order."""
    containers: tuple[str, ...]
    """Python names of the container fields held as attributes (not resolvers)."""
    groups: tuple[_Group, ...]
    group_of: dict[str, int]
    """The group of each guarded field, by GraphQL name."""


_FIELDS: dict[type, _Fields | None] = {}


def _fields(cls: type) -> _Fields:
    found = _guarded_fields(cls)
    if found is None:
        raise TypeError(f"{cls.__name__} has no guarded fields")
    return found


def _guarded_fields(cls: type) -> _Fields | None:
    """The guarded and container fields of a type (computed once per type); None for a
    type with no guarded field."""
    if cls in _FIELDS:
        return _FIELDS[cls]
    definition = get_object_definition(cls)
    guarded_fields: list[tuple[str, Guarded]] = []
    python_names: dict[str, str] = {}
    containers: list[str] = []
    for field in definition.fields if definition is not None else ():
        for extension in field.extensions:
            if isinstance(extension, Guarded):
                guarded_fields.append((_graphql_name(field), extension))
                python_names[_graphql_name(field)] = field.python_name
            elif isinstance(extension, Container) and field.base_resolver is None:
                containers.append(field.python_name)
    keys: dict[tuple[object, object], int] = {}
    members: list[tuple[Guarded, list[str]]] = []
    group_of: dict[str, int] = {}
    for name, extension in guarded_fields:
        key = (extension._category, extension._own)
        if key not in keys:
            keys[key] = len(members)
            members.append((extension, []))
        members[keys[key]][1].append(python_names[name])
        group_of[name] = keys[key]
    groups = tuple(_Group(first, frozenset(names)) for first, names in members)
    _FIELDS[cls] = (
        _Fields(tuple(guarded_fields), tuple(containers), groups, group_of)
        if guarded_fields
        else None
    )
    return _FIELDS[cls]


def _graphql_name(field: StrawberryField) -> str:
    if field.graphql_name:
        return field.graphql_name
    head, *rest = field.python_name.split("_")
    return head + "".join(part.title() for part in rest)


_NOTHING: frozenset[str] = frozenset()


def decide(obj: Any, guard: Guard, selected: tuple[int, ...]) -> None:
    """Take the object's decision: decide each group of its guarded fields, record those
    of the ``selected`` groups (the query asks for their fields), and leave the withheld
    fields' names on the object."""
    fields = _fields(type(obj))
    denied: set[str] | None = None
    for index, group in enumerate(fields.groups):
        extension = group.guard
        decision = extension.decide(obj, guard)
        if index in selected:
            guard.record_read(obj.scope.access, extension.category_for(obj), decision)
        if not decision.allowed:
            denied = set(group.names) if denied is None else denied | group.names
    setattr(obj, WITHHELD, _NOTHING if denied is None else frozenset(denied))


class GuardingExecutor(StrawberryGraphQLCoreExecutionContext):
    """GraphQL execution that takes each guarded object's decision (``decide``) before
    its fields execute, once per object, for the fields the query selects on it."""

    def collect_and_execute_subfields(
        self,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        fields = _guarded_fields(type(result))
        if fields is not None:
            grouped = self.collect_subfields(return_type, field_details_list)[0]
            selected = self._selected(fields, grouped)
            decide(result, self.context_value.guard, selected)
        return super().collect_and_execute_subfields(
            return_type, field_details_list, path, result, position_context
        )

    def _selected(self, fields: _Fields, grouped: dict[str, FieldDetailsList]) -> tuple[int, ...]:
        """The groups whose fields a selection asks for (memoised per selection, which
        graphql-core memoises per field and type)."""
        memo: dict[int, tuple[Any, tuple[int, ...]]] = self.__dict__.setdefault(
            "_infocap_selected", {}
        )
        found = memo.get(id(grouped))
        if found is None:
            names = {details[0].node.name.value for details in grouped.values()}
            groups = tuple(sorted({fields.group_of[n] for n in names if n in fields.group_of}))
            found = memo[id(grouped)] = (grouped, groups)
        return found[1]


# ---- rows named by other rows ------------------------------------------------------------


def knowable_row(
    info: strawberry.Info,
    access: ClientAccess,
    rule: RowRule,
    key: uuid.UUID | None,
    *,
    referenced: bool = False,
) -> bool | Awaitable[bool]:
    """The row ``key`` of ``rule``'s type may be known of by the caller (no row named:
    nothing to withhold). Rows come through a loader, a query per type per request. At
    once, with no read, when the key is a foreign key (``referenced``: the row exists)
    and the rule needs nothing else of the row (``RowRule.by_reference``)."""
    if key is None:
        return True
    if referenced and rule.by_reference:
        return rule.knowable_by_reference(info.context.guard, access)
    return _knowable_read(info, access, rule, key)


async def _knowable_read(
    info: strawberry.Info, access: ClientAccess, rule: RowRule, key: uuid.UUID
) -> bool:
    row = await info.context.loaders.row(rule.model).load((access.facts.client_id, key))
    return row is not None and rule.knowable(info.context.guard, access, row)


# ---- containers --------------------------------------------------------------------------


class Container(FieldExtension):
    """A container is present only when one of its fields is knowable; otherwise it is
    ``null``, and what would have been asked of it is on the access log as denied."""

    def resolve(
        self, next_: Callable[..., Any], source: Any, info: strawberry.Info, **kwargs: Any
    ) -> Any:
        return _contained(next_(source, info, **kwargs), info)

    async def resolve_async(
        self, next_: Callable[..., Any], source: Any, info: strawberry.Info, **kwargs: Any
    ) -> Any:
        return _contained(await next_(source, info, **kwargs), info)


def _contained(value: Any, info: strawberry.Info) -> Any:
    if value is None or shown(value, info):
        return value
    _record_denials(value, info.context.guard)
    return None


def container(*, description: str | None = None) -> Any:
    """A container field held as an attribute."""
    return strawberry.field(description=description, default=None, extensions=[Container()])


def container_resolver(*, description: str | None = None) -> Callable[[F], F]:
    """A decorator for a resolver method that answers a container."""
    field = strawberry.field(description=description, extensions=[Container()])
    return cast(Callable[[F], F], field)


def shown(obj: Any, info: strawberry.Info) -> bool:
    """A container is shown when one of its guarded fields, or of its containers', is
    knowable."""
    return _shown(obj, info.context.guard)


def _shown(obj: Any, guard: Guard) -> bool:
    fields = _fields(type(obj))
    return any(g.guard.decide(obj, guard).knowable for g in fields.groups) or any(
        child is not None and _shown(child, guard)
        for child in (getattr(obj, name) for name in fields.containers)
    )


def _record_denials(obj: Any, guard: Guard) -> None:
    fields = _fields(type(obj))
    for group in fields.groups:
        extension = group.guard
        guard.record_read(
            obj.scope.access, extension.category_for(obj), extension.decide(obj, guard)
        )
    for name in fields.containers:
        child = getattr(obj, name)
        if child is not None:
            _record_denials(child, guard)


# ---- redactions --------------------------------------------------------------------------


@strawberry.type(description="A field the caller may not see, its category and why.")
class Redaction:
    field: str
    category: DataCategory
    reason: RedactionReason


Found = tuple[str, Guarded, Decision, Awaitable[bool] | None]


def redactions(root: Any, info: strawberry.Info) -> list[Redaction] | Awaitable[list[Redaction]]:
    """The object's withheld fields, whether or not the query asked for them: those the
    policy denies, and those naming a row the caller may not know of. At once unless a
    named row must be read."""
    guard: Guard = info.context.guard
    fields = _fields(type(root))
    decisions = [g.guard.decide(root, guard) for g in fields.groups]
    found: list[Found] = []
    reading = False
    for name, extension in fields.guarded:
        decision = decisions[fields.group_of[name]]
        pending = None
        if decision.allowed and extension.link is not None:
            known = extension.link(root, info)
            if isinstance(known, bool):
                decision = decision if known else NAMES_UNKNOWN_ROW
            else:
                pending, reading = known, True
        found.append((name, extension, decision, pending))
    return _read(root, found) if reading else _listed(root, found)


async def _read(root: Any, found: list[Found]) -> list[Redaction]:
    answered: list[Found] = []
    for name, extension, decision, pending in found:
        if pending is not None and not await pending:
            decision = NAMES_UNKNOWN_ROW
        answered.append((name, extension, decision, None))
    return _listed(root, answered)


def _listed(root: Any, found: list[Found]) -> list[Redaction]:
    return [
        Redaction(field=name, category=extension.category_for(root), reason=decision.redaction)
        for name, extension, decision, _ in found
        if not decision.allowed
    ]


def redactions_field() -> Any:
    return strawberry.field(
        resolver=redactions,
        graphql_type=list[Redaction],
        description="The fields of this object the caller may not see, and why. Unguarded.",
    )
