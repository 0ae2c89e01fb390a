"""A witness run as its own process (``infocap witness serve``) on loopback, and the log
asking it at every checkpoint, on both databases: a normal checkpoint gathers its
cosignature; a rewritten history is refused by our signer and, when signed anyway, by the
witness; a witness that is down leaves the checkpoint unwitnessed, not unsigned."""

import json
import logging
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import log
from ledger.checkpoints import Witness
from ledger.errors import LedgerBroken
from ledger.note import COSIGNATURE_V1, Checkpoint, VerifierKey, parse_verifier_key, split_note
from ledger.verify import cosigned, verify_database
from ledger.witnessing import checkpoint_now, request_body
from tests.ledger.logkit import LogDb, clients_with_grants, grant, rewrite_history

NAME = "dpo.infocap.test/w1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class WitnessProcess:
    def __init__(self, tmp_path: Path, log_key: VerifierKey) -> None:
        self.key_file = tmp_path / "witness.pem"
        self.key_file.write_bytes(
            Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        self.state = tmp_path / "witness-state.json"
        self.log_key = log_key
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def public_key(self) -> VerifierKey:
        out = subprocess.run(
            [sys.executable, "-m", "graph.cli", "witness", "public-key", "--name", NAME,
             "--key", str(self.key_file)],
            capture_output=True, check=True, text=True,
        )  # fmt: skip
        return parse_verifier_key(out.stdout.strip(), COSIGNATURE_V1)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "graph.cli", "witness", "serve", "--name", NAME,
             "--key", str(self.key_file), "--log", str(self.log_key),
             "--state", str(self.state), "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # waits for it to listen; no speed is asserted
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the witness did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


@pytest.fixture
def witness(tmp_path: Path, logdb: LogDb) -> Iterator[WitnessProcess]:
    process = WitnessProcess(tmp_path, logdb.config.verifier)
    process.start()
    try:
        yield process
    finally:
        process.stop()


def with_witness(db: LogDb, witness: WitnessProcess) -> LogDb:
    config = replace(db.config, witnesses=(Witness(witness.url, witness.public_key()),), quorum=1)
    return replace(db, config=config)


async def test_checkpoints_gather_the_witness_s_cosignature(logdb: LogDb, witness):
    db = with_witness(logdb, witness)
    key = db.config.witnesses[0].key
    await clients_with_grants(db, [2, 3])
    first = await checkpoint_now(db.sessions, db.config, db.clock)
    assert (first.tree_size, first.witnessed, first.cosigned_by) == (5, True, [key.ident])
    text, signatures = split_note(first.note)
    assert [s.name for s in signatures] == [db.config.origin, NAME]
    assert cosigned(text, signatures[1].line, key)
    assert json.loads(witness.state.read_text())["logs"][db.config.origin]["size"] == 5

    await clients_with_grants(db, [1])
    second = await checkpoint_now(db.sessions, db.config, db.clock)  # old 5 and a proof
    assert (second.tree_size, second.witnessed) == (6, True)
    async with db.sessions() as session:
        found = await verify_database(session, db.config.verifier, [key])
    assert found.ok, found


async def test_a_rewritten_history_is_refused_by_the_signer_and_by_the_witness(
    logdb: LogDb, witness
):
    db = with_witness(logdb, witness)
    ids = await clients_with_grants(db, [2, 2])
    signed = await checkpoint_now(db.sessions, db.config, db.clock)
    assert signed.witnessed

    await rewrite_history(db, ids[0], seq=2)  # the last of its chain: the links hold
    await grant(db, ids[1])
    with pytest.raises(LedgerBroken, match="not consistent with checkpoint 4"):
        await checkpoint_now(db.sessions, db.config, db.clock)

    # An operator who signs the rewritten log anyway, bypassing that check:
    async with db.sessions() as session, session.begin():
        await log.lock(session)
        await log.integrate(session, db.clock())
        size = await log.size(session)
        root = await log.root_at(session, size)
        proof = await log.consistency_proof(session, 4, size)
    forged = db.config.sign(Checkpoint(db.config.origin, size, root))
    async with httpx.AsyncClient() as http:
        refused = await http.post(
            f"{witness.url}/add-checkpoint", content=request_body(4, proof, forged)
        )
        assert refused.status_code == 422, refused.text
        assert json.loads(witness.state.read_text())["logs"][db.config.origin]["size"] == 4

        witness.stop()  # its state outlives it
        witness.start()
        again = await http.post(
            f"{witness.url}/add-checkpoint", content=request_body(0, [], forged)
        )
        assert (again.status_code, again.text) == (409, "4\n")
        assert again.headers["content-type"].startswith("text/x.tlog.size")


async def test_a_witness_that_is_down_leaves_the_checkpoint_unwitnessed(
    logdb: LogDb, witness, caplog
):
    db = with_witness(logdb, witness)
    await clients_with_grants(db, [1])
    assert (await checkpoint_now(db.sessions, db.config, db.clock)).witnessed
    witness.stop()
    await clients_with_grants(db, [1])
    with caplog.at_level(logging.WARNING, logger="infocap.ledger"):
        stored = await checkpoint_now(db.sessions, db.config, db.clock)
    assert (stored.tree_size, stored.witnessed, stored.cosigned_by) == (2, False, [])
    assert "unreachable" in caplog.text

    witness.start()  # back: the next run asks it again, for the latest checkpoint
    stored = await checkpoint_now(db.sessions, db.config, db.clock)
    assert (stored.tree_size, stored.witnessed) == (2, True)
