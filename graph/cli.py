"""``infocap``: serve, migrate, check a deployment, export the schema and the settings'
documentation, import guardianships, show and check the policy, the ledger and its log
(verify, export, checkpoint, rebuild, keys, receipts), a witness, and the access log's
export and summary.

Commands import what they need when they run, so ``infocap --help`` and ``schema
export`` start without touching a database."""

import argparse
import asyncio
import contextlib
import json
import os
import socket
import sys
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path

from graph import audit_cli, ledger_cli
from graph.settings import DEMO_ISSUER, Settings, SettingsError, load_settings

DEMO_DIR = Path(".infocap-demo")
TOKENS_FILE = DEMO_DIR / "tokens.env"
SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"
CONFIGURATION_DOC = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="infocap", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the service")
    serve.add_argument("--host", help="default INFOCAP_HOST (127.0.0.1)")
    serve.add_argument("--port", type=int, help="default INFOCAP_PORT (8000)")
    serve.add_argument("--workers", type=int, help="default INFOCAP_WORKERS (1)")
    serve.add_argument(
        "--demo", action="store_true", help="demo keys, synthetic data, a token per role"
    )
    serve.add_argument(
        "--check", action="store_true", help="run `infocap check` first; refuse to start on FAIL"
    )

    commands.add_parser(
        "check", help="check configuration, database, JWKS, policy and ledger key; one line each"
    )

    settings_parser = commands.add_parser("settings", help="the service's settings")
    settings_commands = settings_parser.add_subparsers(dest="settings_command", required=True)
    settings_docs = settings_commands.add_parser("docs", help="write docs/configuration.md")
    settings_docs.add_argument(
        "--output", type=Path, default=CONFIGURATION_DOC, help="'-' for standard output"
    )

    policy = commands.add_parser("policy", help="the access policy")
    policy_commands = policy.add_subparsers(dest="policy_command", required=True)
    policy_commands.add_parser("show", help="the active policy's decisions and SHA-256")
    policy_check = policy_commands.add_parser(
        "check", help="check a changed policy file and show how its decisions differ"
    )
    policy_check.add_argument("file", type=Path)
    policy_check.add_argument(
        "--against", type=Path, help="the policy to compare with (default: INFOCAP_POLICY_FILE)"
    )

    commands.add_parser("migrate", help="bring the database to the current schema")
    partition = commands.add_parser(
        "partition",
        help="hash-partition every client-owned table by client (PostgreSQL; one transaction)",
    )
    partition.add_argument("--partitions", type=int, default=8, help="partitions per table")

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
    audit = commands.add_parser("audit", help="the access log: export, summary and signals")
    audit_cli.add_commands(audit)

    args = parser.parse_args(argv)
    try:
        if args.command == "schema":
            return export_schema(args.output)
        if args.command == "settings":
            return write_settings_docs(args.output)
        if args.command == "check":
            from graph.check import check

            return check(os.environ)
        if args.command in ("ledger", "witness"):
            done = ledger_cli.offline(args)
            if done is not None:
                return done
        settings = load_settings(os.environ)
        if args.command == "policy":
            return policy_command(settings, args)
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
        if args.command == "partition":
            return partition_command(settings, args.partitions)
        if args.command == "import":
            return asyncio.run(import_guardianships(settings, args.file))
        if args.command == "audit":
            return audit_cli.run(settings, args)
        return ledger_cli.run(settings, args)
    except SettingsError as error:
        print(f"infocap: {error}", file=sys.stderr)
        return 2


def partition_command(settings: Settings, partitions: int) -> int:
    """``schema.partitioning`` on the configured database, as its owner."""
    from schema.db import make_sync_engine
    from schema.partitioning import partition_by_client

    engine = make_sync_engine(settings.migration_database_url or settings.database_url)
    try:
        if engine.dialect.name != "postgresql":
            print("only PostgreSQL partitions tables", file=sys.stderr)
            return 2
        with engine.begin() as connection:
            converted = partition_by_client(connection, partitions)
    finally:
        engine.dispose()
    print(f"{len(converted)} tables partitioned by hash into {partitions}: {', '.join(converted)}")
    return 0


def export_schema(output: Path) -> int:
    from graph.schema import print_sdl

    sdl = print_sdl()
    if str(output) == "-":
        sys.stdout.write(sdl)
    else:
        output.write_text(sdl, encoding="utf-8")
        print(f"wrote {output}")
    return 0


def write_settings_docs(output: Path) -> int:
    from graph.settings_docs import render

    text = render()
    if str(output) == "-":
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        print(f"wrote {output}")
    return 0


def policy_command(settings: Settings, args: argparse.Namespace) -> int:
    from authz.active_policy import PolicyRefused, load_checked
    from authz.policy_diff import Decisions, render_diff, render_matrix

    try:
        against = getattr(args, "against", None)
        active = load_checked(settings.policy_model, against or settings.policy_file)
    except PolicyRefused as refused:
        name = "--against" if against else "INFOCAP_POLICY_FILE"
        raise SettingsError(f"{name} is refused: {'; '.join(refused.problems)}") from refused
    if args.policy_command == "show":
        print(f"policy file {settings.policy_file}")
        print(render_matrix(Decisions.of(active)))
        return 0
    try:
        changed = load_checked(settings.policy_model, args.file)
    except PolicyRefused as refused:
        for problem in refused.problems:
            print(f"{args.file}: {problem}", file=sys.stderr)
        print(f"{args.file}: refused ({len(refused.problems)} problems)", file=sys.stderr)
        return 1
    print(f"{args.file}: OK, sha256 {changed.sha256}")
    print(render_diff(Decisions.of(active), Decisions.of(changed)))
    return 0


def serve_command(settings: Settings, args: argparse.Namespace) -> int:
    import tempfile

    from graph.observability.metrics import MULTIPROC_ENV
    from schema.db import is_sqlite, migrate

    host = args.host or settings.host
    port = args.port or settings.port
    workers = args.workers or settings.workers
    if args.demo and settings.production:
        raise SettingsError("demo mode is refused in production")
    if args.check:
        from graph.check import check

        if check(os.environ) != 0:
            print("infocap: not starting: a check failed", file=sys.stderr)
            return 1
    # The port first: a start that cannot listen changes nothing (no new demo keys,
    # no tokens printed).
    try:
        sock = listening_socket(host, port)
    except OSError as error:
        print(f"infocap: cannot listen on {host}:{port}: {error}", file=sys.stderr)
        return 1
    with sock, contextlib.ExitStack() as stack:
        if args.demo:
            settings = asyncio.run(prepare_demo(settings, f"http://{host}:{port}/graphql"))
        elif is_sqlite(settings.database_url):
            migrate(settings.database_url)  # once, before the workers start
        if workers > 1 and not os.environ.get(MULTIPROC_ENV):
            # Each worker writes its metrics here; a scrape adds them up. Fresh each run.
            metrics_dir = stack.enter_context(
                tempfile.TemporaryDirectory(prefix="infocap-metrics-")
            )
            os.environ[MULTIPROC_ENV] = metrics_dir
            stack.callback(os.environ.pop, MULTIPROC_ENV, None)
        run_server(sock, host, port, workers, settings.log_level)
    return 0


def listening_socket(host: str, port: int) -> socket.socket:
    """The service's socket, bound (as uvicorn would bind it) before anything else runs."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def run_server(sock: socket.socket, host: str, port: int, workers: int, log_level: str) -> None:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from graph.observability.logs import logging_config

    config = uvicorn.Config(
        "graph.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=logging_config(log_level),
        access_log=False,
    )
    if workers > 1:
        Multiprocess(config, sockets=[sock]).run()
    else:
        uvicorn.Server(config).run(sockets=[sock])


async def prepare_demo(settings: Settings, address: str) -> Settings:
    """Keys, data and tokens for demo mode; the settings the workers will read."""
    from graph.demo import (
        DEMO_ORIGIN,
        DemoClock,
        DemoKeys,
        Seeded,
        exports,
        seed,
        system_tokens,
        tokens,
    )
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
    issued = tokens(keys, settings, seeded) | system_tokens(keys, settings)
    extra = {"INFOCAP_URL": address}
    if seeded is not None:
        extra["INFOCAP_EXAMPLE_CLIENT"] = seeded.example_client
    TOKENS_FILE.write_text(exports(issued, extra), encoding="utf-8")
    TOKENS_FILE.chmod(0o600)
    print("\ninfocap demo: a token per role, a county system's and a second county's (12 hours):\n")
    for role, token in issued.items():
        print(f"  {role:20} {token}\n")
    print(f"GraphiQL: {address} (send the header Authorization: Bearer <token>)")
    if seeded is not None:
        print(f"A client to look at: {seeded.example_client}")
    print(f"The same as shell variables: . {TOKENS_FILE}\n", flush=True)
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
