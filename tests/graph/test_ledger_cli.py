"""``infocap ledger …`` and ``infocap witness public-key``, in-process through ``main``,
on both databases: checkpoint, public key, export and its verification, live
verification, receipts and their offline verification."""

import asyncio
import json
import os
import uuid
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from graph.cli import main, prepare_demo
from graph.demo import DEMO_ORIGIN, DemoKeys
from graph.domain.personal_id import make
from graph.settings import Settings
from ledger.note import COSIGNATURE_V1, ED25519, VerifierKey, parse_verifier_key
from schema.db import make_sync_engine
from schema.models import ConsentEvent
from tests.graph.test_cli import grant, register, use_database

ORIGIN = "cli.infocap.test/consent"
FIRST = make(date(1961, 2, 3), 941)
SECOND = make(date(1972, 4, 5), 942)


def pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@pytest.fixture
def ledger_env(
    monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path
) -> tuple[Settings, VerifierKey]:
    settings = use_database(monkeypatch, database_url, tmp_path)
    key = Ed25519PrivateKey.generate()
    (tmp_path / "ledger.pem").write_bytes(pem(key))
    monkeypatch.setenv("INFOCAP_LEDGER_KEY_FILE", str(tmp_path / "ledger.pem"))
    monkeypatch.setenv("INFOCAP_LEDGER_ORIGIN", ORIGIN)
    return settings, VerifierKey.of(ORIGIN, ED25519, key)


def filled(settings: Settings) -> list[str]:
    """Two clients and five events: each client's INFORMED, then three grants in all."""
    ids = register(settings, [FIRST, SECOND])
    grant(settings, ids[0], FIRST, ["Toimeentulotuki", "Asumisen tuki"])
    grant(settings, ids[1], SECOND, ["Kuntoutus"])
    return ids


def event_ids(settings: Settings) -> list[str]:
    engine = make_sync_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(ConsentEvent.id).order_by(ConsentEvent.client_id, ConsentEvent.seq)
            )
            return [str(r[0]) for r in rows]
    finally:
        engine.dispose()


def test_public_key_and_checkpoint(ledger_env, capsys):
    settings, key = ledger_env
    assert main(["ledger", "public-key"]) == 0
    assert capsys.readouterr().out.strip() == str(key)
    assert main(["ledger", "public-key", "--pem"]) == 0
    assert capsys.readouterr().out.startswith("-----BEGIN PUBLIC KEY-----")
    filled(settings)
    assert main(["ledger", "checkpoint"]) == 0
    out = capsys.readouterr()
    assert out.out.startswith(f"{ORIGIN}\n5\n")
    assert "checkpoint 5 (not witnessed)" in out.err


def test_export_and_verify_it_with_the_key_alone(ledger_env, tmp_path: Path, capsys):
    settings, key = ledger_env
    filled(settings)
    assert main(["ledger", "checkpoint"]) == 0
    export = tmp_path / "ledger.jsonl"
    assert main(["ledger", "export", "--output", str(export)]) == 0
    assert "exported 5 events and 1 checkpoints" in capsys.readouterr().err
    lines = export.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 6
    assert json.loads(lines[-1])["checkpoint"].startswith(f"{ORIGIN}\n5\n")

    for extra in ([], ["--full"]):
        assert main(["ledger", "verify", "--export", str(export), "--key", str(key), *extra]) == 0
        assert "ledger verified: 5 events in 2 chains, log of 5, 1 checkpoints" in (
            capsys.readouterr().out
        )
    tampered = json.loads(lines[1])
    tampered["body"]["purpose"] = "Jotain muuta"
    export.write_text(
        "\n".join([lines[0], json.dumps(tampered, ensure_ascii=False), *lines[2:]]) + "\n",
        encoding="utf-8",
    )
    assert main(["ledger", "verify", "--export", str(export), "--key", str(key)]) == 1
    err = capsys.readouterr().err
    assert f"client {tampered['client']} seq {tampered['seq']}" in err


def test_export_to_standard_output(ledger_env, capsys):
    settings, _ = ledger_env
    filled(settings)
    assert main(["ledger", "export"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 5  # no checkpoint yet: the events only, without a logIndex
    assert all("logIndex" not in json.loads(line) for line in out)


def test_verifying_an_export_needs_the_key(ledger_env, tmp_path: Path, capsys):
    export = tmp_path / "ledger.jsonl"
    export.write_text("", encoding="utf-8")
    assert main(["ledger", "verify", "--export", str(export)]) == 2
    assert "--key" in capsys.readouterr().err
    assert main(["ledger", "verify", "--export", str(export), "--key", "nonsense"]) == 2
    assert main(["ledger", "verify", "--export", str(tmp_path / "none"), "--key", "x+1+2"]) == 2


def test_live_verify_with_the_configured_key(ledger_env, capsys):
    settings, key = ledger_env
    filled(settings)
    assert main(["ledger", "checkpoint"]) == 0
    capsys.readouterr()
    for extra in ([], ["--full"], ["--key", str(key)]):
        assert main(["ledger", "verify", *extra]) == 0
        assert "log of 5, 1 checkpoints" in capsys.readouterr().out
    other = VerifierKey.of(ORIGIN, ED25519, Ed25519PrivateKey.generate())
    assert main(["ledger", "verify", "--key", str(other)]) == 1
    assert "checkpoint 5" in capsys.readouterr().err


def test_a_receipt_and_its_offline_verification(ledger_env, tmp_path: Path, capsys):
    settings, key = ledger_env
    ids = filled(settings)
    first_event = event_ids(settings)[0]
    assert main(["ledger", "receipt", first_event]) == 1
    assert "next checkpoint" in capsys.readouterr().err
    assert main(["ledger", "checkpoint"]) == 0
    receipt = tmp_path / "receipt.json"
    assert main(["ledger", "receipt", first_event, "--output", str(receipt)]) == 0
    made = json.loads(receipt.read_text(encoding="utf-8"))
    assert made["event"]["client"] in ids
    assert made["consentRecord"]["controller"]["id"] == "wc-pirkanmaa"
    capsys.readouterr()

    assert main(["ledger", "verify-receipt", str(receipt), "--key", str(key)]) == 0
    assert "receipt verified" in capsys.readouterr().out
    witness = VerifierKey.of("w.test/1", COSIGNATURE_V1, Ed25519PrivateKey.generate())
    args = ["ledger", "verify-receipt", str(receipt), "--key", str(key), "--witness", str(witness)]
    assert main(args) == 1
    assert "no valid cosignature" in capsys.readouterr().err

    made["consentRecord"]["purpose"] = "Jotain muuta"
    made["event"]["body"]["purpose"] = "Jotain muuta"
    receipt.write_text(json.dumps(made), encoding="utf-8")
    assert main(["ledger", "verify-receipt", str(receipt), "--key", str(key)]) == 1
    assert "does not hash" in capsys.readouterr().err
    assert main(["ledger", "receipt", str(uuid.uuid4())]) == 1
    assert main(["ledger", "receipt", "not-an-id"]) == 2


def test_without_a_log_key_the_log_commands_say_so(
    monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path, capsys
):
    use_database(monkeypatch, database_url, tmp_path)
    assert main(["ledger", "checkpoint"]) == 1
    assert "INFOCAP_LEDGER_KEY_FILE" in capsys.readouterr().err
    assert main(["ledger", "public-key"]) == 1


def test_witness_public_key(tmp_path: Path, capsys):
    key = Ed25519PrivateKey.generate()
    (tmp_path / "w.pem").write_bytes(pem(key))
    assert (
        main(["witness", "public-key", "--name", "dpo.test/w1", "--key", str(tmp_path / "w.pem")])
        == 0
    )
    printed = parse_verifier_key(capsys.readouterr().out.strip(), COSIGNATURE_V1)
    assert printed == VerifierKey.of("dpo.test/w1", COSIGNATURE_V1, key)
    assert main(["witness", "public-key", "--name", "a b", "--key", str(tmp_path / "w.pem")]) == 2
    assert main(["witness", "public-key", "--name", "w", "--key", str(tmp_path / "none")]) == 2


def test_demo_mode_has_a_log_key_origin_and_checkpoint(
    monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path, capsys
):
    """``serve --demo`` makes its own log key (kept across runs) and origin, and signs a
    checkpoint over the demo ledger, so receipts work at once."""
    settings = use_database(monkeypatch, database_url, tmp_path)
    monkeypatch.chdir(tmp_path)
    names = ("DEMO", "JWKS_FILE", "JWKS_URL", "JWT_ISSUER", "LEDGER_KEY_FILE", "LEDGER_ORIGIN")
    for name in (*names, "PII_KEY_FILE"):
        monkeypatch.setenv(f"INFOCAP_{name}", "")  # prepare_demo sets them: undone after
    ready = asyncio.run(prepare_demo(settings, "http://127.0.0.1:8000/graphql"))
    assert ready.ledger_key_file is not None
    assert ready.ledger_origin == DEMO_ORIGIN
    assert os.environ["INFOCAP_LEDGER_ORIGIN"] == DEMO_ORIGIN
    key_bytes = ready.ledger_key_file.read_bytes()
    assert "ledger checkpoint" in capsys.readouterr().out
    assert DemoKeys.create(Path(".infocap-demo")).ledger_key_path.read_bytes() == key_bytes
    assert main(["ledger", "verify"]) == 0
    out = capsys.readouterr().out
    assert "1 checkpoints" in out
    assert ", log of 0," not in out
