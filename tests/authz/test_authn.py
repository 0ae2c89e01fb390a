"""Bearer authentication end to end over HTTP, with real signed tokens (``docs/auth.md``).

Every refusal is answered before GraphQL runs: 401 with ``WWW-Authenticate: Bearer
error="invalid_token"`` and one UNAUTHENTICATED error, or 403 with one FORBIDDEN error
for roles that don't fit the organisation; no data, and nothing written.
"""

import base64
import contextlib
import dataclasses
import hashlib
import hmac
import json
import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import anyio
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy import func, select
from starlette.applications import Starlette

from authz.authn import CHECKS, Authenticator, StaticKeys
from graph.app import create_app
from graph.settings import DEMO_KID_PREFIX, Settings
from schema.models.client import Client
from tests.factories import personal_id
from tests.support import AUDIENCE, ISSUER, Clock, Http, Keys, claims

ME = "{ me { subject name roles organisation { id type } personalId system } }"
REGISTER = "mutation($input: RegisterClientInput!) { registerClient(input: $input) { id name } }"
CLIENTS = "{ clients { edges { node { id name } } } }"
INVALID_TOKEN = 'Bearer error="invalid_token"'
# authz/authn.py: JwksUrl's PyJWKClient(cooldown_duration=5) — no forced refetch sooner.
JWKS_REFETCH_COOLDOWN_SECONDS = 5

AuthorizationOf = Callable[[Keys], str | None]


# --- tokens ------------------------------------------------------------------------------


def worker(**extra: Any) -> dict[str, Any]:
    """Claims of a social worker of Pirkanmaa that register clients there."""
    return claims("social_worker", org="wc-pirkanmaa", **extra)


def bearer(token: str) -> str:
    return f"Bearer {token}"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64json(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def unsigned(body: dict[str, Any], kid: str = "rsa-1") -> str:
    """``alg: none`` with an empty signature, as an attacker writes it."""
    return f"{b64json({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{b64json(body)}."


def hs256_with_public_pem(keys: Keys, body: dict[str, Any]) -> str:
    """The key-confusion attack: HS256 with the RSA public key's PEM as the HMAC secret.

    Written by hand, since PyJWT refuses to use a PEM key as an HMAC secret."""
    secret = keys.rsa.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{b64json({'alg': 'HS256', 'typ': 'JWT', 'kid': 'rsa-1'})}.{b64json(body)}"
    signature = hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


@cache
def stranger_rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def tampered(keys: Keys) -> str:
    """A genuine signature over one payload, sent with another."""
    header, _, signature = keys.sign(worker()).split(".")
    return bearer(f"{header}.{b64json(claims('kela_handler', org='kela'))}.{signature}")


def without(name: str) -> AuthorizationOf:
    def make(keys: Keys) -> str:
        body = worker()
        del body[name]
        return bearer(keys.sign(body))

    return make


def signed(body: Callable[[], dict[str, Any]], **sign: Any) -> AuthorizationOf:
    return lambda keys: bearer(keys.sign(body(), **sign))


def now() -> int:
    return int(time.time())


UNAUTHENTICATED_CASES = [
    pytest.param(lambda keys: None, id="no-authorization-header"),
    pytest.param(lambda keys: "", id="empty-authorization-header"),
    pytest.param(
        lambda keys: "Basic " + base64.b64encode(b"worker:secret").decode(), id="basic-scheme"
    ),
    pytest.param(lambda keys: "Basic " + keys.sign(worker()), id="valid-token-under-basic-scheme"),
    pytest.param(lambda keys: keys.sign(worker()), id="token-without-scheme"),
    pytest.param(lambda keys: "Bearer ", id="bearer-without-token"),
    pytest.param(lambda keys: "Bearer not-a-jwt", id="malformed-not-a-jwt"),
    pytest.param(lambda keys: "Bearer a.b.c", id="malformed-three-garbage-parts"),
    pytest.param(
        lambda keys: bearer(keys.sign(worker())[:-12] + "AAAAAAAAAAAA"),
        id="tampered-signature",
    ),
    pytest.param(signed(lambda: worker(iat=now() - 3600, exp=now() - 60)), id="expired-60s-ago"),
    pytest.param(
        signed(lambda: worker(iat=now() - 3600, exp=now() - 31 - 5)),
        id="expired-just-beyond-leeway",
    ),
    pytest.param(signed(lambda: worker(iat=now() + 120)), id="iat-in-the-future"),
    pytest.param(signed(lambda: worker(nbf=now() + 120)), id="nbf-in-the-future"),
    pytest.param(signed(worker, key=stranger_rsa()), id="wrong-signature-same-kid"),
    pytest.param(tampered, id="tampered-payload"),
    pytest.param(signed(worker, algorithm="ES256", kid="rsa-1"), id="ec-signature-under-rsa-kid"),
    pytest.param(signed(worker, kid="rsa-unknown"), id="unknown-kid"),
    pytest.param(
        signed(worker, key=stranger_rsa(), kid="rsa-unknown"), id="unknown-kid-unknown-key"
    ),
    pytest.param(signed(worker, algorithm="RS512"), id="algorithm-not-configured-rs512"),
    pytest.param(signed(lambda: worker(iss="https://evil.example")), id="wrong-issuer"),
    pytest.param(signed(lambda: worker(aud="someone-else")), id="wrong-audience"),
    pytest.param(signed(lambda: worker(aud=["someone-else", "other"])), id="wrong-audiences"),
    pytest.param(lambda keys: bearer(unsigned(worker())), id="alg-none"),
    pytest.param(
        lambda keys: bearer(hs256_with_public_pem(keys, worker())),
        id="hs256-with-rsa-public-pem-key-confusion",
    ),
    *[
        pytest.param(without(name), id=f"missing-{name}")
        for name in ("iss", "aud", "exp", "iat", "sub", "roles")
    ],
    pytest.param(signed(lambda: worker() | {"sub": ""}), id="empty-sub"),
    pytest.param(signed(lambda: worker() | {"roles": "social_worker"}), id="roles-a-string"),
    pytest.param(
        signed(lambda: worker() | {"roles": {"social_worker": True}}), id="roles-an-object"
    ),
    pytest.param(signed(lambda: worker() | {"roles": ["social_worker", 7]}), id="roles-not-names"),
    pytest.param(signed(lambda: claims("social_worker")), id="staff-role-without-org"),
    pytest.param(signed(lambda: claims("kela_handler")), id="kela-role-without-org"),
    pytest.param(signed(lambda: claims("dpo")), id="dpo-without-org"),
    pytest.param(
        signed(lambda: claims("social_worker", org="wc-atlantis")), id="org-names-no-organisation"
    ),
    pytest.param(signed(lambda: claims("client")), id="client-without-person"),
    pytest.param(signed(lambda: claims("guardian")), id="guardian-without-person"),
]

# (roles, org): claims are made when the test runs, so that they have not expired.
FORBIDDEN_CASES = [
    pytest.param("kela_handler", "wc-pirkanmaa", id="kela-handler-of-a-county"),
    pytest.param("kela_advisor", "helsinki", id="kela-advisor-of-a-municipality"),
    pytest.param("social_worker", "kela", id="social-worker-of-kela"),
    pytest.param("social_counsellor", "kela", id="social-counsellor-of-kela"),
    pytest.param(["social_worker", "kela_handler"], "kela", id="one-role-of-two-misfits"),
    pytest.param("superuser", "kela", id="unknown-role"),
    pytest.param(["social_worker", "root"], "wc-pirkanmaa", id="unknown-and-known"),
]


# --- helpers -----------------------------------------------------------------------------


def registration() -> dict[str, Any]:
    return {
        "input": {
            "personalId": personal_id(),
            "name": "Aino Asiakas",
            "language": "FI",
            "organiserId": "wc-pirkanmaa",
            "purpose": "Toimeentulotuki",
        }
    }


async def post(
    http: Http, authorization: str | None, query: str, variables: dict[str, Any] | None = None
) -> httpx.Response:
    headers = {} if authorization is None else {"Authorization": authorization}
    return await http.client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )


def assert_refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"data", "errors"}, body
    assert body["data"] is None, body
    assert len(body["errors"]) == 1, body
    error = body["errors"][0]
    assert error["extensions"]["code"] == code, body
    assert isinstance(error["message"], str), body
    assert error["message"], body
    return body


def assert_unauthenticated(response: httpx.Response) -> None:
    assert_refused(response, 401, "UNAUTHENTICATED")
    assert response.headers.get("www-authenticate") == INVALID_TOKEN, response.headers


async def stored_clients(app: Starlette) -> int:
    async with app.state.runtime.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(Client))
    return int(count or 0)


async def me(http: Http, token: str) -> dict[str, Any]:
    data = await http.ok(ME, token)
    result: dict[str, Any] = data["me"]
    return result


@contextlib.asynccontextmanager
async def serving(
    settings: Settings, keys: Keys, clock: Clock
) -> AsyncIterator[tuple[Starlette, Http]]:
    """An app of these settings, its lifespan entered, and an HTTP client for it."""
    application = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://infocap.test") as c:
            yield application, Http(c, keys)


def jwk(public_key: Any, kid: str, alg: str = "RS256") -> dict[str, Any]:
    if isinstance(public_key, rsa.RSAPublicKey):
        body = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public_key))
    else:
        body = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(public_key))
    out: dict[str, Any] = body | {"kid": kid, "alg": alg, "use": "sig"}
    return out


# --- refusals ----------------------------------------------------------------------------


async def test_a_valid_token_writes_what_a_refused_one_does_not(app, http):
    """The control for every 'nothing written' check below: this mutation writes."""
    variables = registration()
    response = await post(
        http, bearer(http.token("social_worker", org="wc-pirkanmaa")), REGISTER, variables
    )
    assert response.status_code == 200, response.text
    registered = response.json()["data"]["registerClient"]
    assert registered["name"] == "Aino Asiakas"
    assert await stored_clients(app) == 1
    valid = http.token("social_worker", org="wc-pirkanmaa")
    edges = (await http.ok(CLIENTS, valid))["clients"]["edges"]
    assert [edge["node"]["id"] for edge in edges] == [registered["id"]]


@pytest.mark.parametrize("authorization_of", UNAUTHENTICATED_CASES)
async def test_refused_token_is_unauthenticated_and_writes_nothing(app, http, authorization_of):
    authorization = authorization_of(http.keys)
    response = await post(http, authorization, REGISTER, registration())
    assert_unauthenticated(response)
    assert await stored_clients(app) == 0
    # and nothing reached the clients a valid caller can list
    valid = http.token("social_worker", org="wc-pirkanmaa")
    assert (await http.ok(CLIENTS, valid))["clients"]["edges"] == []


@pytest.mark.parametrize("authorization_of", UNAUTHENTICATED_CASES[:3])
async def test_refused_query_has_no_data(http, authorization_of):
    response = await post(http, authorization_of(http.keys), ME)
    assert_unauthenticated(response)


@pytest.mark.parametrize(("roles", "org"), FORBIDDEN_CASES)
async def test_roles_that_do_not_fit_the_organisation_are_forbidden(app, http, roles, org):
    body = claims(roles, org=org)
    response = await post(http, bearer(http.keys.sign(body)), REGISTER, registration())
    assert_refused(response, 403, "FORBIDDEN")
    assert await stored_clients(app) == 0
    response = await post(http, bearer(http.keys.sign(body)), ME)
    assert_refused(response, 403, "FORBIDDEN")


async def test_demo_kid_is_refused_outside_demo_mode(settings, keys, clock, tmp_path):
    """A key whose kid has the demo prefix is in the JWKS, and signs correctly: still
    refused unless the service runs in demo mode."""
    demo_kid = f"{DEMO_KID_PREFIX}1"
    jwks = keys.jwks()
    jwks["keys"].append(jwk(keys.rsa.public_key(), demo_kid))
    path = tmp_path / "jwks-with-demo.json"
    path.write_text(json.dumps(jwks))
    token = keys.sign(worker(), kid=demo_kid)

    async with serving(dataclasses.replace(settings, jwks_file=path), keys, clock) as (app, http):
        response = await post(http, bearer(token), REGISTER, registration())
        assert_unauthenticated(response)
        assert await stored_clients(app) == 0
        # the same file's other keys are fine
        assert (await me(http, keys.sign(worker())))["roles"] == ["social_worker"]

    # the control: in demo mode the very same token verifies
    demo = dataclasses.replace(settings, jwks_file=path, demo=True)
    async with serving(demo, keys, clock) as (_, http):
        assert (await me(http, token))["organisation"]["id"] == "wc-pirkanmaa"


async def test_demo_key_is_refused_outside_demo_mode_also_when_the_token_names_no_kid(
    settings, keys, clock, tmp_path
):
    """A demo JWKS as ``serve --demo`` writes it (one ES256 key, kid with the demo
    prefix) configured outside demo mode: the demo key verifies nothing, whether the
    token names its kid or names none (a lone key is picked for a token without kid)."""
    demo_key = ec.generate_private_key(ec.SECP256R1())
    demo_kid = f"{DEMO_KID_PREFIX}abcd1234"
    path = tmp_path / "demo-jwks.json"
    path.write_text(json.dumps({"keys": [jwk(demo_key.public_key(), demo_kid, "ES256")]}))
    with_kid = jwt.encode(worker(), demo_key, algorithm="ES256", headers={"kid": demo_kid})
    without_kid = jwt.encode(worker(), demo_key, algorithm="ES256")
    assert "kid" not in jwt.get_unverified_header(without_kid)

    async with serving(dataclasses.replace(settings, jwks_file=path), keys, clock) as (app, http):
        for token in (with_kid, without_kid):
            response = await post(http, bearer(token), REGISTER, registration())
            assert_unauthenticated(response)
        assert await stored_clients(app) == 0

    # the control: in demo mode both verify
    demo = dataclasses.replace(settings, jwks_file=path, demo=True)
    async with serving(demo, keys, clock) as (_, http):
        for token in (with_kid, without_kid):
            assert (await me(http, token))["roles"] == ["social_worker"]


async def test_without_a_configured_issuer_every_token_is_refused(settings, keys, clock):
    """``create_app`` warns that every request will be refused when no issuer is set:
    no ``iss`` value, not even an empty one, may match the missing configuration."""
    unset = dataclasses.replace(settings, jwt_issuer=None)
    async with serving(unset, keys, clock) as (app, http):
        for iss in (ISSUER, "", "infocap-demo"):
            token = keys.sign(worker() | {"iss": iss})
            response = await post(http, bearer(token), REGISTER, registration())
            assert_unauthenticated(response)
        assert await stored_clients(app) == 0


# --- accepted ----------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
async def test_rs256_and_es256_tokens_are_accepted(http, algorithm):
    subject = f"sanna-{uuid.uuid4().hex[:6]}"
    token = http.keys.sign(
        claims(
            "social_worker",
            org="wc-pirkanmaa",
            sub=subject,
            azp="county-cms",
            name="Sanna Sosiaalityöntekijä",
        ),
        algorithm=algorithm,
    )
    assert await me(http, token) == {
        "subject": subject,
        "name": "Sanna Sosiaalityöntekijä",
        "roles": ["social_worker"],
        "organisation": {"id": "wc-pirkanmaa", "type": "WELLBEING_COUNTY"},
        "personalId": None,
        "system": "county-cms",
    }


async def test_a_token_may_name_several_audiences(http):
    token = http.keys.sign(worker(aud=["another-service", AUDIENCE]))
    assert (await me(http, token))["organisation"]["id"] == "wc-pirkanmaa"


async def test_optional_claims_may_be_absent(http):
    body = worker()
    del body["azp"], body["name"]
    result = await me(http, http.keys.sign(body, algorithm="ES256"))
    assert result["system"] is None
    assert result["name"] is None
    assert result["subject"] == body["sub"]


@pytest.mark.parametrize("role", ["client", "guardian"])
async def test_person_roles_carry_their_personal_id(http, role):
    pid = personal_id()
    result = await me(http, http.keys.sign(claims(role, person=pid.lower())))
    assert result["roles"] == [role]
    assert result["personalId"] == pid.upper()
    assert result["organisation"] is None


@pytest.mark.parametrize(
    ("roles", "org", "org_type"),
    [
        (["kela_handler", "kela_advisor"], "kela", "KELA"),
        (["social_counsellor"], "helsinki", "MUNICIPALITY"),
        (["dpo"], "kela", "KELA"),
        (["dpo"], "wc-lappi", "WELLBEING_COUNTY"),
    ],
)
async def test_roles_that_fit_their_organisation_are_accepted(http, roles, org, org_type):
    result = await me(http, http.keys.sign(claims(roles, org=org)))
    assert result["roles"] == sorted(roles)
    assert result["organisation"] == {"id": org, "type": org_type}


async def test_expired_within_the_leeway_is_accepted(http):
    token = http.keys.sign(worker(iat=now() - 3600, exp=now() - 10))
    assert (await me(http, token))["roles"] == ["social_worker"]


async def test_issued_slightly_in_the_future_within_the_leeway_is_accepted(http):
    """Clock skew between the identity provider and the service: 10 s is tolerated."""
    token = http.keys.sign(worker(iat=now() + 10, nbf=now() + 10))
    assert (await me(http, token))["roles"] == ["social_worker"]


def test_symmetric_and_none_algorithms_are_refused_by_the_authenticator(keys):
    """Whatever the configuration says, HS* and none never verify a token."""
    source = StaticKeys(keys.jwks())
    for algorithms in (["HS256"], ["RS256", "HS512"], ["none"]):
        with pytest.raises(ValueError, match="refused JWT algorithms"):
            Authenticator(
                keys=source,
                issuer=ISSUER,
                audience=AUDIENCE,
                algorithms=algorithms,
                organisations={},
            )


# --- JWKS by URL -------------------------------------------------------------------------


@dataclasses.dataclass
class JwksEndpoint:
    url: str
    jwks: dict[str, Any]
    fetches: list[float] = dataclasses.field(default_factory=list)


@contextlib.contextmanager
def jwks_endpoint(jwks: dict[str, Any]) -> Iterator[JwksEndpoint]:
    """A JWKS served over HTTP on 127.0.0.1 from a thread; ``jwks`` may be replaced."""
    endpoint = JwksEndpoint(url="", jwks=jwks)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with lock:
                endpoint.fetches.append(time.monotonic())
                payload = json.dumps(endpoint.jwks).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        endpoint.url = f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def url_settings(settings: Settings, url: str) -> Settings:
    return dataclasses.replace(settings, jwks_url=url, jwks_file=None)


async def test_jwks_by_url_verifies_tokens(settings, keys, clock):
    with jwks_endpoint(keys.jwks()) as endpoint:
        async with serving(url_settings(settings, endpoint.url), keys, clock) as (app, http):
            assert (await me(http, keys.sign(worker())))["roles"] == ["social_worker"]
            result = await me(http, keys.sign(worker(), algorithm="ES256"))
            assert result["organisation"]["id"] == "wc-pirkanmaa"
            assert len(endpoint.fetches) == 1, "the key set is cached"

            assert_unauthenticated(
                await post(http, bearer(keys.sign(worker(), key=stranger_rsa())), ME)
            )
            assert_unauthenticated(await post(http, bearer(unsigned(worker())), ME))
            response = await post(
                http, bearer(keys.sign(worker(), kid="nobody")), REGISTER, registration()
            )
            assert_unauthenticated(response)
            assert await stored_clients(app) == 0


async def test_jwks_by_url_refetches_on_an_unknown_kid_after_rotation(settings, keys, clock):
    with jwks_endpoint(keys.jwks()) as endpoint:
        async with serving(url_settings(settings, endpoint.url), keys, clock) as (app, http):
            assert (await me(http, keys.sign(worker())))["roles"] == ["social_worker"]
            assert len(endpoint.fetches) == 1

            rotated = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            endpoint.jwks = {"keys": [*keys.jwks()["keys"], jwk(rotated.public_key(), "rsa-2")]}
            # A forced refetch waits out the client's cooldown after the last fetch.
            wait = endpoint.fetches[-1] + JWKS_REFETCH_COOLDOWN_SECONDS + 0.25 - time.monotonic()
            await anyio.sleep(max(wait, 0))

            token = keys.sign(worker(), kid="rsa-2", key=rotated)
            assert (await me(http, token))["roles"] == ["social_worker"]
            assert len(endpoint.fetches) == 2, "an unknown kid fetched the key set again"
            # both the old and the new key verify, from the cache
            assert (await me(http, keys.sign(worker())))["roles"] == ["social_worker"]
            assert (await me(http, keys.sign(worker(), kid="rsa-2", key=rotated)))["roles"]
            assert len(endpoint.fetches) == 2
            # a token signed by another key under the new kid is still refused
            forged = keys.sign(worker(), kid="rsa-2", key=stranger_rsa())
            assert_unauthenticated(await post(http, bearer(forged), REGISTER, registration()))
            assert await stored_clients(app) == 0


# --- what the operator learns ------------------------------------------------------------

# The check each refused case names in the server log and in the refusal counter.
CHECK_OF_CASE = {
    "no-authorization-header": "missing",
    "empty-authorization-header": "missing",
    "basic-scheme": "missing",
    "valid-token-under-basic-scheme": "missing",
    "token-without-scheme": "missing",
    "bearer-without-token": "missing",
    "malformed-not-a-jwt": "malformed",
    "malformed-three-garbage-parts": "malformed",
    "tampered-signature": "signature",
    "expired-60s-ago": "expiry",
    "expired-just-beyond-leeway": "expiry",
    "iat-in-the-future": "not_before",
    "nbf-in-the-future": "not_before",
    "wrong-signature-same-kid": "signature",
    "tampered-payload": "signature",
    "ec-signature-under-rsa-kid": "algorithm",
    "unknown-kid": "kid",
    "unknown-kid-unknown-key": "kid",
    "algorithm-not-configured-rs512": "algorithm",
    "wrong-issuer": "issuer",
    "wrong-audience": "audience",
    "wrong-audiences": "audience",
    "alg-none": "algorithm",
    "hs256-with-rsa-public-pem-key-confusion": "algorithm",
    **{f"missing-{name}": "claims" for name in ("iss", "aud", "exp", "iat", "sub", "roles")},
    "empty-sub": "claims",
    "roles-a-string": "claims",
    "roles-an-object": "claims",
    "roles-not-names": "claims",
    "staff-role-without-org": "claims",
    "kela-role-without-org": "claims",
    "dpo-without-org": "claims",
    "org-names-no-organisation": "organisation",
    "client-without-person": "claims",
    "guardian-without-person": "claims",
}
CHECK_CASES = [
    pytest.param(case.values[0], CHECK_OF_CASE[str(case.id)], id=case.id)
    for case in UNAUTHENTICATED_CASES
]


def refusal_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "infocap.authn"]


def test_every_refused_case_names_a_known_check():
    assert {str(case.id) for case in UNAUTHENTICATED_CASES} == set(CHECK_OF_CASE)
    assert set(CHECK_OF_CASE.values()) <= set(CHECKS)


@pytest.mark.parametrize(("authorization_of", "check"), CHECK_CASES)
async def test_the_log_and_the_counter_name_the_failed_check(
    app, http, caplog, authorization_of, check
):
    caplog.set_level(logging.INFO, logger="infocap.authn")
    authorization = authorization_of(http.keys)
    response = await post(http, authorization, REGISTER, registration())
    assert_unauthenticated(response)
    assert app.state.runtime.authenticator.refusals == Counter({check: 1})
    assert app.state.runtime.errors == Counter({"UNAUTHENTICATED": 1})
    [record] = refusal_records(caplog)
    message = record.getMessage()
    assert f"the {check} check failed" in message
    assert record.levelno == (logging.INFO if check == "missing" else logging.WARNING)
    # Nothing of the token, nor of the person it names, reaches the log.
    logged = "\n".join(r.getMessage() for r in caplog.records)
    secrets = [part for part in (authorization or "").replace(".", " ").split() if len(part) > 8]
    for secret in secrets:
        assert secret not in logged
    assert "Test Person" not in logged


@pytest.mark.parametrize(("roles", "org"), FORBIDDEN_CASES)
async def test_roles_that_do_not_fit_are_counted_as_the_roles_check(app, http, caplog, roles, org):
    caplog.set_level(logging.INFO, logger="infocap.authn")
    response = await post(http, bearer(http.keys.sign(claims(roles, org=org))), ME)
    assert_refused(response, 403, "FORBIDDEN")
    assert app.state.runtime.authenticator.refusals == Counter({"roles": 1})
    [record] = refusal_records(caplog)
    assert "the roles check failed" in record.getMessage()


async def test_refusals_add_up_per_check_and_accepted_tokens_count_nothing(app, http, caplog):
    caplog.set_level(logging.INFO, logger="infocap.authn")
    await me(http, http.keys.sign(worker()))
    assert app.state.runtime.authenticator.refusals == Counter()
    assert refusal_records(caplog) == []
    for _ in range(3):
        assert_unauthenticated(await post(http, bearer(http.keys.sign(worker(aud="x"))), ME))
    assert_unauthenticated(await post(http, None, ME))
    assert app.state.runtime.authenticator.refusals == Counter({"audience": 3, "missing": 1})


async def test_a_personal_identity_code_in_a_refused_token_is_not_logged(http, caplog):
    caplog.set_level(logging.DEBUG)
    pid = personal_id()
    expired = http.keys.sign(claims("client", person=pid, iat=now() - 3600, exp=now() - 60))
    assert_unauthenticated(await post(http, bearer(expired), ME))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert pid not in logged
    assert expired not in logged
    assert "the expiry check failed" in logged
