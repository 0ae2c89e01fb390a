"""A CPU profile of W1 (the caseworker overview) in one process, this tree and a
before-revision alike, on the same data.

    python3 -m bench.profile [--scale small] [--requests 300] [--before REV]

Starts a throwaway PostgreSQL, loads the dataset as the benchmark does, and runs the
overview for the caseworker-overview clients in turn through the service's ASGI app in
one process (no HTTP server, no load generator beside it; httpx's ASGI client is in the
figures, about 0.6 ms a request): a warm-up, ``--requests`` requests timed (CPU time of
the process), then as many under ``cProfile``. With ``--before`` the same on a copy of
the database brought to the revision's schema, with the revision's tree first on the
path. Prints, for each, the CPU milliseconds a request, where they go by package (own
time), and the functions with the most own time. See docs/performance.md."""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import before as before_rev
from bench.dataset import worker_sub
from bench.run import BEFORE_DATABASE, DATABASE, PG_SETTINGS, Bench
from bench.server import ROOT
from tests.pgserver import postgres_server

# Runs in a child process, with the tree to profile first on the path: it imports only
# what every revision has (the app, its settings, httpx).
CHILD = r"""
import asyncio, cProfile, json, os, pstats, sys, time
import httpx
from graph.app import create_app
from graph.settings import load_settings

requests = json.loads(os.environ["PROFILE_REQUESTS"])
count, warm, out = int(os.environ["PROFILE_COUNT"]), 30, os.environ["PROFILE_OUT"]

async def main():
    app = create_app(load_settings(os.environ))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://profile") as client:
            async def one(n):
                body, token = requests[n % len(requests)]
                answer = await client.post(
                    "/graphql", json=body, headers={"Authorization": f"Bearer {token}"}
                )
                assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
            for n in range(warm):
                await one(n)
            started = time.process_time()
            for n in range(count):
                await one(n)
            plain = time.process_time() - started
            profile = cProfile.Profile()
            started = time.process_time()
            profile.enable()
            for n in range(count):
                await one(n)
            profile.disable()
            cpu = time.process_time() - started
            profile.dump_stats(out)
            print(json.dumps({
                "cpu_ms_per_request": 1000 * plain / count,
                "cpu_ms_per_request_profiled": 1000 * cpu / count,
            }))

asyncio.run(main())
"""

PACKAGES = (
    "sqlalchemy",
    "psycopg",
    "graphql",
    "strawberry",
    "starlette",
    "httpx",
    "httpcore",
    "casbin",
    "jwt",
    "cryptography",
    "prometheus_client",
    "asyncio",
)


def package_of(filename: str) -> str:
    """The package a profiled function belongs to (ours by top-level directory)."""
    parts = Path(filename).parts
    for name in PACKAGES:
        if name in parts:
            return name
    for name in ("graph", "authz", "ledger", "schema"):
        if name in parts and "site-packages" not in parts:
            return f"infocap {name}"
    if filename == "~":
        return "built-ins (C), called from any of these"
    return "python's library" if filename.startswith(("/usr", "<")) else "other"


def summary(stats_file: Path, requests: int, top: int) -> dict[str, object]:
    """Own time by package, and the functions with the most own time, per request."""
    import pstats

    stats = pstats.Stats(str(stats_file))
    raw = stats.stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in raw.values())
    by_package: dict[str, float] = {}
    for (filename, _, _), (_, _, own, _, _) in raw.items():
        name = package_of(filename)
        by_package[name] = by_package.get(name, 0.0) + own
    functions = sorted(raw.items(), key=lambda item: item[1][2], reverse=True)[:top]
    ours = sorted(
        (item for item in raw.items() if package_of(item[0][0]).startswith("infocap")),
        key=lambda item: item[1][3],
        reverse=True,
    )[:top]
    return {
        "profiled_ms_per_request": round(1000 * total / requests, 2),
        "by_package_ms": {
            k: round(1000 * v / requests, 2)
            for k, v in sorted(by_package.items(), key=lambda kv: kv[1], reverse=True)
        },
        "top_own_ms": [
            {
                "function": f"{Path(f).name}:{line} {name}",
                "calls_per_request": round(v[1] / requests, 1),
                "own_ms": round(1000 * v[2] / requests, 3),
                "cumulative_ms": round(1000 * v[3] / requests, 3),
            }
            for (f, line, name), v in functions
        ],
        "ours_by_cumulative_ms": [
            {
                "function": f"{Path(f).parent.name}/{Path(f).name}:{line} {name}",
                "calls_per_request": round(v[1] / requests, 1),
                "cumulative_ms": round(1000 * v[3] / requests, 3),
            }
            for (f, line, name), v in ours
        ],
    }


def profile(
    bench: Bench, url: str, tree: Path, label: str, count: int, top: int
) -> dict[str, object]:
    requests = [
        (
            {"query": bench.work.overview, "variables": {"id": cid}},
            bench.tokens.token("social_worker", org, worker_sub(org)),
        )
        for cid, org in bench.data.rich
    ]
    out = bench.scratch / f"{label}.prof"
    env = (
        os.environ
        | bench.env(url)
        | {
            "PYTHONPATH": os.pathsep.join(dict.fromkeys([str(tree), str(ROOT)])),
            "PROFILE_REQUESTS": json.dumps(requests),
            "PROFILE_COUNT": str(count),
            "PROFILE_OUT": str(out),
        }
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", CHILD], env=env, cwd=tree, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"the {label} profile failed:\n{done.stderr[-3000:]}")
    figures: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures | summary(out, count, top)


def show(label: str, found: dict[str, object]) -> None:
    print(
        f"\n== {label}: {found['cpu_ms_per_request']:.1f} ms CPU a request "
        f"({found['profiled_ms_per_request']} ms under the profiler)"
    )
    print("own time by package, ms a request:")
    for name, ms in found["by_package_ms"].items():  # type: ignore[attr-defined]
        print(f"  {ms:8.2f}  {name}")
    print("functions with the most own time, a request (calls, own ms, cumulative ms):")
    for row in found["top_own_ms"]:  # type: ignore[attr-defined]
        print(
            f"  {row['calls_per_request']:8.1f} {row['own_ms']:8.3f} {row['cumulative_ms']:9.3f}"
            f"  {row['function']}"
        )
    print("our functions by cumulative time, a request (calls, cumulative ms):")
    for row in found["ours_by_cumulative_ms"]:  # type: ignore[attr-defined]
        print(f"  {row['calls_per_request']:8.1f} {row['cumulative_ms']:9.3f}  {row['function']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m bench.profile", description=__doc__)
    parser.add_argument("--scale", default="small")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--before", metavar="REV")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--output", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    bench_args = argparse.Namespace(
        scale=args.scale, seconds=1.0, quick=True, before=args.before, no_naive=True
    )
    results: dict[str, object] = {"scale": args.scale, "requests": args.requests}
    with (
        postgres_server(PG_SETTINGS) as pg,
        tempfile.TemporaryDirectory(prefix="infocap-profile-") as scratch,
    ):
        bench = Bench(bench_args, pg, Path(scratch))
        bench.prepare()
        if args.before:
            bench.copy_for_before()
        found = profile(bench, pg.url(DATABASE), ROOT, "after", args.requests, args.top)
        results["after"] = found
        show("this tree", found)
        if args.before:
            url = pg.url(BEFORE_DATABASE)
            with before_rev.worktree(args.before, bench.scratch) as tree:
                before_rev.to_revision(url, before_rev.head(tree), bench.keyring)
                found = profile(bench, url, tree, "before", args.requests, args.top)
                results["before"] = found | {"rev": args.before}
                show(f"before ({args.before})", found)
    if args.output:
        args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
