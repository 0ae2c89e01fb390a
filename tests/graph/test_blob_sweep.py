"""Faults: attachment content whose row never committed.

The content of an upload is stored before its row is written; when the operation then
fails (here: a second mutation in the same request that is refused, so the unit of work
rolls back), the file stays with no row naming it. It is never served — content is
reached only through an attachment row — and ``infocap attachments sweep`` removes it
once older than the grace period, but never while an upload of the same bytes is about
to refer to it.
"""

import hashlib
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from starlette.applications import Starlette

from graph.blob_sweep import candidates, remove, sweep
from graph.cli import main
from schema.models import Attachment, Blob
from tests import figures
from tests.factories import register
from tests.support import Api, Http

TWO = """
mutation($input: AttachmentInput!, $file: Upload!, $d: DecisionInput!) {
  a: uploadAttachment(input: $input, file: $file) { id }
  b: recordDecision(input: $d) { id }
}
"""
LIST = "query($c: ID!) { client(id: $c) { attachments { edges { node { id sha256 } } } } }"


def content(tag: str) -> bytes:
    return b"%PDF-1.4 " + tag.encode() + uuid.uuid4().hex.encode()


async def rolled_back_upload(http: Http, token: str, client_id: str, data: bytes) -> None:
    """An upload in an operation that fails after it: the unit of work rolls back."""
    operations = {
        "query": TWO,
        "variables": {
            "input": {"clientId": client_id, "kind": "RENT_AGREEMENT"},
            "file": None,
            # a county's kind of decision recorded by Kela: refused after the upload ran
            "d": {
                "clientId": client_id,
                "kind": "SUPPLEMENTARY",
                "externalId": "x",
                "decidedAt": "2026-11-02T10:00:00Z",
                "outcome": "GRANTED",
                "totalAmountCents": 1,
            },
        },
    }
    response = await http.client.post(
        "/graphql",
        headers={"Authorization": f"Bearer {token}"},
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        files={"0": ("vuokrasopimus.pdf", data, "application/pdf")},
    )
    body = response.json()
    assert body.get("errors"), body
    assert body["data"] is None


async def stored(app: Starlette) -> tuple[int, int]:
    async with app.state.runtime.sessions() as session:
        attachments = await session.scalar(select(func.count()).select_from(Attachment))
        blobs = await session.scalar(select(func.count()).select_from(Blob))
    return int(attachments or 0), int(blobs or 0)


def blob_path(settings: Any, data: bytes) -> Path:
    sha = hashlib.sha256(data).hexdigest()
    return Path(settings.attachment_dir) / sha[:2] / sha


async def test_content_whose_upload_rolled_back_is_never_served_and_is_swept(
    app: Starlette, api: Api, http: Http, settings: Any
) -> None:
    client_id = await register(api)
    token = http.token("kela_handler", org="kela")
    kept = content("kept")
    upload = await http.upload(
        token, {"clientId": client_id, "kind": "INVOICE"}, "lasku.pdf", kept, fields="id"
    )
    kept_id = upload.json()["data"]["uploadAttachment"]["id"]
    orphan = content("orphan")
    await rolled_back_upload(http, token, client_id, orphan)

    assert blob_path(settings, orphan).exists()  # written before the row, which rolled back
    assert await stored(app) == (1, 1)
    listed = (await http.ok(LIST, token, c=client_id))["client"]["attachments"]["edges"]
    assert [e["node"]["id"] for e in listed] == [kept_id]
    sha = hashlib.sha256(orphan).hexdigest()
    assert all(e["node"]["sha256"] != sha for e in listed)

    runtime = app.state.runtime
    young = await sweep(runtime.blobs, runtime.sessions, grace=3600)
    assert young.removed == 0
    assert blob_path(settings, orphan).exists()
    later = time.time() + 7200
    swept = await sweep(runtime.blobs, runtime.sessions, grace=3600, now=later)
    assert swept.removed == 1
    assert swept.removed_bytes == len(orphan)
    assert not blob_path(settings, orphan).exists()
    assert blob_path(settings, kept).exists()
    download = await http.client.get(
        f"/attachments/{kept_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert download.status_code == 200
    assert download.content == kept
    figures.add("faults injected: uploads rolled back after their content was stored", 1)
    figures.add("orphaned attachment content served", 0)


async def test_a_sweep_keeps_content_an_upload_is_about_to_refer_to(
    app: Starlette, api: Api, http: Http, settings: Any
) -> None:
    client_id = await register(api)
    token = http.token("kela_handler", org="kela")
    runtime = app.state.runtime
    data = content("race")
    await rolled_back_upload(http, token, client_id, data)
    path = blob_path(settings, data)
    an_hour_ago = time.time() - 3700
    os.utime(path, (an_hour_ago, an_hour_ago))

    # The sweep finds the file old and unreferenced; before it removes it, an upload of
    # the same bytes stores them (touching the file) and has not yet written its row.
    found = await candidates(runtime.blobs, runtime.sessions, grace=3600)
    assert found == [path]
    await runtime.blobs.put(data)
    assert not await remove(path, runtime.sessions, grace=3600)
    assert path.exists()

    # Found again once old; this time the upload commits its row before the removal.
    os.utime(path, (an_hour_ago, an_hour_ago))
    found = await candidates(runtime.blobs, runtime.sessions, grace=3600)
    assert found == [path]
    upload = await http.upload(
        token, {"clientId": client_id, "kind": "INVOICE"}, "lasku.pdf", data, fields="id"
    )
    attachment_id = upload.json()["data"]["uploadAttachment"]["id"]
    os.utime(path, (an_hour_ago, an_hour_ago))
    assert not await remove(path, runtime.sessions, grace=3600)
    download = await http.client.get(
        f"/attachments/{attachment_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert download.status_code == 200
    assert download.content == data

    # Moved aside by a sweep, then stored anew by an upload: the upload's file stays.
    os.utime(path, (an_hour_ago, an_hour_ago))
    aside = path.with_name(path.name + ".sweeping")
    os.replace(path, aside)
    await runtime.blobs.put(data)
    assert not await remove(aside, runtime.sessions, grace=3600)
    assert path.exists()
    assert not aside.exists()
    figures.add("faults injected: sweeps racing uploads of the same content", 3)


def test_the_sweep_command(
    database_url: str, tmp_path: Path, monkeypatch: Any, capsys: Any
) -> None:
    directory = tmp_path / "attachments"
    stray = directory / "ab" / ("ab" + "0" * 62)
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"left behind")
    old = time.time() - 10
    os.utime(stray, (old, old))
    monkeypatch.setenv("INFOCAP_DATABASE_URL", database_url)
    monkeypatch.setenv("INFOCAP_ATTACHMENT_DIR", str(directory))
    assert main(["attachments", "sweep"]) == 0
    assert stray.exists()
    assert main(["attachments", "sweep", "--grace", "5"]) == 0
    assert not stray.exists()
    assert "removed 1 unreferenced files (11 bytes)" in capsys.readouterr().out
