"""Personal identity codes at rest: a dump of the database shows none, every behaviour
that goes by a code still holds, keys rotate, and production needs its own keyring."""

import dataclasses
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from graph.app import create_app
from graph.pii_rotation import rotate
from graph.settings import Settings, SettingsError
from schema.models import Client, PersonalIdIndex
from schema.models.client import personal_id_lookup
from schema.pii import Keyring, new_keyring, read_keyring, write_keyring
from tests.factories import (
    KELA_HANDLER,
    dump,
    grant,
    guardian_principal,
    inform,
    personal_id,
    record_guardianship,
    register,
)
from tests.support import Api, Clock, Http

LOOKUP = "query($p: String!) { clientByPersonalId(personalId: $p) { id personalId } }"
SEARCH = "query($s: String) { clients(search: $s) { edges { node { id } } } }"
LEDGER = """
query($c: ID!) { consentLedger(clientId: $c) { edges { node { type canonical
  grantor { kind personalId } } } } }
"""
GUARDIANSHIPS = "query($c: ID!) { client(id: $c) { guardianships { guardianPersonalId } } }"


def person(role: str, code: str) -> Any:
    """A person's principal as an identity provider names them: by an opaque subject (the
    test helper's default subject spells the code, which no real token does)."""
    who = guardian_principal(code) if role == "guardian" else None
    assert who is not None
    return dataclasses.replace(who, subject=f"{role}-{uuid.uuid4().hex[:8]}")


async def test_a_dump_shows_no_code_and_every_lookup_still_works(
    api: Api, http: Http, settings: Settings
) -> None:
    code, guardian = personal_id(), personal_id()
    client_id = await register(api, personalId=code)
    await record_guardianship(api, client_id, guardian, "GUARDIAN_FULL")
    await inform(api, KELA_HANDLER, client_id)
    await grant(api, person("guardian", guardian), client_id, "kela", ["PLAN"])

    # a registration of the same code is the same client, by its lookup hash
    assert await register(api, personalId=code.lower()) == client_id
    token = http.token("kela_handler", org="kela")
    found = await http.ok(LOOKUP, token, p=code)
    assert found["clientByPersonalId"] == {"id": client_id, "personalId": code}
    by_code = await http.ok(SEARCH, token, s=code)
    assert [e["node"]["id"] for e in by_code["clients"]["edges"]] == [client_id]
    # a search by part of a code finds nothing: codes are not searched as text
    assert (await http.ok(SEARCH, token, s=code[:6]))["clients"]["edges"] == []
    shown = await http.ok(GUARDIANSHIPS, token, c=client_id)
    assert shown["client"]["guardianships"] == [{"guardianPersonalId": guardian}]
    # the client's and the guardian's own tokens still find their client
    mine = await http.ok(SEARCH, http.token("client", person=code), s=None)
    assert [e["node"]["id"] for e in mine["clients"]["edges"]] == [client_id]
    ward = await http.ok(SEARCH, http.token("guardian", person=guardian), s=None)
    assert [e["node"]["id"] for e in ward["clients"]["edges"]] == [client_id]

    everything = dump(settings.database_url)
    assert client_id in everything  # the dump is real
    for secret in (code, guardian, code.lower(), guardian.replace("-", "")):
        assert secret not in everything


async def test_a_guardian_grantor_is_named_by_a_pseudonym(api: Api, http: Http) -> None:
    code, guardian = personal_id(), personal_id()
    client_id = await register(api, personalId=code)
    shown = await record_guardianship(api, client_id, guardian, "GUARDIAN_ECONOMIC")
    await inform(api, KELA_HANDLER, client_id)
    await grant(api, person("guardian", guardian), client_id, "kela", ["LIFE_ECONOMY"])

    staff = await http.ok(LEDGER, http.token("kela_handler", org="kela"), c=client_id)
    granted = staff["consentLedger"]["edges"][-1]["node"]
    assert granted["type"] == "GRANT"
    event = json.loads(granted["canonical"])
    assert event["grantor"] == {"kind": "GUARDIAN", "person": f"guardianship:{shown['id']}"}
    assert guardian not in granted["canonical"]
    # the service resolves it for those who may see the client's code …
    assert granted["grantor"] == {"kind": "GUARDIAN", "personalId": guardian}
    mine = await http.ok(LEDGER, http.token("client", person=code), c=client_id)
    assert mine["consentLedger"]["edges"][-1]["node"]["grantor"]["personalId"] == guardian
    # … and not for a dpo, who may see the ledger of its organisation but no code
    audit = await http.ok(LEDGER, http.token("dpo", org="kela"), c=client_id)
    grants = [e["node"] for e in audit["consentLedger"]["edges"] if e["node"]["type"] == "GRANT"]
    assert [g["grantor"] for g in grants] == [{"kind": "GUARDIAN", "personalId": None}]


async def restart(settings: Settings, keyring_file: Path, clock: Clock) -> Starlette:
    return create_app(dataclasses.replace(settings, pii_key_file=keyring_file), clock=clock)


async def test_keys_rotate_and_old_rows_decrypt_until_rewritten(
    settings: Settings, clock: Clock, tmp_path: Path
) -> None:
    keyring_file = tmp_path / "keys.json"
    write_keyring(keyring_file, new_keyring("k1"))
    old_code, new_code = personal_id(), personal_id()
    app = await restart(settings, keyring_file, clock)
    async with app.router.lifespan_context(app):
        old_id = await register(Api(app), personalId=old_code)

    # a new current key: new writes use it, old rows still decrypt by their key id
    write_keyring(keyring_file, read_keyring(keyring_file).with_new_key("k2"))
    app = await restart(settings, keyring_file, clock)
    async with app.router.lifespan_context(app):
        api = Api(app)
        new_id = await register(api, personalId=new_code)
        assert await keys_of(app) == {old_id: "k1", new_id: "k2"}
        await looked_up(api, {old_code: old_id, new_code: new_id})
        done = await rotate(app.state.runtime.sessions, app.state.runtime.pii)
        assert (done.key, done.reencrypted, done.rehashed) == ("k2", 1, 0)
        assert await keys_of(app) == {old_id: "k2", new_id: "k2"}
        again = await rotate(app.state.runtime.sessions, app.state.runtime.pii)
        assert (again.reencrypted, again.rehashed) == (0, 0)  # may be run again
        await looked_up(api, {old_code: old_id, new_code: new_id})

    # a new lookup key, offline: lookups miss until the hashes are recomputed
    keyring = read_keyring(keyring_file)
    write_keyring(keyring_file, Keyring(keyring.current, keyring.keys, new_keyring().lookup_key))
    app = await restart(settings, keyring_file, clock)
    async with app.router.lifespan_context(app):
        api = Api(app)
        missing = await api.ok(KELA_HANDLER, LOOKUP, p=old_code)
        assert missing["clientByPersonalId"] is None
        done = await rotate(app.state.runtime.sessions, app.state.runtime.pii)
        assert done.rehashed == 2
        await looked_up(api, {old_code: old_id, new_code: new_id})
        # the codes' index holds the new hashes, and nothing under the old lookup key
        pii = app.state.runtime.pii
        async with app.state.runtime.sessions() as session:
            index = (
                await session.execute(select(PersonalIdIndex.lookup, PersonalIdIndex.client_id))
            ).all()
        assert {(lookup, str(c)) for lookup, c in index} == {
            (personal_id_lookup(old_code, pii), old_id),
            (personal_id_lookup(new_code, pii), new_id),
        }
        # and a registration of the code is still the same client
        assert await register(api, personalId=old_code) == old_id


async def keys_of(app: Starlette) -> dict[str, str]:
    runtime = app.state.runtime
    async with runtime.sessions() as session:
        rows = (await session.scalars(select(Client))).all()
    return {str(r.id): runtime.pii.key_of(r.personal_id_cipher) for r in rows}


async def looked_up(api: Api, codes: dict[str, str]) -> None:
    for code, client_id in codes.items():
        found = await api.ok(KELA_HANDLER, LOOKUP, p=code)
        assert found["clientByPersonalId"] == {"id": client_id, "personalId": code}


async def test_production_refuses_to_start_without_its_keyring(settings: Settings) -> None:
    production = dataclasses.replace(settings, env="production", pii_key_file=None)
    app = create_app(production)
    with pytest.raises(SettingsError, match="INFOCAP_PII_KEY_FILE"):
        async with app.router.lifespan_context(app):
            pass


def test_the_pii_commands(database_url: str, tmp_path: Path, monkeypatch: Any, capsys: Any):
    from graph.cli import main

    path = tmp_path / "keys.json"
    assert main(["pii", "keygen", str(path)]) == 0
    assert main(["pii", "keygen", str(path)]) == 1  # never overwritten
    first = read_keyring(path)
    monkeypatch.setenv("INFOCAP_DATABASE_URL", database_url)
    monkeypatch.setenv("INFOCAP_PII_KEY_FILE", str(path))
    assert main(["pii", "add-key", "2027-1"]) == 0
    rotated = read_keyring(path)
    assert rotated.current == "2027-1"
    assert rotated.keys[first.current] == first.keys[first.current]
    assert main(["pii", "rotate"]) == 0
    assert "0 client codes and 0 guardian codes under key 2027-1" in capsys.readouterr().out
