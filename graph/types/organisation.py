import strawberry

from graph.organisations import OrganisationRecord
from schema.enums import OrganisationType


@strawberry.type(description="Kela, or a social-services organiser. Reference data; unguarded.")
class Organisation:
    id: strawberry.ID
    type: OrganisationType
    name_fi: str
    name_sv: str

    @classmethod
    def from_record(cls, record: OrganisationRecord) -> "Organisation":
        return cls(
            id=strawberry.ID(record.id),
            type=record.type,
            name_fi=record.name_fi,
            name_sv=record.name_sv,
        )
