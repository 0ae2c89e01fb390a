"""The Keycloak realm export against what the service needs.

Keycloak cannot run here, so this test reads ``docker/keycloak/infocap-realm.json`` and
mints the access tokens its protocol mappers would: the same claim names and types
(``roles`` an array, ``org`` / ``person`` strings, ``azp`` the client id, the ``infocap``
audience, the issuer ``<KC_HOSTNAME>/realms/<realm>`` from the compose file), plus the
claims Keycloak adds on its own. It signs them with a test key in a JWKS and asks the
service, over HTTP, who the caller is. A mapper this interpreter does not know fails
the test: change the realm and the interpreter together.
"""

import json
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from authz.principal import misfitting_roles
from graph.app import create_app
from graph.domain.personal_id import parse
from graph.settings import Settings
from schema.enums import OrganisationType, Role
from tests.support import Clock, Keys

ROOT = Path(__file__).resolve().parents[2]
REALM = json.loads((ROOT / "docker" / "keycloak" / "infocap-realm.json").read_text("utf-8"))
COMPOSE = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text("utf-8"))
KEYCLOAK_ENV = COMPOSE["services"]["keycloak"]["environment"]
API_ENV = COMPOSE["services"]["api"]["environment"]
ISSUER = f"{KEYCLOAK_ENV['KC_HOSTNAME']}/realms/{REALM['realm']}"
ORGANISATIONS = {
    line.split(",")[0]: OrganisationType(line.split(",")[1])
    for line in (ROOT / "schema" / "data" / "organisations.csv").read_text("utf-8").splitlines()[1:]
    if line
}
KNOWN_MAPPERS = {
    "oidc-sub-mapper",
    "oidc-audience-mapper",
    "oidc-usermodel-client-role-mapper",
    "oidc-usermodel-attribute-mapper",
    "oidc-hardcoded-claim-mapper",
    "oidc-full-name-mapper",
}
ME = "{ me { subject name roles organisation { id } personalId system } }"


def client(client_id: str) -> dict[str, Any]:
    return next(c for c in REALM["clients"] if c["clientId"] == client_id)


def user(username: str) -> dict[str, Any]:
    return next(u for u in REALM["users"] if u["username"] == username)


def service_account(client_id: str) -> dict[str, Any]:
    return next(u for u in REALM["users"] if u.get("serviceAccountClientId") == client_id)


def typed(value: str, json_type: str) -> Any:
    assert json_type == "String", json_type
    return value


def mint(client_id: str, account: dict[str, Any], *, with_account_audience: bool) -> dict[str, Any]:
    """The access token Keycloak would issue ``account`` through ``client_id``."""
    now = int(time.time())
    claims: dict[str, Any] = {
        # What Keycloak puts in every access token, whatever the mappers.
        "exp": now + int(REALM["accessTokenLifespan"]),
        "iat": now,
        "jti": str(uuid.uuid4()),
        "iss": ISSUER,
        "typ": "Bearer",
        "azp": client_id,
        "sid": str(uuid.uuid4()),
        "acr": "1",
        "scope": "openid profile email",
        "realm_access": {"roles": ["default-roles-infocap", "offline_access"]},
        "allowed-origins": ["http://localhost:8000"],
    }
    audiences: list[str] = []
    for mapper in client(client_id)["protocolMappers"]:
        kind, config = mapper["protocolMapper"], mapper["config"]
        assert kind in KNOWN_MAPPERS, f"the test does not know mapper {kind}"
        if config.get("access.token.claim") != "true":
            continue
        if kind == "oidc-sub-mapper":
            claims["sub"] = account["id"]
        elif kind == "oidc-audience-mapper":
            audiences.append(config["included.client.audience"])
        elif kind == "oidc-usermodel-client-role-mapper":
            roles = account.get("clientRoles", {}).get(
                config["usermodel.clientRoleMapping.clientId"], []
            )
            assert config["multivalued"] == "true"
            claims[config["claim.name"]] = [typed(r, config["jsonType.label"]) for r in roles]
        elif kind == "oidc-usermodel-attribute-mapper":
            values = account.get("attributes", {}).get(config["user.attribute"])
            if values:
                assert config["multivalued"] == "false"
                claims[config["claim.name"]] = typed(values[0], config["jsonType.label"])
        elif kind == "oidc-hardcoded-claim-mapper":
            claims[config["claim.name"]] = typed(config["claim.value"], config["jsonType.label"])
        elif kind == "oidc-full-name-mapper" and account.get("firstName"):
            claims["name"] = f"{account['firstName']} {account['lastName']}"
    if with_account_audience:
        audiences.append("account")  # users holding the default account roles get it too
    claims["aud"] = audiences[0] if len(audiences) == 1 else audiences
    return claims


@pytest.fixture
async def http_app(database_url: str, keys: Keys, tmp_path: Path):
    settings = Settings(
        database_url=database_url,
        jwks_file=keys.jwks_path,
        jwt_issuer=API_ENV["INFOCAP_JWT_ISSUER"],
        jwt_audience=API_ENV["INFOCAP_JWT_AUDIENCE"],
        attachment_dir=tmp_path / "attachments",
    )
    app = create_app(settings, clock=Clock())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://infocap.test") as h:
            yield h


async def who(http: httpx.AsyncClient, keys: Keys, claims: dict[str, Any]) -> dict[str, Any]:
    response = await http.post(
        "/graphql",
        json={"query": ME},
        headers={"Authorization": f"Bearer {keys.sign(claims)}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    me: dict[str, Any] = body["data"]["me"]
    return me


def test_the_realm_defines_the_seven_roles_and_a_demo_user_each():
    defined = {r["name"] for r in REALM["roles"]["client"]["infocap"]}
    assert defined == {r.value for r in Role}
    people = [u for u in REALM["users"] if "serviceAccountClientId" not in u]
    held = sorted(role for u in people for role in u["clientRoles"]["infocap"])
    assert held == sorted(r.value for r in Role)


@pytest.mark.parametrize("username", [u["username"] for u in REALM["users"] if "firstName" in u])
def test_each_demo_user_fits_the_service(username):
    account = user(username)
    [role] = account["clientRoles"]["infocap"]
    attributes = account["attributes"]
    if role in ("client", "guardian"):
        parse(attributes["person"][0])  # a valid personal identity code
        assert "org" not in attributes
    else:
        org = attributes["org"][0]
        assert org in ORGANISATIONS
        assert misfitting_roles(frozenset({Role(role)}), ORGANISATIONS[org]) == []
    assert account["credentials"] == [
        {"type": "password", "value": "${INFOCAP_DEMO_PASSWORD}", "temporary": False}
    ]


@pytest.mark.parametrize("with_account_audience", [False, True], ids=["aud-string", "aud-array"])
@pytest.mark.parametrize("username", [u["username"] for u in REALM["users"] if "firstName" in u])
async def test_the_service_accepts_each_demo_users_token(
    http_app, keys, username, with_account_audience
):
    account = user(username)
    claims = mint("infocap-demo", account, with_account_audience=with_account_audience)
    assert isinstance(claims["roles"], list)
    me = await who(http_app, keys, claims)
    [role] = account["clientRoles"]["infocap"]
    assert me["subject"] == account["id"]
    assert me["roles"] == [role]
    assert me["system"] == "infocap-demo"
    assert me["name"] == f"{account['firstName']} {account['lastName']}"
    attributes = account["attributes"]
    if "org" in attributes:
        assert me["organisation"] == {"id": attributes["org"][0]}
        assert me["personalId"] is None
    else:
        assert me["organisation"] is None
        assert me["personalId"] == attributes["person"][0]


async def test_the_county_systems_client_credentials_token_is_accepted(http_app, keys):
    cms = client("pirkanmaa-cms")
    assert cms["serviceAccountsEnabled"] is True
    assert cms["publicClient"] is False
    assert cms["secret"] == "${INFOCAP_COUNTY_CLIENT_SECRET}"
    claims = mint("pirkanmaa-cms", service_account("pirkanmaa-cms"), with_account_audience=False)
    assert claims["aud"] == "infocap"
    me = await who(http_app, keys, claims)
    assert me["system"] == "pirkanmaa-cms"
    assert me["roles"] == ["social_worker"]
    assert me["organisation"] == {"id": "wc-pirkanmaa"}
    assert me["personalId"] is None


async def test_a_token_of_another_realm_or_without_the_audience_is_refused(http_app, keys):
    claims = mint("infocap-demo", user("kela-handler"), with_account_audience=False)
    for changed in (
        claims | {"iss": "http://localhost:8080/realms/master"},
        claims | {"aud": "account"},
    ):
        response = await http_app.post(
            "/graphql",
            json={"query": ME},
            headers={"Authorization": f"Bearer {keys.sign(changed)}"},
        )
        assert response.status_code == 401


def test_people_cannot_edit_the_attributes_that_make_their_claims():
    [provider] = REALM["components"]["org.keycloak.userprofile.UserProfileProvider"]
    profile = json.loads(provider["config"]["kc.user.profile.config"][0])
    attributes = {a["name"]: a for a in profile["attributes"]}
    for name in ("org", "person"):
        assert attributes[name]["permissions"]["edit"] == ["admin"]
