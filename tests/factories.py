"""Typed factories: data made through the API, as callers make it."""

from datetime import date, timedelta
from typing import Any

from authz.principal import Principal
from graph.domain.personal_id import make
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
    } | fields
    out = await api.ok(who, REGISTER, input=data)
    return str(out["registerClient"]["id"])


def client_principal(pid: str) -> Principal:
    return principal("client", person=pid)


def guardian_principal(pid: str) -> Principal:
    return principal("guardian", person=pid)
