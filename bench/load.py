"""The load generator: a fixed number of concurrent tasks, each on one keep-alive HTTP/1.1
connection, sending requests back to back for a fixed time; latencies from the moment a
request is written to the moment its whole answer is read.

The client is a few lines over asyncio streams rather than httpx: on a 2-core machine the
load generator shares the cores with the server, and httpx costs several times more CPU
per request than this, which would take from the server what it measures. It speaks just
what the workloads need: POST with a JSON body (or GET), ``Content-Length`` or chunked
answers.
"""

import asyncio
import contextlib
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Request:
    path: str
    body: bytes | None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Answer:
    status: int
    body: bytes


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, request: Request) -> Answer:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        method = "GET" if request.body is None else "POST"
        head = [f"{method} {request.path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{name}: {value}" for name, value in request.headers]
        if request.body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(request.body)}"]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + (request.body or b""))
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split(b" ", 2)[1])
        length, chunked, close = None, False, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        if chunked:
            parts = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readline()
            body = b"".join(parts)
        else:
            body = await self.reader.readexactly(length or 0)
        if close:
            await self.close()
        return Answer(status, body)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


def graphql_request(
    query: str, variables: dict[str, Any], token: str, name: str | None = None
) -> Request:
    payload: dict[str, Any] = {"query": query, "variables": variables}
    if name is not None:
        payload["operationName"] = name
    return Request(
        "/graphql",
        json.dumps(payload).encode(),
        (("Authorization", f"Bearer {token}"),),
    )


def answer_problem(answer: Answer) -> str | None:
    """Why an answer is not a clean GraphQL success (cheaply: no parse unless it fails)."""
    if answer.status != 200:
        return f"HTTP {answer.status}: {answer.body[:300]!r}"
    if b'"errors"' in answer.body:
        parsed = json.loads(answer.body)
        if parsed.get("errors"):
            return json.dumps(parsed["errors"])[:300]
    return None


@dataclass
class Stats:
    """One workload at one concurrency."""

    concurrency: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None
    items: int = 0
    """Items a request carried (changes, events …), where the workload counts them."""

    def as_json(self) -> dict[str, Any]:
        done = len(self.latencies)
        ordered = sorted(self.latencies)

        def pct(p: float) -> float | None:
            if not ordered:
                return None
            return round(ordered[min(done - 1, int(p * done))] * 1000, 2)

        return {
            "concurrency": self.concurrency,
            "requests": done,
            "seconds": round(self.seconds, 3),
            "rps": round(done / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "mean_ms": round(statistics.fmean(ordered) * 1000, 2) if ordered else None,
            "errors": self.errors,
            "first_error": self.first_error,
            "items": self.items,
            "items_per_s": round(self.items / self.seconds, 1) if self.seconds else 0.0,
        }


Next = Callable[[int], Request]
"""The next request for worker ``n`` (each concurrent task has its own number)."""
Check = Callable[[int, Request, Answer], tuple[str | None, int]]
"""An answer's problem (or None) and the items it carried, for task ``n``."""


def default_check(_: int, __: Request, answer: Answer) -> tuple[str | None, int]:
    return answer_problem(answer), 1


async def run(
    host: str,
    port: int,
    next_request: Next,
    *,
    concurrency: int,
    seconds: float,
    warmup: float = 0.5,
    max_requests: int | None = None,
    check: Check = default_check,
) -> Stats:
    """``concurrency`` tasks send requests for ``warmup`` seconds (not counted), then for
    ``seconds`` (or until ``max_requests`` were counted), bounded either way."""
    stats = Stats(concurrency)
    loop = asyncio.get_running_loop()
    begin = loop.time()
    counting_from = begin + warmup
    end = counting_from + seconds

    async def worker(n: int) -> None:
        connection = Connection(host, port)
        try:
            while True:
                now = loop.time()
                if now >= end or (
                    max_requests is not None and len(stats.latencies) >= max_requests
                ):
                    return
                request = next_request(n)
                started = time.perf_counter()
                try:
                    answer = await connection.send(request)
                    problem, items = check(n, request, answer)
                except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as error:
                    await connection.close()
                    problem, items = f"{type(error).__name__}: {error}", 0
                took = time.perf_counter() - started
                if loop.time() < counting_from:
                    continue
                if problem is not None:
                    stats.errors += 1
                    stats.first_error = stats.first_error or problem
                    continue
                stats.latencies.append(took)
                stats.items += items
        finally:
            await connection.close()

    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    stats.seconds = min(loop.time(), end) - counting_from
    if max_requests is not None:
        stats.seconds = max(loop.time() - counting_from, 1e-9)
    return stats


async def one(host: str, port: int, request: Request) -> Answer:
    connection = Connection(host, port)
    try:
        return await connection.send(request)
    finally:
        await connection.close()
