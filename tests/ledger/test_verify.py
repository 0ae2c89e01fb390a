"""Verifying the ledger and its log on both databases, and exports of it, with our
verifier and with an independent one written from ledger.md alone; tamper evidence end
to end: the first broken event or checkpoint is named."""

import json
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from ledger.chain import event_hash
from ledger.export import export
from ledger.note import ED25519, VerifierKey
from ledger.service import canonical_text
from ledger.verify import Verification, verify_database, verify_export
from ledger.witnessing import checkpoint_now
from schema.models import ConsentEvent, LogEntry
from tests.ledger import independent_verifier
from tests.ledger.logkit import (
    LogDb,
    as_owner,
    clients_with_grants,
    grant,
)


async def ledger_with_two_checkpoints(db: LogDb) -> list[uuid.UUID]:
    """Three chains, a checkpoint, more events, a second checkpoint, and an event after."""
    ids = await clients_with_grants(db, [3, 1, 2])
    await checkpoint_now(db.sessions, db.config, db.clock)
    await grant(db, ids[1])
    await grant(db, ids[2])
    await checkpoint_now(db.sessions, db.config, db.clock)
    await grant(db, ids[0])  # integrated by no checkpoint yet
    return ids


async def verified(db: LogDb, **options) -> Verification:
    async with db.sessions() as session:
        return await verify_database(session, db.config.verifier, **options)


def where(found: Verification) -> tuple[object, ...]:
    problem = found.problem
    if problem is None:
        return ()
    if problem.client is not None:
        return ("event", problem.client, problem.seq)
    return ("checkpoint", problem.checkpoint)


async def row(db: LogDb, client_id: uuid.UUID, seq: int) -> ConsentEvent:
    async with db.sessions() as session:
        found = await session.scalar(
            select(ConsentEvent).where(ConsentEvent.client_id == client_id, ConsentEvent.seq == seq)
        )
    assert found is not None
    return found


# --- the database ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options", [{}, {"full": True}, {"apart_from": 1}, {"apart_from": 1, "full": True}]
)
async def test_a_healthy_ledger_verifies(logdb: LogDb, options):
    await ledger_with_two_checkpoints(logdb)
    found = await verified(logdb, **options)
    assert found.problem is None, found
    assert (found.events, found.chains, found.tree_size, found.checkpoints) == (9, 3, 8, 2)


async def test_without_the_key_no_checkpoint_is_trusted(logdb: LogDb):
    await ledger_with_two_checkpoints(logdb)
    async with logdb.sessions() as session:
        found = await verify_database(session, None)
    assert where(found) == ("checkpoint", 6)
    other = VerifierKey.of(logdb.config.origin, ED25519, Ed25519PrivateKey.generate())
    async with logdb.sessions() as session:
        assert where(await verify_database(session, other)) == ("checkpoint", 6)


@pytest.mark.parametrize(
    "options", [{}, {"full": True}, {"apart_from": 1}, {"apart_from": 1, "full": True}]
)
async def test_one_changed_event_is_named(logdb: LogDb, options):
    ids = await ledger_with_two_checkpoints(logdb)
    as_owner(
        logdb.url,
        (
            "UPDATE consent_events SET canonical = replace(canonical, 'Tarkoitus 1', 'Tarkoitus 9') "
            "WHERE client_id = :client AND seq = 2",
            {"client": logdb.client_param(ids[0])},
        ),
    )
    found = await verified(logdb, **options)
    assert where(found) == ("event", str(ids[0]), 2)
    assert found.problem is not None
    assert "hash" in found.problem.problem


@pytest.mark.parametrize("options", [{}, {"apart_from": 1}])
@pytest.mark.parametrize("position", ["inside", "last"])
async def test_a_changed_event_with_its_hash_recomputed_is_named(logdb: LogDb, options, position):
    """Text and hash changed together: its successor's link breaks, or, for the last
    event of a chain, the log's record of its hash; either way the event is named."""
    ids = await ledger_with_two_checkpoints(logdb)
    client_id, seq = (ids[0], 2) if position == "inside" else (ids[2], 3)
    event = json.loads((await row(logdb, client_id, seq)).canonical)
    event["body"]["purpose"] = "Jotain muuta"
    as_owner(
        logdb.url,
        (
            "UPDATE consent_events SET canonical = :text, hash = :hash "
            "WHERE client_id = :client AND seq = :seq",
            {
                "text": canonical_text(event),
                "hash": event_hash(event),
                "client": logdb.client_param(client_id),
                "seq": seq,
            },
        ),
    )
    found = await verified(logdb, **options)
    assert where(found) == ("event", str(client_id), seq), found


@pytest.mark.parametrize("options", [{}, {"apart_from": 1}])
async def test_a_removed_last_event_fails_against_the_last_checkpoint(logdb: LogDb, options):
    await ledger_with_two_checkpoints(logdb)
    async with logdb.sessions() as session:
        last = (
            await session.execute(
                select(LogEntry.client_id, LogEntry.seq).order_by(LogEntry.log_index.desc())
            )
        ).first()
    assert last is not None  # the last entry of the log, under checkpoint 8
    client_id, seq = last
    params = {"client": logdb.client_param(client_id), "seq": seq}
    as_owner(
        logdb.url,
        ("DELETE FROM ledger_log WHERE client_id = :client AND seq = :seq", params),
        ("DELETE FROM consent_events WHERE client_id = :client AND seq = :seq", params),
    )
    found = await verified(logdb, **options)
    assert where(found) == ("checkpoint", 8)


@pytest.mark.parametrize("options", [{}, {"apart_from": 1}])
async def test_a_removed_event_inside_a_chain_is_a_gap(logdb: LogDb, options):
    ids = await ledger_with_two_checkpoints(logdb)
    client = {"client": logdb.client_param(ids[0])}
    as_owner(
        logdb.url,
        ("DELETE FROM ledger_log WHERE client_id = :client AND seq = 2", client),
        ("DELETE FROM consent_events WHERE client_id = :client AND seq = 2", client),
    )
    assert where(await verified(logdb, **options)) == ("event", str(ids[0]), 2)


@pytest.mark.parametrize("options", [{}, {"apart_from": 1}])
async def test_a_changed_checkpoint_is_named(logdb: LogDb, options):
    await ledger_with_two_checkpoints(logdb)
    as_owner(
        logdb.url,
        (
            "UPDATE ledger_checkpoints SET note = replace(note, '\n8\n', '\n9\n') "
            "WHERE tree_size = 8",
            {},
        ),
    )
    found = await verified(logdb, **options)
    assert where(found) == ("checkpoint", 8)
    assert found.checkpoints == 1


@pytest.mark.parametrize("options", [{}, {"apart_from": 1}])
async def test_a_changed_stored_node_is_found(logdb: LogDb, options):
    await ledger_with_two_checkpoints(logdb)
    as_owner(
        logdb.url,
        ("DELETE FROM ledger_log_nodes WHERE level = 3 AND node_index = 0", {}),
    )
    assert where(await verified(logdb, **options)) == ("checkpoint", 8)


# --- exports, and a second verifier --------------------------------------------------------


async def exported(db: LogDb) -> str:
    lines: list[str] = []
    async with db.sessions() as session:
        count = await export(session, lines.append)
    assert count[1] == 2
    return "".join(lines)


def both(path: Path, key: VerifierKey) -> tuple[tuple[object, ...], tuple[object, ...] | None]:
    ours = where(verify_export(path, key))
    theirs = independent_verifier.verify(path.read_text(encoding="utf-8"), str(key))
    return ours, theirs


async def test_an_export_is_the_events_then_the_checkpoints(logdb: LogDb, tmp_path: Path):
    ids = await ledger_with_two_checkpoints(logdb)
    text = await exported(logdb)
    (tmp_path / "ledger.jsonl").write_text(text, encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines()]
    events, notes = lines[:9], lines[9:]
    ordered = sorted((e["client"], e["seq"]) for e in events)
    assert [(e["client"], e["seq"]) for e in events] == ordered
    assert {e["client"] for e in events} == {str(c) for c in ids}
    assert sorted(e.get("logIndex", -1) for e in events) == [-1, *range(8)]
    for event in events:
        digest = event.pop("hash")
        event.pop("logIndex", None)
        assert event_hash(event) == digest
    assert [set(n) for n in notes] == [{"checkpoint"}, {"checkpoint"}]
    assert [n["checkpoint"].split("\n")[1] for n in notes] == ["6", "8"]
    assert both(tmp_path / "ledger.jsonl", logdb.config.verifier) == ((), None)
    assert verify_export(tmp_path / "ledger.jsonl", logdb.config.verifier, full=True).ok


def rewrite(path: Path, change) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(change(lines)), encoding="utf-8")


def edit_event(line: str, edit) -> str:
    obj = json.loads(line)
    edit(obj)
    return json.dumps(obj, ensure_ascii=False) + "\n"


def change_purpose(lines: list[str]) -> list[str]:
    lines[1] = edit_event(lines[1], lambda o: o["body"].update(purpose="Muu"))
    return lines


def change_and_rehash_last_of_chain(lines: list[str]) -> list[str]:
    def edit(obj):
        obj["body"]["purpose"] = "Muu"
        digest, index = obj.pop("hash"), obj.pop("logIndex")
        obj["hash"], obj["logIndex"] = event_hash(obj), index
        assert digest != obj["hash"]

    indexed = [(json.loads(x).get("logIndex", -1), n) for n, x in enumerate(lines[:9])]
    _, at = max(indexed)  # the log's last entry: the last of its chain, under checkpoint 8
    lines[at] = edit_event(lines[at], edit)
    return lines


def drop_highest_index(lines: list[str]) -> list[str]:
    indexed = [(json.loads(x).get("logIndex", -1), n) for n, x in enumerate(lines)]
    _, at = max(indexed)
    return lines[:at] + lines[at + 1 :]


def forge_checkpoint_root(lines: list[str]) -> list[str]:
    note = json.loads(lines[-1])["checkpoint"]
    parts = note.split("\n")
    parts[2] = "A" * 43 + "="
    lines[-1] = json.dumps({"checkpoint": "\n".join(parts)}) + "\n"
    return lines


def swap_two_events(lines: list[str]) -> list[str]:
    lines[0], lines[1] = lines[1], lines[0]
    return lines


def reformat_every_event(lines: list[str]) -> list[str]:
    return [
        json.dumps(json.loads(x), indent=None) + "\n" if "checkpoint" not in x else x for x in lines
    ]


def drop_a_checkpoint(lines: list[str]) -> list[str]:
    return lines[:-2] + lines[-1:]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (change_purpose, "event 0 2"),
        (change_and_rehash_last_of_chain, "checkpoint 8"),
        (drop_highest_index, "checkpoint 8"),
        (forge_checkpoint_root, "checkpoint 8"),
        (swap_two_events, "event 0 1"),
        (reformat_every_event, "ok"),
        (drop_a_checkpoint, "ok"),
    ],
)
async def test_both_verifiers_agree_on_a_tampered_export(
    logdb: LogDb, tmp_path: Path, change, expected
):
    ids = await ledger_with_two_checkpoints(logdb)
    path = tmp_path / "ledger.jsonl"
    path.write_text(await exported(logdb), encoding="utf-8")
    rewrite(path, change)
    ours, theirs = both(path, logdb.config.verifier)
    assert ours == (theirs or ()), (ours, theirs)
    chains = sorted(str(c) for c in ids)
    if expected == "ok":
        assert ours == ()
    elif expected.startswith("event"):
        _, chain, seq = expected.split()
        assert ours == ("event", chains[int(chain)], int(seq))
    else:
        assert ours == ("checkpoint", int(expected.split()[1]))


async def test_an_export_checked_with_another_key_does_not_verify(logdb: LogDb, tmp_path: Path):
    await ledger_with_two_checkpoints(logdb)
    path = tmp_path / "ledger.jsonl"
    path.write_text(await exported(logdb), encoding="utf-8")
    other = VerifierKey.of(logdb.config.origin, ED25519, Ed25519PrivateKey.generate())
    ours, theirs = both(path, other)
    assert ours == theirs == ("checkpoint", 6)
