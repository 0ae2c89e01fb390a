"""The organisations, held in memory: reference data that changes only by migration."""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from schema.enums import OrganisationType
from schema.models import Organisation


@dataclass(frozen=True)
class OrganisationRecord:
    id: str
    type: OrganisationType
    name_fi: str
    name_sv: str


class Organisations(Mapping[str, OrganisationRecord]):
    def __init__(self, records: Iterable[OrganisationRecord]) -> None:
        self._by_id = {r.id: r for r in records}

    def __getitem__(self, key: str) -> OrganisationRecord:
        return self._by_id[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def types(self) -> dict[str, OrganisationType]:
        return {r.id: r.type for r in self._by_id.values()}

    @property
    def kela(self) -> OrganisationRecord:
        return next(r for r in self._by_id.values() if r.type == OrganisationType.KELA)


async def load_organisations(session: AsyncSession) -> Organisations:
    rows = (await session.scalars(select(Organisation).order_by(Organisation.id))).all()
    return Organisations(OrganisationRecord(r.id, r.type, r.name_fi, r.name_sv) for r in rows)
