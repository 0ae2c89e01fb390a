"""``infocap``: serve, migrate, export the schema, import guardianships, the ledger and its
log (verify, export, checkpoint, keys, receipts), and a witness.

Commands import what they need when they run, so ``infocap --help`` and ``schema
export`` start without touching a database."""

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path

from graph import ledger_cli
from graph.settings import DEMO_ISSUER, Settings, SettingsError, load_settings

DEMO_DIR = Path(".infocap-demo")
SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="infocap", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--demo", action="store_true", help="demo keys, synthetic data, a token per role"
    )

    commands.add_parser("migrate", help="bring the database to the current schema")

    schema = commands.add_parser("schema", help="the published GraphQL schema")
    schema_commands = schema.add_subparsers(dest="schema_command", required=True)
    export = schema_commands.add_parser("export", help="write the SDL")
    export.add_argument("--output", type=Path, default=SCHEMA_FILE, help="'-' for standard output")

    importer = commands.add_parser("import", help="import reference data")
    import_commands = importer.add_subparsers(dest="import_command", required=True)
    guardians = import_commands.add_parser(
        "guardianships",
        help="CSV: guardian_personal_id, ward_personal_id, kind, valid_from, valid_until",
    )
    guardians.add_argument("file", type=Path)

    ledger = commands.add_parser("ledger", help="the consent ledger and its transparency log")
    witness = commands.add_parser("witness", help="a witness of the transparency log")
    ledger_cli.add_commands(ledger, witness)

    args = parser.parse_args(argv)
    try:
        if args.command == "schema":
            return export_schema(args.output)
        if args.command in ("ledger", "witness"):
            done = ledger_cli.offline(args)
            if done is not None:
                return done
        settings = load_settings(os.environ)
        if args.command == "serve":
            return serve_command(settings, args)
        if args.command == "migrate":
            from schema.db import migrate

            owner = settings.migration_database_url or settings.database_url
            migrate(owner, app_role=settings.app_role)
            granted = (
                f"; {settings.app_role} granted the service's privileges"
                if settings.app_role
                else ""
            )
            print(f"database at the current schema{granted}")
            return 0
        if args.command == "import":
            return asyncio.run(import_guardianships(settings, args.file))
        return ledger_cli.run(settings, args)
    except SettingsError as error:
        print(f"infocap: {error}", file=sys.stderr)
        return 2


def export_schema(output: Path) -> int:
    from graph.schema import print_sdl

    sdl = print_sdl()
    if str(output) == "-":
        sys.stdout.write(sdl)
    else:
        output.write_text(sdl, encoding="utf-8")
        print(f"wrote {output}")
    return 0


def serve_command(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from schema.db import is_sqlite, migrate

    if args.demo:
        if settings.production:
            raise SettingsError("demo mode is refused in production")
        settings = asyncio.run(prepare_demo(settings, f"http://{args.host}:{args.port}/graphql"))
    elif is_sqlite(settings.database_url):
        migrate(settings.database_url)  # once, before the workers start
    uvicorn.run(
        "graph.app:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
    )
    return 0


async def prepare_demo(settings: Settings, address: str) -> Settings:
    """Keys, data and tokens for demo mode; the settings the workers will read."""
    from graph.demo import DEMO_ORIGIN, DemoClock, DemoKeys, Seeded, seed, tokens
    from graph.runtime import running
    from ledger.witnessing import checkpoint_now

    keys = DemoKeys.create(DEMO_DIR)
    settings = replace(
        settings,
        jwks_file=keys.jwks_path,
        jwks_url=None,
        jwt_issuer=DEMO_ISSUER,
        demo=True,
        ledger_key_file=keys.ledger_key_path,
        ledger_origin=DEMO_ORIGIN,
    )
    os.environ.update(
        {
            "INFOCAP_DEMO": "1",
            "INFOCAP_JWKS_FILE": str(keys.jwks_path),
            "INFOCAP_JWT_ISSUER": DEMO_ISSUER,
            "INFOCAP_LEDGER_KEY_FILE": str(keys.ledger_key_path),
            "INFOCAP_LEDGER_ORIGIN": DEMO_ORIGIN,
        }
    )
    os.environ.pop("INFOCAP_JWKS_URL", None)
    clock = DemoClock()
    async with running(settings, clock=clock) as runtime:
        seeded = await seed(runtime, clock)
        if runtime.log is not None:  # a checkpoint over the demo ledger: receipts work
            checkpoint = await checkpoint_now(runtime.sessions, runtime.log, runtime.clock)
            print(
                f"\nledger checkpoint {checkpoint.tree_size}, verifier key {runtime.log.verifier}"
            )
    record = DEMO_DIR / "seeded.json"
    if seeded is not None:
        record.write_text(json.dumps(asdict(seeded)))
    elif record.exists():
        seeded = Seeded(**json.loads(record.read_text()))
    print("\ninfocap demo: a token per role (valid 12 hours):\n")
    for role, token in tokens(keys, settings, seeded).items():
        print(f"  {role:18} {token}\n")
    print(f"GraphiQL: {address} (send the header Authorization: Bearer <token>)")
    if seeded is not None:
        print(f"A client to look at: {seeded.example_client}\n")
    return settings


async def import_guardianships(settings: Settings, path: Path) -> int:
    from graph.domain.workdays import helsinki_date
    from graph.runtime import running
    from graph.services.guardianships import import_rows, read_csv

    try:
        rows = read_csv(path)
    except (OSError, ValueError) as error:
        print(f"infocap: {error}", file=sys.stderr)
        return 2
    async with running(settings) as runtime, runtime.sessions() as session, session.begin():
        now = runtime.clock()
        report = await import_rows(session, rows, now, helsinki_date(now))
        if report.errors:
            await session.rollback()
    if report.errors:
        for problem in report.errors:
            print(f"infocap: {problem}", file=sys.stderr)
        print("nothing imported", file=sys.stderr)
        return 1
    print(f"{report.added} guardianships added, {report.already_known} already known")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
