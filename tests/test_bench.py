"""The benchmark harness stays runnable (issue 8): a generated dataset loads, verifies
and is served, and the quick mode runs every workload and baseline end to end.

No timed assertions: these check shapes and that nothing failed; the figures are the
harness's to print (docs/performance.md)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from bench import documents
from bench.dataset import default_anchor, worker_sub
from bench.loader import load, orphans
from bench.server import AUDIENCE, ISSUER, Tokens
from graph.settings import Settings
from schema.db import migrate
from tests.pgserver import PostgresServer

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def bench_url(pg: PostgresServer) -> str:
    name = "bench_" + os.urandom(4).hex()
    with psycopg.connect(pg.url().replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = pg.url(name)
    migrate(url)
    return url


def test_a_generated_dataset_verifies_and_the_service_answers_the_overview(
    bench_url: str, tmp_path: Path
):
    loaded = load(bench_url, 120, anchor=default_anchor(), processes=1, progress=False)
    assert loaded.rich, "the dataset has caseworker-overview clients"
    assert orphans(bench_url) == []
    assert loaded.changes == loaded.rows["changes"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFOCAP_")}
    verified = subprocess.run(
        [sys.executable, "-c", "from graph.cli import main; main()", "ledger", "verify"],
        env=env | {"INFOCAP_DATABASE_URL": bench_url, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stderr
    assert f"{loaded.rows['consent_events']} events" in verified.stdout

    from bench.capture import in_process

    tokens = Tokens.create(tmp_path)
    settings = Settings(
        database_url=bench_url,
        jwks_file=tokens.jwks_path,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        attachment_dir=tmp_path,
        checkpoint_interval=0,
    )
    cid, org = loaded.rich[0]
    token = tokens.token("social_worker", org, worker_sub(org))
    import asyncio

    answer, statements = asyncio.run(
        in_process(settings, documents.caseworker_overview(), {"id": cid}, token)
    )
    assert "errors" not in answer, answer
    client = answer["data"]["client"]
    assert client["id"] == cid
    assert client["decisions"]["totalCount"] >= 10
    assert client["plan"]["lifeSituation"]["economy"] is not None
    assert client["notices"]["edges"]
    assert client["attachments"]["edges"]
    assert statements


@pytest.mark.skipif(os.environ.get("INFOCAP_TEST_BENCH", "1") == "0", reason="INFOCAP_TEST_BENCH=0")
def test_the_quick_benchmark_runs_every_workload_without_errors(tmp_path: Path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--scale",
            "tiny",
            "--quick",
            "--seconds",
            "0.5",
            "--results",
            str(tmp_path),
        ],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    results = json.loads((tmp_path / "latest.json").read_text())
    workloads = results["workloads"]
    for name in (
        "W1",
        "W2",
        "W3",
        "W4",
        "W5 many clients",
        "W5 one client",
        "B-open",
        "B-raw",
        "B-insert",
        "B-naive",
    ):
        for c in ("1", "16"):
            run = workloads[name]["runs"][c]
            assert run["errors"] == 0, (name, c, run["first_error"])
            assert run["requests"] > 0, (name, c)
    assert workloads["W6"]["verify_events_per_s"] > 0
    assert results["w1_statements"]["count"] > 0
    assert results["explain"]
    assert all("Execution Time" in p["plan"] for p in results["explain"])
    assert workloads["B-raw"]["same_answer"]["same_shape"]
    assert results["report"]["errors"] == {}
    assert "targets (issue 8):" in out.stdout
