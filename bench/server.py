"""Starting what is measured: ``infocap serve --workers 2`` (of this tree, or of another
revision's tree through ``PYTHONPATH``), a baseline app under uvicorn with the same number
of workers, the tokens their callers carry, and the workers' memory from ``/proc``."""

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

ISSUER = "https://idp.bench.invalid"
AUDIENCE = "infocap"
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Tokens:
    """A signing key, its JWKS file, and tokens for the workloads' callers."""

    key: ec.EllipticCurvePrivateKey
    jwks_path: Path

    @classmethod
    def create(cls, directory: Path) -> "Tokens":
        key = ec.generate_private_key(ec.SECP256R1())
        path = directory / "jwks.json"
        public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
        path.write_text(json.dumps({"keys": [public | {"kid": "bench", "alg": "ES256"}]}))
        return cls(key, path)

    def token(self, role: str, org: str | None, sub: str, azp: str = "bench") -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + 6 * 3600,
            "sub": sub,
            "roles": [role],
            "azp": azp,
            "name": f"Bench {role}",
        }
        if org is not None:
            claims["org"] = org
        return jwt.encode(claims, self.key, algorithm="ES256", headers={"kid": "bench"})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    """A server process and its workers."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    rss_peak: dict[int, int] = field(default_factory=dict)

    def workers(self) -> list[int]:
        """The server's worker processes (its children; itself when it has none)."""
        children = _children(self.process.pid)
        return children or [self.process.pid]

    def sample_rss(self) -> dict[int, int]:
        """Each worker's resident memory now (bytes), and remember the peak."""
        now = {pid: _rss(pid) for pid in self.workers()}
        for pid, rss in now.items():
            self.rss_peak[pid] = max(self.rss_peak.get(pid, 0), rss)
        return now

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    # uvicorn's supervisor may start a helper (the multiprocessing resource tracker):
    # workers are the children that run the app, which import more than the tracker does.
    return [p for p in found if _rss(p) > 40 * 1024 * 1024] or found


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def service_environment(
    database_url: str, tokens: Tokens, scratch: Path, policy: Path | None = None
) -> dict[str, str]:
    """The service's settings for a benchmark: the database, the bench's token issuer,
    rate limits out of the way (every workload is one caller sending as fast as it can,
    which the per-caller limits exist to stop), and no background work during a run (no
    checkpoints, no policy polling)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INFOCAP_", "PROMETHEUS_"))}
    env |= {
        "INFOCAP_DATABASE_URL": database_url,
        "INFOCAP_JWKS_FILE": str(tokens.jwks_path),
        "INFOCAP_JWT_ISSUER": ISSUER,
        "INFOCAP_JWT_AUDIENCE": AUDIENCE,
        "INFOCAP_ATTACHMENT_DIR": str(scratch / "attachments"),
        "INFOCAP_RATE_READS_PER_PRINCIPAL": "100000000",
        "INFOCAP_RATE_READS_PER_ORGANISATION": "100000000",
        "INFOCAP_RATE_REGISTRATIONS_PER_PRINCIPAL": "100000000",
        "INFOCAP_RATE_REGISTRATIONS_PER_ORGANISATION": "100000000",
        "INFOCAP_CHECKPOINT_INTERVAL": "0",
        "INFOCAP_POLICY_POLL_SECONDS": "0",
        "INFOCAP_LOG_LEVEL": "warning",
    }
    if policy is not None:
        env["INFOCAP_POLICY_FILE"] = str(policy)
    return env


def serve_infocap(
    name: str,
    env: Mapping[str, str],
    scratch: Path,
    *,
    workers: int = 2,
    tree: Path = ROOT,
) -> Served:
    """``infocap serve --workers N`` of ``tree`` (this one, or a before-revision's worktree,
    whose packages come first on ``PYTHONPATH``), on a free port. The CLI handles
    ``PROMETHEUS_MULTIPROC_DIR`` itself (a fresh directory per run), as in production."""
    port = free_port()
    environment = dict(env)
    environment["PYTHONPATH"] = str(tree)
    command = [sys.executable, "-c", "from graph.cli import main; main()"]
    command += ["serve", "--workers", str(workers), "--host", "127.0.0.1", "--port", str(port)]
    return _start(name, command, environment, port, scratch, tree)


def serve_app(
    name: str, factory: str, env: Mapping[str, str], scratch: Path, *, workers: int = 2
) -> Served:
    """A baseline app (``module:factory``) under uvicorn with ``workers`` processes."""
    port = free_port()
    environment = dict(env) | {"PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    command += ["--no-access-log"]
    return _start(name, command, environment, port, scratch, ROOT)


def _start(
    name: str, command: list[str], env: dict[str, str], port: int, scratch: Path, cwd: Path
) -> Served:
    log = scratch / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603
            command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd
        )
    served = Served(name, port, process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} did not start:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    break
        except OSError:
            pass
        time.sleep(0.2)
    else:
        served.stop()
        raise RuntimeError(f"{name} did not answer /healthz in 60 s")
    # Every worker up (each answers /healthz once it has started).
    time.sleep(1.0)
    return served


def request_id() -> str:
    return str(uuid.uuid4())
