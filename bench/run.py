"""The benchmark: one command, a table on screen and JSON on disk.

    python3 -m bench [--scale small|medium|large] [--quick] [--seconds S]
                     [--before REV] [--no-naive] [--results DIR]

Starts a throwaway PostgreSQL, migrates it, generates and loads the dataset (COPY), runs
``infocap serve --workers 2`` on it and the workloads against it at concurrency 1 and 16,
the baselines in the same run, and a before-revision when asked; prints the table and the
targets of issue 8, and writes ``<results>/<timestamp>.json`` and ``latest.json``
(``latest-<scale>.json`` too: a large run compares its W1 latency with the last medium
one). See docs/performance.md.
"""

import argparse
import asyncio
import contextlib
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from authz.policy_check import COUNTY, KELA, problems
from bench import before as before_rev
from bench import capture, documents, load, raw, report
from bench.dataset import SCALES, default_anchor, worker_sub
from bench.loader import Loaded, dsn
from bench.loader import load as load_dataset
from bench.server import (
    AUDIENCE,
    ISSUER,
    ROOT,
    Served,
    Tokens,
    serve_app,
    serve_infocap,
    service_environment,
)
from bench.workloads import Workloads
from graph.settings import Settings
from schema.db import make_engine, make_sessions, migrate
from tests.pgserver import PostgresServer, postgres_server

DATABASE = "bench"
BEFORE_DATABASE = "bench_before"
CONCURRENCY = (1, 16)
PG_SETTINGS = {
    "shared_buffers": "1GB",
    "work_mem": "16MB",
    "maintenance_work_mem": "256MB",
    "max_wal_size": "4GB",
    "checkpoint_timeout": "30min",
}


def open_policy(scratch: Path) -> Path:
    """B-open's policy: the shipped one with every staff read ``STATUTORY`` (persons and
    the dpo keep their lines: the checker refuses STATUTORY for them, and W1 reads as
    staff). It passes ``infocap policy check``."""
    lines = []
    for line in (ROOT / "authz" / "policy.csv").read_text(encoding="utf-8").splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) == 5 and parts[0] == "p" and parts[3] == "read" and parts[1] in KELA | COUNTY:
            line = ", ".join([*parts[:4], "STATUTORY"])
        lines.append(line)
    text = "\n".join(lines) + "\n"
    found = problems(text)
    if found:
        raise RuntimeError(f"B-open's policy does not pass the check: {found}")
    path = scratch / "policy-open.csv"
    path.write_text(text, encoding="utf-8")
    return path


class Bench:
    def __init__(self, args: argparse.Namespace, pg: PostgresServer, scratch: Path) -> None:
        self.args = args
        self.pg = pg
        self.scratch = scratch
        self.url = pg.url(DATABASE)
        self.tokens = Tokens.create(scratch)
        self.results: dict[str, Any] = {"workloads": {}, "notes": []}
        self.seconds = args.seconds if args.seconds else (1.5 if args.quick else 10.0)
        self.loaded: Loaded | None = None
        self.workloads: Workloads | None = None

    @property
    def work(self) -> Workloads:
        if self.workloads is None:
            raise RuntimeError("the dataset is not loaded")
        return self.workloads

    @property
    def data(self) -> Loaded:
        if self.loaded is None:
            raise RuntimeError("the dataset is not loaded")
        return self.loaded

    def say(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    # --- set-up -----------------------------------------------------------------------------

    def prepare(self) -> None:
        clients = SCALES[self.args.scale]
        admin = dsn(self.pg.url())
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")
        migrate(self.url)
        self.say(f"loading {clients:,} clients ({self.args.scale}) …")
        self.loaded = load_dataset(self.url, clients, anchor=default_anchor(), processes=2)
        with psycopg.connect(dsn(self.url), autocommit=True) as conn:
            conn.execute(raw.BENCH_INSERTS)
            size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        loaded = self.loaded
        self.results["dataset"] = {
            "scale": self.args.scale,
            "clients": clients,
            "rows": dict(loaded.rows),
            "total_rows": sum(loaded.rows.values()),
            "load_seconds": round(loaded.seconds, 1),
            "changes": loaded.changes,
            "overview_clients": len(loaded.rich),
            "database_bytes": int(size[0]) if size else None,
        }
        self.say(
            f"loaded {sum(loaded.rows.values()):,} rows in {loaded.seconds:.0f} s, "
            f"{loaded.changes:,} changes"
        )
        self.workloads = Workloads(self.tokens, loaded.rich, loaded.sample)

    def env(self, url: str | None = None, policy: Path | None = None) -> dict[str, str]:
        return service_environment(url or self.url, self.tokens, self.scratch, policy)

    # --- measuring --------------------------------------------------------------------------

    def measure(
        self,
        name: str,
        served: Served,
        next_request: Callable[[int], load.Request],
        *,
        check: load.Check = load.default_check,
        concurrency: tuple[int, ...] = CONCURRENCY,
        seconds: float | None = None,
    ) -> None:
        out = self.results["workloads"].setdefault(name, {"runs": {}})
        for c in concurrency:
            stats = asyncio.run(
                load.run(
                    "127.0.0.1",
                    served.port,
                    next_request,
                    concurrency=c,
                    seconds=seconds or self.seconds,
                    check=check,
                )
            )
            rss = served.sample_rss()
            figures = stats.as_json() | {"worker_rss_mib": _mib(rss)}
            out["runs"][str(c)] = figures
            self.say(report.line(name, figures))
            if stats.errors:
                self.say(served.log.read_text(errors="replace")[-1500:])

    @contextlib.contextmanager
    def serving(self, served: Served) -> Iterator[Served]:
        try:
            yield served
        finally:
            served.stop()

    def service(self) -> None:
        work = self.work
        with self.serving(serve_infocap("service", self.env(), self.scratch)) as served:
            self.results["service_workers"] = len(served.workers())
            self.measure("W1", served, work.w1())
            self.measure("W2", served, work.w2())
            inbox, inbox_check = work.w3()
            self.measure("W3", served, inbox, check=inbox_check)
            feed_page = 100
            for c in CONCURRENCY:
                sync, sync_check = work.w4(self.data.changes, c, feed_page)
                self.measure("W4", served, sync, check=sync_check, concurrency=(c,))
            self.results["workloads"]["W4"]["page"] = feed_page
            many = work.w5(self.data.sample, seed=5)
            self.measure("W5 many clients", served, many)
            hot = [self.data.sample[0]]
            self.measure("W5 one client", served, work.w5(hot, seed=6))
            self.results["rss_peak_mib"] = _mib(served.rss_peak)

    def open_baseline(self) -> None:
        work = self.work
        policy = open_policy(self.scratch)
        env = self.env(policy=policy)
        with self.serving(serve_infocap("b-open", env, self.scratch)) as served:
            self.measure("B-open", served, work.w1())
            self.compare("B-open", served.port)
        self.results["workloads"]["B-open"]["policy"] = "every staff read STATUTORY (checked)"

    def raw_baselines(self) -> None:
        work = self.work
        env = self.env() | {"BENCH_DATABASE_URL": self.url}
        with self.serving(serve_app("b-raw", "bench.raw:app", env, self.scratch)) as served:
            self.measure("B-raw", served, work.w1())
            self.compare("B-raw", served.port)
            insert = load.Request("/insert", b"{}")
            self.measure("B-insert", served, lambda _: insert)

    def naive_baseline(self) -> None:
        work = self.work
        env = self.env() | {"BENCH_DATABASE_URL": self.url}
        with self.serving(serve_app("b-naive", "bench.naive:app", env, self.scratch)) as served:
            self.measure("B-naive", served, work.w1())
            self.compare("B-naive", served.port)

    def before(self, rev: str) -> None:
        work = self.work
        url = self.pg.url(BEFORE_DATABASE)
        with before_rev.worktree(rev, self.scratch) as tree:
            revision = before_rev.head(tree)
            before_rev.to_revision(url, revision)
            self.results["before"] = {"rev": rev, "commit": before_rev.describe(tree)}
            self.say(f"before: {self.results['before']['commit']}")
            served = serve_infocap("before", self.env(url), self.scratch, tree=tree)
            with self.serving(served):
                self.measure("W1 before", served, work.w1())
                self.compare("W1 before", served.port)

    def copy_for_before(self) -> None:
        """The before-revision's database: a copy of the loaded one, made while nothing is
        connected to it."""
        with psycopg.connect(dsn(self.pg.url()), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {BEFORE_DATABASE} TEMPLATE {DATABASE}")

    # --- in this process: the statements, the plans, the answers compared, W6 ------------

    def statements(self) -> None:
        cid, org = self.data.rich[0]
        settings = Settings(
            database_url=self.url,
            jwks_file=self.tokens.jwks_path,
            jwt_issuer=ISSUER,
            jwt_audience=AUDIENCE,
            attachment_dir=self.scratch / "attachments",
            checkpoint_interval=0,
        )
        token = self.tokens.token("social_worker", org, worker_sub(org))
        answer, captured = asyncio.run(
            capture.in_process(settings, documents.caseworker_overview(), {"id": cid}, token)
        )
        self.reference = answer
        self.results["w1_statements"] = {
            "count": len(captured),
            "reads": sum(1 for s in captured if s.reads),
            "statements": [s.short(160) for s in captured],
        }
        self.results["explain"] = capture.explain(self.url, captured)
        self.say(f"W1 runs {len(captured)} SQL statements a request")

    def compare(self, name: str, port: int) -> None:
        """The baseline's answer to W1's first request beside the service's."""
        work = self.work
        request = work.w1()(0)
        answer = asyncio.run(load.one("127.0.0.1", port, request))
        self.results["workloads"][name]["same_answer"] = report.compare(
            self.reference, json.loads(answer.body)
        )

    def ledger(self) -> None:
        """W6: a checkpoint of the whole ledger, then verify against B-hash."""
        from bench.ledger_verify import ORIGIN, fetch_and_hash, fetch_and_hash_raw
        from ledger.checkpoints import LogConfig
        from ledger.verify import verify_database
        from ledger.witnessing import checkpoint_now

        async def work() -> dict[str, Any]:
            engine = make_engine(self.url)
            sessions = make_sessions(engine)
            config = LogConfig(ORIGIN, Ed25519PrivateKey.generate())
            try:
                started = time.perf_counter()
                stored = await checkpoint_now(sessions, config, lambda: datetime.now(UTC))
                checkpoint = time.perf_counter() - started
                started = time.perf_counter()
                hashed = await fetch_and_hash(engine)
                hash_seconds = time.perf_counter() - started
                started = time.perf_counter()
                hashed_raw = await asyncio.to_thread(fetch_and_hash_raw, self.url)
                raw_seconds = time.perf_counter() - started
                started = time.perf_counter()
                async with sessions() as session:
                    found = await verify_database(session, config.verifier)
                verify_seconds = time.perf_counter() - started
            finally:
                await engine.dispose()
            if not found.ok:
                raise RuntimeError(f"the dataset's ledger does not verify: {found}")
            events = found.events
            return {
                "events": events,
                "checkpoint_tree_size": stored.tree_size,
                "checkpoint_seconds": round(checkpoint, 3),
                "checkpoint_events_per_s": round(stored.tree_size / checkpoint),
                "verify_seconds": round(verify_seconds, 3),
                "verify_events_per_s": round(events / verify_seconds),
                "hash_events_per_s": round(hashed / hash_seconds),
                "hash_raw_events_per_s": round(hashed_raw / raw_seconds),
            }

        figures = asyncio.run(work())
        self.results["workloads"]["W6"] = figures
        self.say(
            f"W6  checkpoint {figures['checkpoint_tree_size']:,} events in "
            f"{figures['checkpoint_seconds']} s; verify {figures['verify_events_per_s']:,} "
            f"events/s; B-hash {figures['hash_events_per_s']:,}/s"
        )

    # --- the whole run --------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        started = time.perf_counter()
        self.results["started"] = datetime.now(UTC).isoformat(timespec="seconds")
        self.results["machine"] = machine()
        self.results["seconds_per_run"] = self.seconds
        self.prepare()
        if self.args.before:
            self.copy_for_before()
        self.statements()
        self.service()
        self.open_baseline()
        self.raw_baselines()
        if not self.args.no_naive:
            self.naive_baseline()
        if self.args.before:
            self.before(self.args.before)
        self.ledger()
        self.results["seconds"] = round(time.perf_counter() - started, 1)
        self.results["machine"]["load_after"] = os.getloadavg()
        return self.results


def _mib(rss: dict[int, int]) -> list[float]:
    return [round(v / 2**20, 1) for v in sorted(rss.values())]


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "load_before": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--scale", choices=sorted(SCALES), default="medium")
    parser.add_argument("--quick", action="store_true", help="1.5 s a measurement (CI)")
    parser.add_argument("--seconds", type=float, help="seconds a measurement (default 10)")
    parser.add_argument("--before", metavar="REV", help="also measure W1 of this git revision")
    parser.add_argument("--no-naive", action="store_true", help="leave out B-naive")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    with (
        postgres_server(PG_SETTINGS) as pg,
        tempfile.TemporaryDirectory(prefix="infocap-bench-") as scratch,
    ):
        results = Bench(args, pg, Path(scratch)).run()
    results["report"] = report.evaluate(results, args.results)
    print(report.table(results))
    args.results.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(results, indent=2, default=str) + "\n"
    for name in (f"{stamp}-{args.scale}.json", "latest.json", f"latest-{args.scale}.json"):
        (args.results / name).write_text(text, encoding="utf-8")
    print(f"\nwritten: {args.results / f'{stamp}-{args.scale}.json'} (and latest.json)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
