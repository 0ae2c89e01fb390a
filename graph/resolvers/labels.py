from typing import Annotated

import strawberry

from graph.errors import BadUserInput
from graph.labels import LABELS
from graph.types.label import EnumLabel


def enum_labels(
    enums: Annotated[
        list[str] | None,
        strawberry.argument(
            description='Only these enums, by name (e.g. ["NoticeType", "NoticeStatus"]); '
            "all of them when not given. An unknown name is BAD_USER_INPUT."
        ),
    ] = None,
) -> list[EnumLabel]:
    """Every value of the asked enums with its Finnish and Swedish label, enum by enum in
    alphabetical order, values in the schema's order."""
    names = sorted(LABELS) if enums is None else enums
    unknown = [n for n in names if n not in LABELS]
    if unknown:
        raise BadUserInput(f"no such enum: {', '.join(unknown)}")
    return [
        EnumLabel(enum=name, value=value, fi=fi, sv=sv)
        for name in names
        for value, (fi, sv) in LABELS[name].items()
    ]
