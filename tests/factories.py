"""Typed factories: data made through the API, as callers make it."""

import io
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import inspect, select, text
from starlette.datastructures import Headers, UploadFile

from authz.principal import Principal
from graph.domain.personal_id import make
from schema.db import make_sync_engine
from schema.enums import ConsentEventType, Language
from schema.models import Client, ConsentEvent
from schema.pii import CLIENT_CODE, DEVELOPMENT, Keyring
from tests.support import Api, principal

KELA_HANDLER = principal("kela_handler", "kela", name="Kaisa Käsittelijä")
KELA_ADVISOR = principal("kela_advisor", "kela", name="Pekka Neuvoja")
PIRKANMAA_WORKER = principal("social_worker", "wc-pirkanmaa", name="Sanna Sosiaalityöntekijä")
PIRKANMAA_COUNSELLOR = principal("social_counsellor", "wc-pirkanmaa", name="Olli Ohjaaja")
LAPPI_WORKER = principal("social_worker", "wc-lappi", name="Lauri Lappalainen")

_serial = iter(range(1, 10_000))


def personal_id(born: date | None = None) -> str:
    n = next(_serial)
    return make(born or date(1980, 1, 1) + timedelta(days=n), 900 + n % 100)


REGISTER = """
mutation($input: RegisterClientInput!) { registerClient(input: $input) { id } }
"""


async def register(api: Api, who: Principal = PIRKANMAA_WORKER, **fields: Any) -> str:
    data = {
        "personalId": fields.pop("personalId", None) or personal_id(),
        "name": "Aino Asiakas",
        "language": "FI",
        "organiserId": "wc-pirkanmaa",
        "address": "Hämeenkatu 1, Tampere",
        "phone": "+358 40 123 4567",
        "email": "aino@example.fi",
        "purpose": "Toimeentulotuen asiakkuus",
    } | fields
    out = await api.ok(who, REGISTER, input=data)
    return str(out["registerClient"]["id"])


def client_principal(pid: str) -> Principal:
    return principal("client", person=pid)


def guardian_principal(pid: str) -> Principal:
    return principal("guardian", person=pid)


SAVE_PLAN = """
mutation($clientId: ID!, $input: PlanInput!, $expected: Int) {
  savePlan(clientId: $clientId, input: $input, expectedVersion: $expected) { id version }
}
"""

PLAN_INPUT: dict[str, Any] = {
    "status": "ACTIVE",
    "lifeSituation": {
        "economy": {"summary": "Vuokrarästejä", "supportNeeded": True},
        "family": {"summary": "Asuu yksin", "supportNeeded": False},
        "health": {"summary": "Uniongelmia", "supportNeeded": True},
        "housing": {"summary": "Irtisanomisen uhka", "supportNeeded": True},
    },
    "goals": ["Maksusuunnitelma"],
    "measures": [{"description": "Velkaneuvonta", "responsibleOrganisationId": "wc-pirkanmaa"}],
}


async def save_plan(
    api: Api,
    client_id: str,
    who: Principal = PIRKANMAA_WORKER,
    expected: int | None = None,
    **changes: Any,
) -> dict[str, Any]:
    out = await api.ok(
        who, SAVE_PLAN, clientId=client_id, input=PLAN_INPUT | changes, expected=expected
    )
    return dict(out["savePlan"])


RECORD_DECISION = """
mutation($input: DecisionInput!) { recordDecision(input: $input) { id } }
"""


def decision_input(
    client_id: str, external_id: str, kind: str = "BASIC", **changes: Any
) -> dict[str, Any]:
    return {
        "clientId": client_id,
        "kind": kind,
        "externalId": external_id,
        "decidedAt": "2026-11-02T10:00:00Z",
        "outcome": "GRANTED",
        "totalAmountCents": 120_000,
        "periodStart": "2026-11-01",
        "periodEnd": "2026-11-30",
        "grounds": "Perusosa ja vuokra",
        "calculation": [
            {"type": "EXPENSE", "description": "Perusosa", "amountCents": 55_580},
            {"type": "EXPENSE", "description": "Vuokra", "amountCents": 64_420},
        ],
    } | changes


async def record_decision(
    api: Api, who: Principal, client_id: str, external_id: str, kind: str = "BASIC", **changes: Any
) -> str:
    out = await api.ok(
        who, RECORD_DECISION, input=decision_input(client_id, external_id, kind, **changes)
    )
    return str(out["recordDecision"]["id"])


SEND_NOTICE = """
mutation($input: NoticeInput!) { sendNotice(input: $input) { id status consentSeq dueAt } }
"""


async def send_notice(
    api: Api,
    who: Principal,
    client_id: str,
    recipient: str,
    type_: str = "CONCERN_NOTICE",
    external_id: str | None = None,
    **changes: Any,
) -> dict[str, Any]:
    data = {
        "clientId": client_id,
        "type": type_,
        "recipientId": recipient,
        "externalId": external_id or f"ext-{next(_serial)}",
        "detail": "Asiakas tarvitsee yhteydenoton.",
    } | changes
    out = await api.ok(who, SEND_NOTICE, input=data)
    return dict(out["sendNotice"])


GRANT = """
mutation($input: ConsentGrantInput!) { grantConsent(input: $input) { id seq type hash } }
"""
INFORMED = """
mutation($c: ID!) { recordInformed(clientId: $c, textVersion: "2026-1", channel: "kela.fi") { seq } }
"""


async def was_informed(api: Api, client_id: str) -> bool:
    async with api.runtime.sessions() as session:
        found = await session.scalar(
            select(ConsentEvent.seq).where(
                ConsentEvent.client_id == uuid.UUID(client_id),
                ConsentEvent.type == ConsentEventType.INFORMED,
            )
        )
    return found is not None


async def inform(api: Api, who: Principal, client_id: str) -> int:
    """The client was told how their data is shared (a grant needs this first)."""
    out = await api.ok(who, INFORMED, c=client_id)
    return int(out["recordInformed"]["seq"])


async def grant(
    api: Api,
    who: Principal,
    client_id: str,
    grantee: str,
    categories: list[str],
    **changes: Any,
) -> int:
    """A grant, preceded (the client's first time) by an INFORMED event recorded by ``who``."""
    if not await was_informed(api, client_id):
        await inform(api, who, client_id)
    data = {
        "clientId": client_id,
        "granteeId": grantee,
        "categories": categories,
        "purpose": "Toimeentulotuki",
    } | changes
    out = await api.ok(who, GRANT, input=data)
    return int(out["grantConsent"]["seq"])


RECORD_GUARDIANSHIP = """
mutation($input: GuardianshipInput!) { recordGuardianship(input: $input) { id kind validUntil } }
"""


async def record_guardianship(
    api: Api,
    ward_id: str,
    guardian_pid: str,
    kind: str,
    who: Principal = PIRKANMAA_WORKER,
    **changes: Any,
) -> dict[str, Any]:
    data = {"wardId": ward_id, "guardianPersonalId": guardian_pid, "kind": kind} | changes
    out = await api.ok(who, RECORD_GUARDIANSHIP, input=data)
    return dict(out["recordGuardianship"])


def client_row(
    client_id: uuid.UUID,
    at: datetime,
    name: str = "Åke Öberg",
    language: Language = Language.SV,
    pii: Keyring = DEVELOPMENT,
) -> Client:
    """A client row as storage-level tests insert it (give it a chain with ``start_chain``;
    ``pii``: the keyring of the service that will read it, if one will)."""
    code = client_id.hex[:11]
    return Client(
        id=client_id,
        personal_id_cipher=pii.encrypt(code, CLIENT_CODE),
        personal_id_hash=pii.lookup(code),
        name=name,
        language=language,
        organiser_id="wc-pirkanmaa",
        registered_at=at,
        registered_by_org="wc-pirkanmaa",
    )


UPLOAD = """
mutation($input: AttachmentInput!, $file: Upload!) { uploadAttachment(input: $input, file: $file) { id } }
"""


async def upload(
    api: Api,
    who: Principal,
    client_id: str,
    kind: str = "OTHER",
    filename: str = "suostumus.pdf",
    **links: Any,
) -> str:
    """An attachment, uploaded as the multipart request would hand it to the resolver."""
    content = b"%PDF-1.4 " + filename.encode() + uuid.uuid4().hex.encode()
    file = UploadFile(
        io.BytesIO(content),
        filename=filename,
        size=len(content),
        headers=Headers({"content-type": "application/pdf"}),
    )
    data = {"clientId": client_id, "kind": kind} | links
    out = await api.ok(who, UPLOAD, input=data, file=file)
    return str(out["uploadAttachment"]["id"])


def dump(database_url: str) -> str:
    """Every value of every table, as text: what a stolen dump would show."""
    engine = make_sync_engine(database_url)
    try:
        with engine.connect() as connection:
            values = []
            for table in inspect(connection).get_table_names():
                for row in connection.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608
                    values += [str(v) for v in row]
            return "\n".join(values)
    finally:
        engine.dispose()
