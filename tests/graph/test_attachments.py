"""Attachments: stored once by SHA-256, checked against their content, served through
the access decision."""

import hashlib
from typing import Any

from sqlalchemy import func, select

from schema.models import AccessLogEntry, Attachment, Blob
from tests.factories import client_principal, grant, personal_id, register, save_plan

PDF = b"%PDF-1.4\n% a rent agreement\n%%EOF\n"
FIELDS = "id kind filename mediaType size sha256 uploadedBy { id } uploadedByRole downloadUrl"


async def count(api, model) -> int:
    async with api.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def body_of(response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_upload_stores_content_once_by_hash(api, http, settings):
    client_id = await register(api)
    worker = http.token("social_worker", org="wc-pirkanmaa")
    first = body_of(
        await http.upload(
            worker,
            {"clientId": client_id, "kind": "RENT_AGREEMENT"},
            "vuokra.pdf",
            PDF,
            fields=FIELDS,
        )
    )
    attachment = first["data"]["uploadAttachment"]
    sha = hashlib.sha256(PDF).hexdigest()
    assert attachment["sha256"] == sha
    assert attachment["size"] == len(PDF)
    assert attachment["mediaType"] == "application/pdf"
    assert attachment["uploadedBy"] == {"id": "wc-pirkanmaa"}
    assert attachment["uploadedByRole"] == "social_worker"
    assert attachment["downloadUrl"] == f"/attachments/{attachment['id']}"
    stored = settings.attachment_dir / sha[:2] / sha
    assert stored.read_bytes() == PDF

    pid = personal_id()
    other = await register(api, personalId=pid)
    again = body_of(
        await http.upload(
            http.token("client", person=pid),
            {"clientId": other, "kind": "INVOICE"},
            "../../lasku.pdf",
            PDF,
            fields=FIELDS,
        )
    )
    second = again["data"]["uploadAttachment"]
    assert second["sha256"] == sha
    assert second["id"] != attachment["id"]
    assert second["filename"] == "lasku.pdf"
    assert second["uploadedBy"] is None
    assert second["uploadedByRole"] == "client"
    assert await count(api, Blob) == 1
    assert await count(api, Attachment) == 2
    assert sorted(p.name for p in settings.attachment_dir.rglob("*") if p.is_file()) == [sha]


async def test_oversize_and_mistyped_files_are_refused_and_write_nothing(api, http, settings):
    client_id = await register(api)
    worker = http.token("social_worker", org="wc-pirkanmaa")
    data = {"clientId": client_id, "kind": "OTHER"}
    too_big = PDF + b"x" * settings.max_upload_bytes
    out = body_of(await http.upload(worker, data, "big.pdf", too_big))
    assert [e["extensions"]["code"] for e in out["errors"]] == ["PAYLOAD_TOO_LARGE"]
    huge = await http.upload(
        worker, data, "huge.pdf", PDF + b"x" * (settings.max_upload_bytes + 200_000)
    )
    assert huge.status_code == 413
    assert huge.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    declared_png = body_of(await http.upload(worker, data, "kuva.png", PDF, "image/png"))
    assert [e["extensions"]["code"] for e in declared_png["errors"]] == ["BAD_USER_INPUT"]
    assert "image/png" in declared_png["errors"][0]["message"]
    binary = body_of(
        await http.upload(worker, data, "x.bin", bytes(range(256)), "application/octet-stream")
    )
    assert [e["extensions"]["code"] for e in binary["errors"]] == ["BAD_USER_INPUT"]
    empty = body_of(await http.upload(worker, data, "empty.pdf", b""))
    assert [e["extensions"]["code"] for e in empty["errors"]] == ["BAD_USER_INPUT"]
    stated = body_of(await http.upload(worker, data | {"mediaType": "text/plain"}, "a.pdf", PDF))
    assert [e["extensions"]["code"] for e in stated["errors"]] == ["BAD_USER_INPUT"]
    assert await count(api, Attachment) == 0
    assert await count(api, Blob) == 0


async def test_content_type_is_told_from_the_bytes(api, http):
    client_id = await register(api)
    worker = http.token("social_worker", org="wc-pirkanmaa")
    text = body_of(
        await http.upload(
            worker,
            {"clientId": client_id, "kind": "OTHER"},
            "muistio.txt",
            "Hyvä muistio\n".encode(),
            "text/plain; charset=utf-8",
            fields=FIELDS,
        )
    )
    assert text["data"]["uploadAttachment"]["mediaType"] == "text/plain"
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
    image = body_of(
        await http.upload(
            worker,
            {"clientId": client_id, "kind": "OTHER"},
            "kuva",
            png,
            "application/octet-stream",
            fields=FIELDS,
        )
    )
    assert image["data"]["uploadAttachment"]["mediaType"] == "image/png"


async def test_who_may_upload(api, http):
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    data = {"clientId": client_id, "kind": "OTHER"}
    dpo = body_of(await http.upload(http.token("dpo", org="kela"), data, "a.pdf", PDF))
    assert [e["extensions"]["code"] for e in dpo["errors"]] == ["FORBIDDEN"]
    lappi = body_of(
        await http.upload(http.token("social_worker", org="wc-lappi"), data, "a.pdf", PDF)
    )
    assert [e["extensions"]["code"] for e in lappi["errors"]] == ["NOT_FOUND"]
    stranger = body_of(
        await http.upload(http.token("client", person=personal_id()), data, "a.pdf", PDF)
    )
    assert [e["extensions"]["code"] for e in stranger["errors"]] == ["NOT_FOUND"]
    elsewhere = await register(api)
    linked = body_of(
        await http.upload(
            http.token("kela_handler", org="kela"), data | {"decisionId": elsewhere}, "a.pdf", PDF
        )
    )
    assert [e["extensions"]["code"] for e in linked["errors"]] == ["BAD_USER_INPUT"]
    assert await count(api, Attachment) == 0


async def test_download_goes_through_the_access_decision(api, http, app):
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    worker = http.token("social_worker", org="wc-pirkanmaa", sub="sanna")
    plain = body_of(
        await http.upload(
            worker, {"clientId": client_id, "kind": "RENT_AGREEMENT"}, "vuokra sopimus.pdf", PDF
        )
    )["data"]["uploadAttachment"]["id"]
    medical = body_of(
        await http.upload(
            http.token("kela_handler", org="kela"),
            {"clientId": client_id, "kind": "MEDICAL_STATEMENT"},
            "lausunto.pdf",
            PDF + b"2",
        )
    )["data"]["uploadAttachment"]["id"]

    async def get(token, attachment_id):
        return await http.client.get(
            f"/attachments/{attachment_id}", headers={"Authorization": f"Bearer {token}"}
        )

    ok = await get(worker, plain)
    assert ok.status_code == 200
    assert ok.content == PDF
    assert ok.headers["content-type"] == "application/pdf"
    assert ok.headers["x-content-type-options"] == "nosniff"
    assert "filename*=UTF-8''vuokra%20sopimus.pdf" in ok.headers["content-disposition"]

    advisor = await get(http.token("kela_advisor", org="kela"), plain)
    assert advisor.status_code == 404
    lappi = await get(http.token("social_worker", org="wc-lappi"), plain)
    assert lappi.status_code == 404
    withheld = await get(worker, medical)
    assert withheld.status_code == 403
    assert withheld.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await grant(api, client_principal(pid), client_id, "wc-pirkanmaa", ["HEALTH_ATTACHMENT"])
    assert (await get(worker, medical)).content == PDF + b"2"
    assert (await get(http.token("client", person=pid), medical)).status_code == 200
    assert (await get(None, plain)).status_code == 401

    async with app.state.runtime.sessions() as session:
        rows = list(
            await session.scalars(
                select(AccessLogEntry).where(
                    AccessLogEntry.subject == "sanna", AccessLogEntry.action == "READ"
                )
            )
        )
    assert {(r.category, r.allowed, r.basis) for r in rows} >= {
        ("ATTACHMENT", True, "STATUTORY"),
        ("HEALTH_ATTACHMENT", False, None),
        ("HEALTH_ATTACHMENT", True, "CONSENT"),
    }


async def test_attachment_rows_follow_their_category_in_lists(api, http):
    client_id = await register(api)
    worker = http.token("social_worker", org="wc-pirkanmaa")
    await http.upload(worker, {"clientId": client_id, "kind": "RENT_AGREEMENT"}, "a.pdf", PDF)
    await http.upload(
        http.token("kela_handler", org="kela"),
        {"clientId": client_id, "kind": "MEDICAL_STATEMENT"},
        "m.pdf",
        PDF + b"m",
    )
    query = "query($id: ID!) { client(id: $id) { attachments { edges { node { kind filename redactions { field reason } } } } } }"
    seen = {
        role: [
            e["node"]
            for e in (await http.ok(query, token, id=client_id))["client"]["attachments"]["edges"]
        ]
        for role, token in {
            "kela_handler": http.token("kela_handler", org="kela"),
            "kela_advisor": http.token("kela_advisor", org="kela"),
            "social_worker": worker,
            "social_counsellor": http.token("social_counsellor", org="wc-pirkanmaa"),
        }.items()
    }
    assert sorted(n["kind"] for n in seen["kela_handler"]) == [
        "MEDICAL_STATEMENT",
        "RENT_AGREEMENT",
    ]
    assert seen["kela_advisor"] == []
    assert [n["kind"] for n in seen["social_counsellor"]] == ["RENT_AGREEMENT"]
    redacted = [n for n in seen["social_worker"] if n["kind"] is None]
    assert len(redacted) == 1
    assert {"field": "filename", "reason": "CONSENT_REQUIRED"} in redacted[0]["redactions"]


async def test_an_attachment_is_linked_to_what_it_belongs_to(api, http):
    client_id = await register(api)
    plan = await save_plan(api, client_id)
    worker = http.token("social_worker", org="wc-pirkanmaa")
    fields = "applicationId decisionId planId noticeId"
    linked = body_of(
        await http.upload(
            worker,
            {"clientId": client_id, "kind": "OTHER", "planId": plan["id"]},
            "a.pdf",
            PDF,
            fields=fields,
        )
    )
    assert linked["data"]["uploadAttachment"] == {
        "applicationId": None,
        "decisionId": None,
        "planId": plan["id"],
        "noticeId": None,
    }
    elsewhere = await save_plan(api, await register(api))
    refused = body_of(
        await http.upload(
            worker,
            {"clientId": client_id, "kind": "OTHER", "planId": elsewhere["id"]},
            "b.pdf",
            PDF,
        )
    )
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["BAD_USER_INPUT"]
