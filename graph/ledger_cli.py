"""``infocap ledger …`` and ``infocap witness …``: the commands of the transparency log.

Exit codes: 0 done (or verified), 1 the ledger, an export or a receipt does not verify
(or the answer is a refusal: no checkpoint yet), 2 bad input or settings."""

import argparse
import asyncio
import json
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graph.settings import Settings, SettingsError
from ledger.errors import LedgerError
from ledger.note import COSIGNATURE_V1, ED25519, NoteError, VerifierKey, parse_verifier_key
from ledger.verify import Verification


def add_commands(ledger: argparse.ArgumentParser, witness: argparse.ArgumentParser) -> None:
    commands = ledger.add_subparsers(dest="ledger_command", required=True)
    verify = commands.add_parser(
        "verify", help="every hash and link, the log rebuilt, every checkpoint checked"
    )
    verify.add_argument("--export", type=Path, help="verify an export file instead")
    verify.add_argument(
        "--key", help="the log's verifier key (default for the database: the configured key)"
    )
    verify.add_argument(
        "--full", action="store_true", help="decode and re-encode every event, trusting nothing"
    )
    export = commands.add_parser("export", help="the ledger and its checkpoints as JSON Lines")
    export.add_argument("--output", type=Path, help="a file (default: standard output)")
    commands.add_parser("checkpoint", help="integrate new events, sign a checkpoint, ask witnesses")
    rebuild = commands.add_parser(
        "rebuild", help="replay the events into a fresh projection; report drift from the live one"
    )
    rebuild.add_argument(
        "--apply", action="store_true", help="replace the drifted clients' projection rows"
    )
    public = commands.add_parser("public-key", help="print the log's note verifier key")
    public.add_argument("--pem", action="store_true", help="the public key as PEM instead")
    receipt = commands.add_parser("receipt", help="a receipt for one event (JSON)")
    receipt.add_argument("event_id")
    receipt.add_argument("--output", type=Path, help="a file (default: standard output)")
    check = commands.add_parser("verify-receipt", help="check a receipt offline")
    check.add_argument("file", type=Path)
    check.add_argument("--key", required=True, help="the log's note verifier key")
    check.add_argument(
        "--witness", action="append", default=[], help="a witness's verifier key that must cosign"
    )

    witnesses = witness.add_subparsers(dest="witness_command", required=True)
    serve = witnesses.add_parser("serve", help="run a witness (c2sp.org/tlog-witness)")
    serve.add_argument("--name", required=True, help="the witness's name, e.g. dpo.example.fi/w1")
    serve.add_argument("--key", type=Path, required=True, help="Ed25519 private key (PKCS#8 PEM)")
    serve.add_argument(
        "--log", action="append", required=True, help="a log's note verifier key (repeatable)"
    )
    serve.add_argument("--state", type=Path, required=True, help="where its state is kept")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=7380)
    key = witnesses.add_parser("public-key", help="print the witness's verifier key")
    key.add_argument("--name", required=True)
    key.add_argument("--key", type=Path, required=True)


def offline(args: argparse.Namespace) -> int | None:
    """The commands that need no settings and no database; ``None`` for the others."""
    if args.command == "witness":
        return witness_command(args)
    if args.ledger_command == "verify-receipt":
        return verify_receipt(args.file, args.key, args.witness)
    if args.ledger_command == "verify" and args.export is not None:
        if args.key is None:
            raise SettingsError("verifying an export needs --key, the log's verifier key")
        return report(verify_export(args.export, args.key, args.full))
    return None


def run(settings: Settings, args: argparse.Namespace) -> int:
    command = args.ledger_command
    try:
        if command == "verify":
            return report(asyncio.run(verify_live(settings, args.key, args.full)))
        if command == "export":
            return export(settings, args.output)
        if command == "checkpoint":
            return asyncio.run(checkpoint(settings))
        if command == "rebuild":
            return asyncio.run(rebuild(settings, args.apply))
        if command == "public-key":
            return public_key(settings, args.pem)
        return receipt(settings, args.event_id, args.output)
    except LedgerError as error:
        print(f"infocap: {error.message}", file=sys.stderr)
        return 1


def _key(text: str, kind: int, what: str) -> VerifierKey:
    try:
        return parse_verifier_key(text, kind)
    except NoteError as error:
        raise SettingsError(f"{what}: {error}") from error


# --- verify --------------------------------------------------------------------------------


def report(found: Verification) -> int:
    if found.problem is not None:
        print(f"ledger broken at {found.problem}", file=sys.stderr)
        return 1
    print(
        f"ledger verified: {found.events} events in {found.chains} chains, "
        f"log of {found.tree_size}, {found.checkpoints} checkpoints"
    )
    return 0


async def verify_live(settings: Settings, key: str | None, full: bool) -> Verification:
    from graph.runtime import running
    from ledger.verify import verify_database

    async with running(settings) as runtime, runtime.sessions() as session:
        config = runtime.log
        verifier = (
            _key(key, ED25519, "--key")
            if key is not None
            else None
            if config is None
            else config.verifier
        )
        witnesses = [w.key for w in config.witnesses] if config else []
        return await verify_database(session, verifier, witnesses, full=full)


def verify_export(path: Path, key: str, full: bool) -> Verification:
    from ledger.verify import verify_export as verify

    if not path.is_file():
        raise SettingsError(f"no such export: {path}")
    return verify(path, _key(key, ED25519, "--key"), full=full)


# --- export, checkpoint, keys, receipts ---------------------------------------------------


def export(settings: Settings, output: Path | None) -> int:
    if output is None:
        events, checkpoints = asyncio.run(_export(settings, sys.stdout.write))
    else:
        with output.open("w", encoding="utf-8", newline="\n") as out:
            events, checkpoints = asyncio.run(_export(settings, out.write))
    print(f"exported {events} events and {checkpoints} checkpoints", file=sys.stderr)
    return 0


async def _export(settings: Settings, write: Callable[[str], object]) -> tuple[int, int]:
    from graph.runtime import running
    from ledger.export import export as write_export

    async with running(settings) as runtime, runtime.sessions() as session:
        return await write_export(session, write)


async def checkpoint(settings: Settings) -> int:
    from graph.runtime import running
    from graph.services.ledger import configured
    from ledger.witnessing import checkpoint_now

    async with running(settings) as runtime:
        config = configured(runtime.log)
        stored = await checkpoint_now(runtime.sessions, config, runtime.clock)
    witnessed = "witnessed" if stored.witnessed else "not witnessed"
    print(f"checkpoint {stored.tree_size} ({witnessed})", file=sys.stderr)
    sys.stdout.write(stored.note)
    return 0


async def rebuild(settings: Settings, apply: bool) -> int:
    """Exit 0 when the projection matches the events; 1 when it drifted (each drifted row
    printed), also when ``apply`` then replaced it (a second run exits 0)."""
    from graph.runtime import running
    from ledger.rebuild import drift, replace_projection

    async with running(settings) as runtime:
        async with runtime.sessions() as session, session.begin():
            report = await drift(session)
        for found in report.drift:
            print(found.line())
        if not report.drift:
            print(f"projection matches the ledger: {report.rows} rows of {report.clients} clients")
            return 0
        print(
            f"projection drifted from the ledger: {report.count('missing')} missing, "
            f"{report.count('extra')} extra, {report.count('differs')} differing, in "
            f"{len(report.drifted_clients)} clients",
            file=sys.stderr,
        )
        if apply:
            async with runtime.sessions() as session, session.begin():
                replaced = await replace_projection(session, report.drifted_clients)
            print(f"projection rebuilt from the events for {replaced} clients", file=sys.stderr)
    return 1


def public_key(settings: Settings, pem: bool) -> int:
    from graph.runtime import log_config
    from graph.services.ledger import configured

    config = configured(log_config(settings))
    print(config.public_pem.strip() if pem else config.verifier)
    return 0


def receipt(settings: Settings, event_id: str, output: Path | None) -> int:
    try:
        key = uuid.UUID(event_id)
    except ValueError as error:
        raise SettingsError(f"not an event id: {event_id}") from error
    made = asyncio.run(_receipt(settings, key))
    if made is None:
        print(f"infocap: no such event: {event_id}", file=sys.stderr)
        return 1
    text = json.dumps(made, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
    return 0


async def _receipt(settings: Settings, key: uuid.UUID) -> dict[str, Any] | None:
    from graph.runtime import running
    from graph.services.ledger import event_by_id
    from graph.services.ledger import receipt as make

    async with running(settings) as runtime, runtime.sessions() as session:
        row = await event_by_id(session, key)
        if row is None:
            return None
        return await make(session, runtime.log, runtime.organisations, row)


def verify_receipt(path: Path, key: str, witnesses: list[str]) -> int:
    from ledger.receipts import verify_receipt as verify

    try:
        receipt_ = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SettingsError(f"{path}: not a readable JSON receipt: {error}") from error
    keys = [_key(w, COSIGNATURE_V1, "--witness") for w in witnesses]
    problems = verify(receipt_, _key(key, ED25519, "--key"), keys)
    if problems:
        for problem in problems:
            print(f"receipt does not verify: {problem}", file=sys.stderr)
        return 1
    event = receipt_["event"]
    cosigned = f", cosigned by {len(keys)} witness(es)" if keys else ""
    print(
        f"receipt verified: client {event['client']} seq {event['seq']} is entry "
        f"{receipt_['logIndex']} of the log of {receipt_['treeSize']}{cosigned}"
    )
    return 0


# --- witness -------------------------------------------------------------------------------


def witness_command(args: argparse.Namespace) -> int:
    from graph.witness import StateFile, public_key, witness_app, witness_core

    try:
        if args.witness_command == "public-key":
            print(public_key(args.name, args.key))
            return 0
        logs = [_key(k, ED25519, "--log") for k in args.log]
        core = witness_core(args.name, args.key, logs)
    except (ValueError, OSError) as error:
        raise SettingsError(f"witness: {error}") from error
    import uvicorn

    print(f"witness {core.verifier} on http://{args.host}:{args.port}", flush=True)
    uvicorn.run(witness_app(core, StateFile(args.state)), host=args.host, port=args.port)
    return 0
