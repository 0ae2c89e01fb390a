"""A throwaway PostgreSQL server for the test run: initdb into a temporary directory,
start ``postgres`` on a free local port, stop and remove it at the end.

Binaries are found through ``INFOCAP_PG_BINDIR``, ``pg_config --bindir`` or
``/usr/lib/postgresql/*/bin``. PostgreSQL refuses to run as root, so as root the server
runs as the ``postgres`` user (or ``nobody``)."""

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path


def find_bindir() -> Path:
    candidates: list[Path] = []
    if os.environ.get("INFOCAP_PG_BINDIR"):
        candidates.append(Path(os.environ["INFOCAP_PG_BINDIR"]))
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0:
            candidates.append(Path(out.stdout.strip()))
    candidates += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True
    )
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).parent)
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "postgres").exists():
            return candidate
    raise RuntimeError("PostgreSQL binaries not found: install them or set INFOCAP_PG_BINDIR")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("running as root, and there is no user to run PostgreSQL as")


class PostgresServer:
    def __init__(self, root: Path, port: int, process: subprocess.Popen[bytes]) -> None:
        self.root = root
        self.port = port
        self.process = process

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def postgres_server(settings: Mapping[str, str] | None = None) -> Iterator[PostgresServer]:
    """A server for the time of the block; ``settings`` are more ``-c name=value`` (the
    benchmark's memory settings)."""
    bindir = find_bindir()
    user = _run_as()
    root = Path(tempfile.mkdtemp(prefix="infocap-pg-"))
    data = root / "data"
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    subprocess.run(
        [
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale",
            "C",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
        user=user,
        cwd=root,
    )
    port = _free_port()
    log = (root / "server.log").open("wb")
    process = subprocess.Popen(
        [
            str(bindir / "postgres"),
            "-D",
            str(data),
            "-p",
            str(port),
            "-k",
            str(root),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=200",
            *(f"-c{name}={value}" for name, value in (settings or {}).items()),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        user=user,
        cwd=root,
    )
    server = PostgresServer(root, port, process)
    try:
        deadline = time.monotonic() + 30
        while True:
            ready = subprocess.run(
                [str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres"],
                capture_output=True,
                check=False,
            )
            if ready.returncode == 0:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "PostgreSQL did not start:\n"
                    + (root / "server.log").read_text(errors="replace")
                )
            time.sleep(0.1)
        yield server
    finally:
        server.stop()
