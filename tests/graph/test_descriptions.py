"""Every type, field, argument and enum value of the SDL has a description (issue 7,
item 6): what a front-end developer needs to use it, walked over the built schema."""

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    specified_directives,
    specified_scalar_types,
)

from graph.descriptions import catalogue, coordinates
from graph.schema import build_schema

SCHEMA = build_schema()._schema


def undescribed(schema: GraphQLSchema) -> list[str]:
    missing: list[str] = []

    def need(coordinate: str, description: str | None) -> None:
        if not (description or "").strip():
            missing.append(coordinate)

    for name, kind in sorted(schema.type_map.items()):
        if name.startswith("__") or name in specified_scalar_types:
            continue
        need(name, kind.description)
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in kind.fields.items():
                need(f"{name}.{field_name}", field.description)
                for arg_name, arg in field.args.items():
                    need(f"{name}.{field_name}({arg_name})", arg.description)
        elif isinstance(kind, GraphQLInputObjectType):
            for field_name, field in kind.fields.items():
                need(f"{name}.{field_name}", field.description)
        elif isinstance(kind, GraphQLEnumType):
            for value_name, value in kind.values.items():
                need(f"{name}.{value_name}", value.description)
        else:
            assert isinstance(kind, GraphQLScalarType | GraphQLUnionType), name
    for directive in schema.directives:
        if directive not in specified_directives:
            # Its argument stays undescribed: the contract prints the directive on one line.
            need(f"@{directive.name}", directive.description)
    return missing


def test_everything_in_the_sdl_is_described():
    missing = undescribed(SCHEMA)
    assert not missing, f"{len(missing)} without a description:\n" + "\n".join(missing)


def test_the_walk_finds_what_is_missing():
    from graphql import build_schema as parse_sdl

    bare = parse_sdl('"A" type Query { "b" b(c: Int): E } enum E { X "y" Y } scalar S')
    assert undescribed(bare) == ["E", "E.X", "Query.b(c)", "S"]


def test_every_catalogue_entry_describes_something_the_code_does_not():
    """``graph/descriptions.py`` fills in only what the code leaves undescribed: an entry
    that names nothing, or that the code's own description shadows, is stale."""
    found = dict(coordinates(SCHEMA))
    entries = catalogue()
    stale = [key for key in entries if key not in found]
    assert not stale, stale
    shadowed = [key for key, text in entries.items() if found[key].description != text]
    assert not shadowed, shadowed


def test_the_published_sdl_carries_the_descriptions():
    from pathlib import Path

    published = (Path(__file__).parents[2] / "schema" / "schema.graphql").read_text("utf-8")
    assert '"""Opened by the recipient."""' in published
    assert "A page of Decision rows" in published
