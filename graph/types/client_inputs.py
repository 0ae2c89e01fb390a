from datetime import date

import strawberry

from graph.types.contact import ContactPersonInput
from schema.enums import GuardianshipKind, Language


@strawberry.input
class DigitalProfileInput:
    has_equipment: bool
    has_skills: bool


@strawberry.input(
    description="Registers a client; for a code that already is a client, opens the caller's "
    "organisation's client relationship with them instead (nothing of theirs is overwritten). "
    "The answer is the same either way."
)
class RegisterClientInput:
    personal_id: str
    name: str
    language: Language
    organiser_id: strawberry.ID
    purpose: str = strawberry.field(
        description="Why the client is registered, or the relationship opened: on record."
    )
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    protected_identity: bool = False
    digital_profile: DigitalProfileInput | None = None
    immigrant: bool = strawberry.field(
        default=False,
        description="Arrived in Finland as an immigrant: the long-term-recipient notice "
        "comes after 2 months of basic assistance instead of 4 or 12.",
    )


@strawberry.input(description="Fields left out stay as they are.")
class UpdateClientInput:
    name: str | None = None
    language: Language | None = None
    organiser_id: strawberry.ID | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    protected_identity: bool | None = None
    immigrant: bool | None = None
    digital_profile: DigitalProfileInput | None = None
    contact_person: ContactPersonInput | None = strawberry.field(
        default=None, description="The caller's organisation's counterpart for the client."
    )


@strawberry.input
class GuardianshipInput:
    ward_id: strawberry.ID
    guardian_personal_id: str
    kind: GuardianshipKind
    valid_from: date | None = strawberry.field(default=None, description="Defaults to today.")
    valid_until: date | None = strawberry.field(
        default=None,
        description="The last day; for PARENT_OF_MINOR the day before the ward turns 18.",
    )
