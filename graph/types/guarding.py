"""Guarded fields: the ``@category`` directive, the field extension that asks the guard,
``redactions``, containers, and fields that name another row.

A guarded field is declared with its category (``guarded(DataCategory.PLAN)``) or, where
the row decides the category, with a function of the object (``guarded_by_row``). Its
value is computed only when the guard allows it; otherwise it resolves to ``null`` and
the object's ``redactions`` lists it.

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
from strawberry.extensions import FieldExtension
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
Link = Callable[[Any, strawberry.Info], Awaitable[bool]]
"""Whether the row a field names may be known of (``True`` when it names none)."""


class Guarded(FieldExtension):
    """Asks the guard before the field resolves. ``own`` overrides the object's ownership
    where one object holds fields of several owners (a client's plan is its organiser's,
    its applications Kela's); ``link`` withholds a field that names a row the caller may
    not know of."""

    def __init__(
        self,
        category: DataCategory | CategoryOf,
        own: OwnOf | None = None,
        link: Link | None = None,
    ) -> None:
        self._category = category
        self._own = own
        self.link = link

    def category_for(self, source: Any) -> DataCategory:
        return (
            self._category if isinstance(self._category, DataCategory) else self._category(source)
        )

    def _decision(self, source: Any, info: strawberry.Info, *, record: bool) -> Decision:
        scope: Scope = source.scope
        guard: Guard = info.context.guard
        own = scope.own if self._own is None else self._own(source, guard.principal)
        ask = guard.check if record else guard.decide
        return ask(scope.access, self.category_for(source), own=own, row=scope.row)

    def decide(self, source: Any, info: strawberry.Info) -> Decision:
        return self._decision(source, info, record=False)

    def check(self, source: Any, info: strawberry.Info) -> Decision:
        """``decide``, recorded for the access log."""
        return self._decision(source, info, record=True)

    def resolve(
        self, next_: Callable[..., Any], source: Any, info: strawberry.Info, **kwargs: Any
    ) -> Any:
        if self.link is not None:
            raise TypeError("a field that names another row is resolved asynchronously")
        return next_(source, info, **kwargs) if self.check(source, info).allowed else None

    async def resolve_async(
        self, next_: Callable[..., Any], source: Any, info: strawberry.Info, **kwargs: Any
    ) -> Any:
        if not self.check(source, info).allowed:
            return None
        if self.link is not None and not await self.link(source, info):
            return None
        return await next_(source, info, **kwargs)


def guarded(category: DataCategory, *, description: str | None = None) -> Any:
    """A field of a fixed category, shown in the SDL as ``@category(name: …)``.

    Used as a default (``name: str | None = guarded(IDENTITY)``) or as a decorator on a
    resolver method."""
    return strawberry.field(
        description=description,
        default=None,
        directives=[Category(name=category)],
        extensions=[Guarded(category)],
    )


def guarded_by_row(category: CategoryOf, *, description: str | None = None) -> Any:
    """A field whose category the row decides (decisions, attachments)."""
    return strawberry.field(description=description, default=None, extensions=[Guarded(category)])


def guarded_resolver(
    category: DataCategory,
    *,
    description: str | None = None,
    own: OwnOf | None = None,
    link: Link | None = None,
) -> Callable[[F], F]:
    """A decorator for a resolver method of a fixed category (async if it has a ``link``)."""
    field = strawberry.field(
        description=description,
        directives=[Category(name=category)],
        extensions=[Guarded(category, own, link)],
    )
    return cast(Callable[[F], F], field)


def guarded_resolver_by_row(
    category: CategoryOf, *, description: str | None = None, link: Link | None = None
) -> Callable[[F], F]:
    """A decorator for a resolver method whose category the row decides."""
    field = strawberry.field(description=description, extensions=[Guarded(category, link=link)])
    return cast(Callable[[F], F], field)


def resolver_field(*, description: str | None = None) -> Callable[[F], F]:
    """A decorator for an unguarded resolver method (a list whose rows guard themselves)."""
    return cast(Callable[[F], F], strawberry.field(description=description))


# ---- rows named by other rows ------------------------------------------------------------


async def knowable_row(
    info: strawberry.Info, access: ClientAccess, rule: RowRule, key: uuid.UUID | None
) -> bool:
    """The row ``key`` of ``rule``'s type may be known of by the caller (no row named:
    nothing to withhold). Rows come through a loader, a query per type per request."""
    if key is None:
        return True
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
    _record_denials(value, info)
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
    fields = _fields(type(obj))
    return any(e.decide(obj, info).knowable for _, e in fields.guarded) or any(
        child is not None and shown(child, info)
        for child in (getattr(obj, name) for name in fields.containers)
    )


def _record_denials(obj: Any, info: strawberry.Info) -> None:
    fields = _fields(type(obj))
    for _, extension in fields.guarded:
        extension.check(obj, info)
    for name in fields.containers:
        child = getattr(obj, name)
        if child is not None:
            _record_denials(child, info)


# ---- redactions --------------------------------------------------------------------------


@strawberry.type(description="A field the caller may not see, its category and why.")
class Redaction:
    field: str
    category: DataCategory
    reason: RedactionReason


@dataclass(frozen=True)
class _Fields:
    guarded: tuple[tuple[str, Guarded], ...]
    """(GraphQL name, guard) of every guarded field."""
    containers: tuple[str, ...]
    """Python names of the container fields held as attributes (not resolvers)."""


_FIELDS: dict[type, _Fields] = {}


def _fields(cls: type) -> _Fields:
    """The guarded and container fields of a type (computed once per type)."""
    if cls in _FIELDS:
        return _FIELDS[cls]
    definition = get_object_definition(cls, strict=True)
    guarded_fields: list[tuple[str, Guarded]] = []
    containers: list[str] = []
    for field in definition.fields:
        for extension in field.extensions:
            if isinstance(extension, Guarded):
                guarded_fields.append((_graphql_name(field), extension))
            elif isinstance(extension, Container) and field.base_resolver is None:
                containers.append(field.python_name)
    _FIELDS[cls] = _Fields(tuple(guarded_fields), tuple(containers))
    return _FIELDS[cls]


def _graphql_name(field: StrawberryField) -> str:
    if field.graphql_name:
        return field.graphql_name
    head, *rest = field.python_name.split("_")
    return head + "".join(part.title() for part in rest)


async def redactions(root: Any, info: strawberry.Info) -> list[Redaction]:
    """The object's withheld fields, whether or not the query asked for them: those the
    policy denies, and those naming a row the caller may not know of."""
    found = []
    for name, extension in _fields(type(root)).guarded:
        decision = extension.decide(root, info)
        if decision.allowed and extension.link is not None and not await extension.link(root, info):
            decision = NAMES_UNKNOWN_ROW
        if not decision.allowed:
            found.append(
                Redaction(
                    field=name, category=extension.category_for(root), reason=decision.redaction
                )
            )
    return found


def redactions_field() -> Any:
    return strawberry.field(
        resolver=redactions,
        description="The fields of this object the caller may not see, and why. Unguarded.",
    )
