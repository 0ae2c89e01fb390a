"""``infocap check``: is this configuration ready to serve? One line a check, OK or FAIL
with the reason; secrets are never printed.

Checks: the configuration loads (what production refuses included); the database
answers; its schema is at head; the JWKS can be read and holds a usable key; the
policy passes its check (and its SHA-256); the ledger key is an Ed25519 PEM; the
attachment directory can be written.
"""

import asyncio
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import anyio.to_thread
import jwt
from sqlalchemy.engine import make_url

from authz.active_policy import PolicyRefused, load_checked
from graph.health import database_state
from graph.runtime import check_ledger_key
from graph.settings import Settings, SettingsError, load_settings
from schema.db import is_sqlite, make_engine

JWKS_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Outcome:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'OK  ' if self.ok else 'FAIL'} {self.name}: {self.detail}"


def describe(settings: Settings) -> str:
    url = make_url(settings.database_url)
    where = (
        f"SQLite at {url.database}"
        if is_sqlite(settings.database_url)
        else f"PostgreSQL {url.host or 'localhost'}/{url.database} as {url.username}"
    )
    return f"{settings.env}; {where}"


async def run_checks(environ: Mapping[str, str]) -> list[Outcome]:
    try:
        settings = load_settings(environ)
    except SettingsError as error:
        return [Outcome("configuration", False, str(error))]
    outcomes = [Outcome("configuration", True, describe(settings))]
    outcomes.extend(await check_database(settings))
    outcomes.append(await anyio.to_thread.run_sync(check_jwks, settings))
    outcomes.append(check_policy(settings))
    outcomes.append(check_ledger(settings))
    outcomes.append(check_attachments(settings))
    return outcomes


async def check_database(settings: Settings) -> list[Outcome]:
    if is_sqlite(settings.database_url):
        path = make_url(settings.database_url).database or ""
        if not await anyio.to_thread.run_sync(Path(path).exists):
            note = "no file yet: the service creates and migrates it on start"
            return [Outcome("database", True, note), Outcome("migrations", True, note)]
    engine = make_engine(settings.database_url)
    try:
        state = await database_state(engine)
    finally:
        await engine.dispose()
    if not state.reachable:
        return [
            Outcome("database", False, f"unreachable: {state.error}"),
            Outcome("migrations", False, "not checked: the database is unreachable"),
        ]
    database = Outcome("database", True, "reachable")
    problem = state.migration_problem()
    if problem is None:
        return [
            database,
            Outcome("migrations", True, f"at head {', '.join(sorted(state.revisions))}"),
        ]
    if is_sqlite(settings.database_url):
        return [database, Outcome("migrations", True, f"{problem} (SQLite: done on start)")]
    return [database, Outcome("migrations", False, problem)]


def check_jwks(settings: Settings) -> Outcome:
    try:
        if settings.jwks_file is not None:
            data = json.loads(settings.jwks_file.read_text(encoding="utf-8"))
            where = f"file {settings.jwks_file}"
        elif settings.jwks_url is not None:
            client = jwt.PyJWKClient(
                settings.jwks_url, cache_jwk_set=False, timeout=JWKS_TIMEOUT_SECONDS
            )
            data = client.fetch_data()
            where = settings.jwks_url
        else:
            return Outcome("jwks", False, "neither INFOCAP_JWKS_URL nor INFOCAP_JWKS_FILE is set")
        keys = jwt.PyJWKSet.from_dict(data).keys
    except (OSError, ValueError, jwt.PyJWKClientError, jwt.PyJWKSetError) as error:
        return Outcome("jwks", False, f"{type(error).__name__}: {error}")
    usable = [k for k in keys if k.algorithm_name in settings.jwt_algorithms]
    if not usable:
        accepted = ",".join(settings.jwt_algorithms)
        return Outcome("jwks", False, f"{where}: no key for the accepted algorithms ({accepted})")
    kids = ", ".join(k.key_id or "(no kid)" for k in usable)
    return Outcome("jwks", True, f"{where}: {len(usable)} usable key(s): {kids}")


def check_policy(settings: Settings) -> Outcome:
    try:
        policy = load_checked(settings.policy_model, settings.policy_file)
    except PolicyRefused as refused:
        return Outcome("policy", False, f"{settings.policy_file}: " + "; ".join(refused.problems))
    return Outcome("policy", True, f"{settings.policy_file}: sha256 {policy.sha256}")


def check_ledger(settings: Settings) -> Outcome:
    if settings.ledger_key_file is None:
        return Outcome(
            "ledger key", False, "INFOCAP_LEDGER_KEY_FILE is not set (checkpoints cannot be signed)"
        )
    try:
        check_ledger_key(settings.ledger_key_file)
    except SettingsError as error:
        return Outcome("ledger key", False, str(error))
    return Outcome("ledger key", True, f"{settings.ledger_key_file}: Ed25519")


def check_attachments(settings: Settings) -> Outcome:
    directory = settings.attachment_dir
    if directory.is_dir():
        if os.access(directory, os.W_OK | os.X_OK):
            return Outcome("attachments", True, f"{directory} writable")
        return Outcome("attachments", False, f"{directory} is not writable")
    parent = next((p for p in directory.absolute().parents if p.exists()), None)
    if parent is not None and parent.is_dir() and os.access(parent, os.W_OK | os.X_OK):
        return Outcome("attachments", True, f"{directory} will be created")
    return Outcome("attachments", False, f"{directory} does not exist and cannot be created")


def check(environ: Mapping[str, str]) -> int:
    outcomes = asyncio.run(run_checks(environ))
    for outcome in outcomes:
        print(outcome.line())
    failed = [o.name for o in outcomes if not o.ok]
    print(f"{len(outcomes) - len(failed)} OK, {len(failed)} FAIL")
    return 1 if failed else 0
