"""``EnumLabel``: the Finnish and Swedish label of one enum value (``graph/labels.py``)."""

import strawberry


@strawberry.type(description="The Finnish and Swedish label of one enum value, for a UI to show.")
class EnumLabel:
    enum: str = strawberry.field(description="The enum's name in the schema, e.g. NoticeType.")
    value: str = strawberry.field(
        description="The value exactly as the API sends it, e.g. CONCERN_NOTICE."
    )
    fi: str = strawberry.field(description="The label in Finnish, e.g. Huoli-ilmoitus.")
    sv: str = strawberry.field(description="The label in Swedish, e.g. Anmälan om oro.")
