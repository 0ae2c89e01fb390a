import strawberry

from graph.organisations import Organisations
from graph.records import ContactPersonRecord
from graph.types.organisation import Organisation
from schema.models import ContactPerson as ContactPersonRow


@strawberry.type(description="A named counterpart for the client in one organisation.")
class ContactPerson:
    name: str
    title: str | None
    phone: str | None
    email: str | None
    organisation: Organisation | None

    @classmethod
    def from_row(
        cls, row: ContactPersonRecord | ContactPersonRow, organisations: Organisations
    ) -> "ContactPerson":
        return cls(
            name=row.name,
            title=row.title,
            phone=row.phone,
            email=row.email,
            organisation=Organisation.from_record(organisations[row.organisation_id]),
        )


@strawberry.input
class ContactPersonInput:
    name: str
    title: str | None = None
    phone: str | None = None
    email: str | None = None
