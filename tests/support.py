"""Test helpers: signing keys and tokens, principals, and ways to run GraphQL."""

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from starlette.applications import Starlette

from authz.principal import Principal
from graph.context import Context
from schema.enums import OrganisationType, Role

ISSUER = "https://idp.infocap.test"
AUDIENCE = "infocap"


@dataclass
class Keys:
    rsa: rsa.RSAPrivateKey
    ec: ec.EllipticCurvePrivateKey
    jwks_path: Path

    @classmethod
    def create(cls, directory: Path) -> "Keys":
        keys = cls(
            rsa.generate_private_key(public_exponent=65537, key_size=2048),
            ec.generate_private_key(ec.SECP256R1()),
            directory / "jwks.json",
        )
        keys.jwks_path.write_text(json.dumps(keys.jwks()))
        return keys

    def jwks(self) -> dict[str, Any]:
        rsa_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.rsa.public_key()))
        ec_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.ec.public_key()))
        return {
            "keys": [
                rsa_jwk | {"kid": "rsa-1", "alg": "RS256", "use": "sig"},
                ec_jwk | {"kid": "ec-1", "alg": "ES256", "use": "sig"},
            ]
        }

    def sign(
        self,
        claims: dict[str, Any],
        *,
        algorithm: str = "RS256",
        kid: str | None = None,
        key: Any = None,
    ) -> str:
        if key is None:
            key = self.rsa if algorithm.startswith("RS") else self.ec
        if kid is None:
            kid = "rsa-1" if algorithm.startswith("RS") else "ec-1"
        return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid})


def claims(
    roles: str | list[str],
    *,
    org: str | None = None,
    person: str | None = None,
    sub: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    now = int(time.time())
    body: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 600,
        "sub": sub or f"user-{uuid.uuid4().hex[:8]}",
        "roles": [roles] if isinstance(roles, str) else roles,
        "azp": "test-system",
        "name": "Test Person",
    }
    if org is not None:
        body["org"] = org
    if person is not None:
        body["person"] = person
    return body | extra


ORG_TYPES = {"kela": OrganisationType.KELA, "helsinki": OrganisationType.MUNICIPALITY}


def principal(
    role: Role | str, org: str | None = None, person: str | None = None, name: str = "Test Person"
) -> Principal:
    role = Role(role)
    org_type = None if org is None else ORG_TYPES.get(org, OrganisationType.WELLBEING_COUNTY)
    return Principal(
        subject=f"{role.value}@{org or person}",
        roles=frozenset({role}),
        organisation_id=org,
        organisation_type=org_type,
        person=person,
        azp="test-system",
        name=name,
    )


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Api:
    """GraphQL through ``schema.execute`` as a given principal (one unit of work each)."""

    def __init__(self, app: Starlette) -> None:
        self.app = app

    @property
    def runtime(self) -> Any:
        return self.app.state.runtime

    async def run(self, who: Principal, query: str, **variables: Any) -> dict[str, Any]:
        ctx = Context.open(self.runtime, who)
        result = await self.app.state.schema.execute(
            query, variable_values=variables, context_value=ctx
        )
        out: dict[str, Any] = {"data": result.data}
        if result.errors:
            out["errors"] = [
                {"message": e.message, "code": (e.extensions or {}).get("code"), "path": e.path}
                for e in result.errors
            ]
        return out

    async def ok(self, who: Principal, query: str, **variables: Any) -> dict[str, Any]:
        out = await self.run(who, query, **variables)
        assert "errors" not in out, out
        data: dict[str, Any] = out["data"]
        assert data is not None
        return data

    async def fails(
        self, who: Principal, query: str, code: str, **variables: Any
    ) -> dict[str, Any]:
        out = await self.run(who, query, **variables)
        codes = [e["code"] for e in out.get("errors", [])]
        assert code in codes, out
        return out


class Http:
    """GraphQL over HTTP with real signed tokens."""

    def __init__(self, client: httpx.AsyncClient, keys: Keys) -> None:
        self.client = client
        self.keys = keys

    def token(self, roles: str | list[str], **kwargs: Any) -> str:
        return self.keys.sign(claims(roles, **kwargs))

    async def post(
        self, query: str, token: str | None, variables: dict[str, Any] | None = None
    ) -> httpx.Response:
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        return await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def upload(
        self,
        token: str,
        data: dict[str, Any],
        filename: str,
        content: bytes,
        content_type: str = "application/pdf",
        fields: str = "id",
    ) -> httpx.Response:
        """``uploadAttachment`` as the GraphQL multipart request spec sends it."""
        query = (
            "mutation($input: AttachmentInput!, $file: Upload!) "
            f"{{ uploadAttachment(input: $input, file: $file) {{ {fields} }} }}"
        )
        operations = {"query": query, "variables": {"input": data, "file": None}}
        return await self.client.post(
            "/graphql",
            headers={"Authorization": f"Bearer {token}"},
            data={
                "operations": json.dumps(operations),
                "map": json.dumps({"0": ["variables.file"]}),
            },
            files={"0": (filename, content, content_type)},
        )

    async def ok(self, query: str, token: str, **variables: Any) -> dict[str, Any]:
        response = await self.post(query, token, variables)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data
