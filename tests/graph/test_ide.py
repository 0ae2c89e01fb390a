"""The development GraphiQL page works with no internet (issue 7, item 6): it loads only
assets shipped with the package, served with long-lived caching, and tells how to add the
token; in demo mode browsers on local development origins may call the API, over HTTP
and WebSocket."""

import asyncio
import contextlib
import dataclasses
import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from websockets.typing import Subprotocol

from graph.app import create_app
from graph.ide import ASSETS
from tests.graph.test_errors import ledger_key
from tests.live_server import free_port, serving
from tests.support import claims

STATIC = Path(__file__).parents[2] / "graph" / "static" / "graphiql"
EXTERNAL = re.compile(r"(?i)(?:\b[a-z][a-z0-9+.-]*:)?//[a-z0-9\[]")


class References(HTMLParser):
    """Every URL an element of the page loads or links."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "srcset", "action", "data") and value is not None:
                self.urls.append(value)


def recorded_sha256() -> dict[str, str]:
    """The SHA-256 of each file, as the README beside them records it."""
    readme = (STATIC / "README.md").read_text(encoding="utf-8")
    return dict(re.findall(r"^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$", readme, re.M))


@pytest.fixture
async def browser(settings, clock):
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://infocap.test") as client:
            yield client


async def page(client: httpx.AsyncClient) -> str:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    return response.text


async def test_the_page_loads_nothing_from_outside(browser):
    html = await page(browser)
    parser = References()
    parser.feed(html)
    assert parser.urls, "the page loads its assets"
    for url in parser.urls:
        assert url.startswith(("/ide/", "data:")), url
    assert EXTERNAL.search(html) is None, EXTERNAL.search(html)
    scripts = [u for u in parser.urls if u.endswith(".js")]
    assert {Path(u).name for u in scripts} == {
        "react-18.3.1.production.min.js",
        "react-dom-18.3.1.production.min.js",
        "graphiql-3.8.3.min.js",
    }


async def test_the_page_tells_how_to_add_the_token(browser):
    html = await page(browser)
    assert "Headers" in html
    assert '{"Authorization": "Bearer &lt;token&gt;"}' in html
    assert "tokens.env" in html


async def test_every_asset_is_served_with_long_lived_caching(browser):
    parser = References()
    parser.feed(await page(browser))
    recorded = recorded_sha256()
    for url in [u for u in parser.urls if u.startswith("/ide/")]:
        response = await browser.get(url)
        assert response.status_code == 200, url
        name = Path(url).name
        assert response.headers["content-type"] == ASSETS[name]
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert hashlib.sha256(response.content).hexdigest() == recorded[name], name


def test_the_readme_records_every_shipped_file():
    recorded = recorded_sha256()
    shipped = {p.name for p in STATIC.iterdir() if p.name != "README.md"}
    assert shipped == set(ASSETS) == set(recorded)
    for name, digest in recorded.items():
        assert hashlib.sha256((STATIC / name).read_bytes()).hexdigest() == digest, name


def test_the_assets_are_package_data():
    pyproject = (Path(__file__).parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert '"static/ide.html"' in pyproject
    assert '"static/graphiql/*"' in pyproject


async def test_only_shipped_names_are_served(browser):
    for path in ["/ide/README.md", "/ide/..%2Fide.html", "/ide/graphiql.min.js"]:
        assert (await browser.get(path)).status_code == 404, path


async def test_production_serves_neither_the_page_nor_its_assets(settings, clock, tmp_path):
    production = dataclasses.replace(
        settings, env="production", ledger_key_file=ledger_key(tmp_path)
    )
    app = create_app(production, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://infocap.test") as client:
            assert (await client.get("/ide/graphiql-3.8.3.min.js")).status_code == 404
            html = await client.get("/graphql", headers={"Accept": "text/html"})
            assert html.status_code == 401


# --- CORS in demo mode ---------------------------------------------------------------------

LOCAL = ["http://localhost:5173", "http://127.0.0.1:3000", "http://localhost", "http://[::1]:8080"]
FOREIGN = ["https://localhost:5173", "http://localhost.evil.example", "https://app.example.fi"]


async def preflight(settings, clock, origin: str) -> httpx.Response:
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://infocap.test") as client:
            return await client.options(
                "/graphql",
                headers={
                    "Origin": origin,
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "authorization, content-type",
                },
            )


@pytest.mark.parametrize("origin", LOCAL)
async def test_demo_mode_allows_local_development_origins(settings, clock, origin):
    response = await preflight(dataclasses.replace(settings, demo=True), clock, origin)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == origin
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


@pytest.mark.parametrize("origin", FOREIGN)
async def test_demo_mode_allows_no_other_origin(settings, clock, origin):
    response = await preflight(dataclasses.replace(settings, demo=True), clock, origin)
    assert "access-control-allow-origin" not in response.headers


async def test_outside_demo_mode_local_origins_need_configuring(settings, clock):
    response = await preflight(settings, clock, "http://localhost:5173")
    assert "access-control-allow-origin" not in response.headers
    configured = dataclasses.replace(settings, cors_origins=("http://localhost:5173",))
    response = await preflight(configured, clock, "http://localhost:5173")
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"


async def ws_handshake(address: str, origin: str, token: str) -> str:
    """The first answer to connection_init, or the refusal of the handshake."""
    try:
        async with websockets.connect(
            f"ws://{address}/graphql",
            subprotocols=[Subprotocol(GRAPHQL_TRANSPORT_WS_PROTOCOL)],
            origin=origin,  # type: ignore[arg-type]
        ) as ws:
            init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
            await ws.send(json.dumps(init))
            return str(json.loads(await asyncio.wait_for(ws.recv(), 10))["type"])
    except websockets.InvalidStatus as refused:
        return f"refused {refused.response.status_code}"


@pytest.mark.parametrize("demo", [True, False])
async def test_websocket_origins_follow_the_same_rule(settings, clock, keys, demo):
    app = create_app(dataclasses.replace(settings, demo=demo), clock=clock)
    token = keys.sign(claims("social_worker", org="wc-pirkanmaa"))
    async with serving(app) as address:
        local = await ws_handshake(address, "http://localhost:5173", token)
        foreign = await ws_handshake(address, "https://app.example.fi", token)
    assert local == ("connection_ack" if demo else "refused 403")
    assert foreign == "refused 403"


# --- in a browser (optional: where Chromium is installed) -----------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HEADERS_EDITOR = """(() => {
  const editors = Array.from(document.querySelectorAll(".CodeMirror")).map(e => e.CodeMirror);
  const headers = editors.find(cm => cm.getValue().includes("Authorization"));
  headers.setValue(JSON.stringify({Authorization: "Bearer TOKEN"}));
  return editors.length;
})()"""


class DevTools:
    """Just enough of the Chrome DevTools Protocol to drive one page."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.sent = 0

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.sent += 1
        await self.ws.send(json.dumps({"id": self.sent, "method": method, "params": params}))
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), 30))
            if message.get("id") == self.sent:
                return dict(message["result"])

    async def value(self, expression: str) -> Any:
        return (await self.call("Runtime.evaluate", expression=expression))["result"].get("value")

    async def until(self, expression: str, wanted: Any, seconds: float = 30) -> Any:
        """The expression's value once it is ``wanted`` (or the last one, after ``seconds``)."""
        found = None
        for _ in range(int(seconds / 0.2)):
            found = await self.value(expression)
            if found == wanted:
                break
            await asyncio.sleep(0.2)
        return found


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[DevTools]:
    assert CHROMIUM is not None
    port = free_port()
    browser = await asyncio.create_subprocess_exec(
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        f"--remote-debugging-port={port}",
        "about:blank",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        targets: list[dict[str, Any]] = []
        async with httpx.AsyncClient() as http:
            for _ in range(150):
                with contextlib.suppress(httpx.HTTPError):
                    targets = (await http.get(f"http://127.0.0.1:{port}/json")).json()
                    if any(t["type"] == "page" for t in targets):
                        break
                await asyncio.sleep(0.2)
        [page] = [t for t in targets if t["type"] == "page"][:1]
        async with websockets.connect(page["webSocketDebuggerUrl"], max_size=None) as ws:
            yield DevTools(ws)
    finally:
        browser.terminate()
        await asyncio.wait_for(browser.wait(), 30)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
async def test_in_a_browser_the_schema_loads_once_the_header_is_typed(settings, clock, keys):
    app = create_app(settings, clock=clock)
    token = keys.sign(claims("social_worker", org="wc-pirkanmaa"))
    async with serving(app) as address, chromium() as page:
        await page.call("Page.enable")
        await page.call("Page.navigate", url=f"http://{address}/graphql")
        assert await page.until("document.querySelectorAll('.CodeMirror').length > 0", True)
        await asyncio.sleep(1)  # GraphiQL has asked for the schema, without a token
        assert await page.value("document.body.dataset.schema") == "waiting"
        assert await page.value(HEADERS_EDITOR.replace("TOKEN", token)) >= 2
        assert await page.until("document.body.dataset.schema", "loaded") == "loaded"
        assert await page.value("document.getElementById('schema-state').textContent") == (
            "Schema loaded."
        )
