"""Guarded fields: the ``@category`` directive, the field extension that asks the guard,
and ``redactions``.

A guarded field is declared with its category (``guarded(DataCategory.PLAN)``) or, where
the row decides the category, with a function of the object (``guarded_by_row``). Its
value is computed only when the guard allows it; otherwise it resolves to ``null`` and
the object's ``redactions`` lists it.
"""

from collections.abc import Callable
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


CategoryOf = Callable[[Any], DataCategory]
F = TypeVar("F", bound=Callable[..., Any])
OwnOf = Callable[[Any, Principal], bool]


class Guarded(FieldExtension):
    """Asks the guard before the field resolves. ``own`` overrides the object's ownership
    where one object holds fields of several owners (a client's plan is its organiser's,
    its applications Kela's)."""

    def __init__(self, category: DataCategory | CategoryOf, own: OwnOf | None = None) -> None:
        self._category = category
        self._own = own

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

    def _allowed(self, source: Any, info: strawberry.Info) -> bool:
        return self._decision(source, info, record=True).allowed

    def resolve(
        self, next_: Callable[..., Any], source: Any, info: strawberry.Info, **kwargs: Any
    ) -> Any:
        return next_(source, info, **kwargs) if self._allowed(source, info) else None

    async def resolve_async(
        self, next_: Callable[..., Any], source: Any, info: strawberry.Info, **kwargs: Any
    ) -> Any:
        return await next_(source, info, **kwargs) if self._allowed(source, info) else None


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
    category: DataCategory, *, description: str | None = None, own: OwnOf | None = None
) -> Callable[[F], F]:
    """A decorator for a resolver method of a fixed category."""
    field = strawberry.field(
        description=description,
        directives=[Category(name=category)],
        extensions=[Guarded(category, own)],
    )
    return cast(Callable[[F], F], field)


def guarded_resolver_by_row(
    category: CategoryOf, *, description: str | None = None
) -> Callable[[F], F]:
    """A decorator for a resolver method whose category the row decides."""
    field = strawberry.field(description=description, extensions=[Guarded(category)])
    return cast(Callable[[F], F], field)


def resolver_field(*, description: str | None = None) -> Callable[[F], F]:
    """A decorator for an unguarded resolver method (a list whose rows guard themselves)."""
    return cast(Callable[[F], F], strawberry.field(description=description))


@strawberry.type(description="A field the caller may not see, its category and why.")
class Redaction:
    field: str
    category: DataCategory
    reason: RedactionReason


_GUARDED_FIELDS: dict[type, tuple[tuple[str, Guarded], ...]] = {}


def _guarded_fields(cls: type) -> tuple[tuple[str, Guarded], ...]:
    """The guarded fields of a type, by GraphQL name (computed once per type)."""
    if cls in _GUARDED_FIELDS:
        return _GUARDED_FIELDS[cls]
    definition = get_object_definition(cls, strict=True)
    found: list[tuple[str, Guarded]] = []
    for field in definition.fields:
        for extension in field.extensions:
            if isinstance(extension, Guarded):
                found.append((_graphql_name(field), extension))
    _GUARDED_FIELDS[cls] = tuple(found)
    return _GUARDED_FIELDS[cls]


def _graphql_name(field: StrawberryField) -> str:
    if field.graphql_name:
        return field.graphql_name
    head, *rest = field.python_name.split("_")
    return head + "".join(part.title() for part in rest)


def decisions_of(obj: Any, info: strawberry.Info) -> list[tuple[str, DataCategory, Decision]]:
    """Every guarded field of ``obj`` with its category and decision (nothing recorded)."""
    return [
        (name, extension.category_for(obj), extension.decide(obj, info))
        for name, extension in _guarded_fields(type(obj))
    ]


def redactions(root: Any, info: strawberry.Info) -> list[Redaction]:
    """The object's denied fields, whether or not the query asked for them."""
    return [
        Redaction(
            field=name, category=category, reason=decision.reason or RedactionReason.NOT_PERMITTED
        )
        for name, category, decision in decisions_of(root, info)
        if not decision.allowed
    ]


def all_not_permitted(obj: Any, info: strawberry.Info) -> bool:
    """A row whose every field would be ``NOT_PERMITTED`` is left out of its list."""
    return all(
        decision.reason == RedactionReason.NOT_PERMITTED
        for _, _, decision in decisions_of(obj, info)
    )


def redactions_field() -> Any:
    return strawberry.field(
        resolver=redactions,
        description="The fields of this object the caller may not see, and why. Unguarded.",
    )
