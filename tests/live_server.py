"""Real servers for tests that need a network: uvicorn in this process (on a free port),
or ``infocap serve`` as a process of its own."""

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import IO

import httpx
import uvicorn
from starlette.applications import Starlette


def free_socket() -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def free_port() -> int:
    with free_socket() as sock:
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[str]:
    """The app on a free local port, in this event loop; yields its base URL."""
    sock = free_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@contextlib.contextmanager
def infocap_process(
    env: Mapping[str, str], *args: str, cwd: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``infocap serve`` on a free port with ``env`` added; yields its address."""
    port = free_port()
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115  (closed when the process is)
    process = subprocess.Popen(
        [sys.executable, "-m", "graph.cli", "serve", "--port", str(port), *args],
        env={**os.environ, **env},
        cwd=cwd,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    address = f"127.0.0.1:{port}"
    try:
        wait_healthy(address, process, log)
        yield address, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def wait_healthy(
    address: str, process: subprocess.Popen[str], log: IO[str], timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            output = log.read()
            raise RuntimeError(f"infocap serve ended with {process.returncode}:\n{output}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://{address}/health", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError("infocap serve did not answer /health in time")
