"""What each object should look like to a principal: the full selection of every type, and
the expected answer built from the snapshot by the reference.

An expected answer is plain JSON, except ``ANY`` (a value that must be there, whose exact
form the reference does not compute: a hash, a due time) and ``MAYBE`` (anything, for a
value derived by domain rules the oracle does not restate, such as a traffic light). A
field the reference denies is expected ``None`` and listed in ``redactions`` with its
category and reason; a field it allows carries the stored value.
"""

import functools
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tests.oracle.reference import (
    LIFE,
    NOT_PERMITTED,
    GrantFact,
    ProhibitionFact,
    Row,
    Stand,
    Verdict,
)


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


ANY = _Marker("ANY")
MAYBE = _Marker("MAYBE")

R = "redactions { field category reason }"
ORG = "{ id }"
ATTACHMENT = (
    f"id {R} kind filename mediaType size sha256 uploadedAt uploadedBy {ORG} uploadedByRole "
    "downloadUrl applicationId decisionId planId noticeId"
)
DECISION = (
    f"id {R} authority issuer {ORG} kind externalId decidedAt periodStart periodEnd outcome "
    f"totalAmountCents grounds applicationId influencingAttachments {{ {ATTACHMENT} }} "
    "calculation { type description amountCents } basicAmountReduction { percent grounds } "
    "paymentCommitments { payee amountCents }"
)
NOTICE = (
    f"id {R} type externalId sender {ORG} recipient {ORG} status outcome sentAt dueAt overdue "
    "trafficLight responsibleWorker { name } detail consentSeq client { id } history { to } "
    f"attachments {{ {ATTACHMENT} }}"
)
APPLICATION = (
    f"id {R} externalId receivedAt channel status urgency {{ urgent grounds }} "
    "informationRequests { id }"
)
AREA = "{ summary supportNeeded }"
LIFE_SITUATION = f"{R} economy {AREA} family {AREA} health {AREA} housing {AREA}"
PLAN = (
    f"id {R} version type status updatedAt updatedBy organisation {ORG} "
    f"lifeSituation {{ {LIFE_SITUATION} }} goals measures {{ description }} "
    "serviceNeedAssessment { status } kelaSpecialService kelaSpecialServicePlanned nextFollowUp"
)
GRANT = (
    f"{R} seq grantee {ORG} categories purpose method validFrom validUntil recordedAt "
    "withdrawnAt inForce selfRecorded"
)
PROHIBITION = f"{R} seq organisation {ORG} category rowType rowId recordedAt liftedAt inForce"
GUARDIANSHIP = f"id {R} kind validFrom validUntil active guardianPersonalId"
LOG_ENTRY = (
    f"id {R} at subject organisation {ORG} category action allowed basis reason consentSeq "
    "prohibitionSeq"
)
EVENT = (
    f"id {R} clientId seq type at actor {{ subject organisation roles }} "
    "grantor { kind personalId } prev hash selfRecorded body canonical"
)
PAGE = 20
LOG_PAGE = 8
PLAN_PAGE = 5


def client_selection(authority: str | None) -> str:
    filtered = "" if authority is None else f"authority: {authority}, "
    return (
        f"id {R} name language organiser {ORG} protectedIdentity immigrant personalId "
        "address phone email digitalProfile { hasEquipment } "
        "guardianships { ...G } relationships { organisation { id } responsible origin } "
        "contactPersons { name } plan { ...P } "
        f"planHistory(first: {PLAN_PAGE}) {{ edges {{ node {{ ...P }} }} }} "
        f"applications(first: {PAGE}) {{ edges {{ node {{ ...Ap }} }} }} "
        f"decisions({filtered}first: {PAGE}) {{ edges {{ node {{ ...D }} }} }} "
        f"attachments(first: {PAGE}) {{ edges {{ node {{ ...A }} }} }} "
        f"notices(first: {PAGE}) {{ edges {{ node {{ ...N }} }} }} "
        "consents { ...Gr } prohibitions { ...Pr } "
        f"accessLog(first: {LOG_PAGE}) {{ edges {{ node {{ ...L }} }} }}"
    )


FRAGMENTS = {
    "A": ("Attachment", ATTACHMENT),
    "D": (
        "Decision",
        DECISION.replace(
            f"influencingAttachments {{ {ATTACHMENT} }}", "influencingAttachments { ...A }"
        ),
    ),
    "N": ("Notice", NOTICE.replace(f"attachments {{ {ATTACHMENT} }}", "attachments { ...A }")),
    "Ap": ("Application", APPLICATION),
    "P": ("Plan", PLAN),
    "Gr": ("ConsentGrant", GRANT),
    "Pr": ("ConsentProhibition", PROHIBITION),
    "G": ("Guardianship", GUARDIANSHIP),
    "L": ("AccessLogEntry", LOG_ENTRY),
    "E": ("ConsentEvent", EVENT),
    "C": ("Client", client_selection(None)),
    "CK": ("Client", client_selection("KELA")),
    "CW": ("Client", client_selection("WELLBEING_COUNTY")),
    "CB": ("Client", f"id {R} name personalId address phone email"),
}
"""Named fragments, so that a request with many aliases stays a short document."""
CLIENT_FRAGMENT = {None: "C", "KELA": "CK", "WELLBEING_COUNTY": "CW"}


def with_fragments(document: str) -> str:
    """``document`` and the fragments it spreads, directly or through others."""
    import re

    needed: list[str] = []
    pending = re.findall(r"\.\.\.(\w+)", document)
    while pending:
        name = pending.pop()
        if name in needed or name not in FRAGMENTS:
            continue
        needed.append(name)
        pending += re.findall(r"\.\.\.(\w+)", FRAGMENTS[name][1])
    defs = " ".join(f"fragment {n} on {FRAGMENTS[n][0]} {{ {FRAGMENTS[n][1]} }}" for n in needed)
    return f"{document} {defs}"


# ---- building an object ------------------------------------------------------------------


@dataclass
class Obj:
    """An expected object being built: its fields, and its redactions."""

    stand: Stand
    out: dict[str, Any]
    redactions: list[dict[str, str]]

    def field(
        self,
        name: str,
        category: str,
        value: Callable[[], Any] | Any,
        *,
        own: bool | None = None,
        row: Row | None = None,
        link: Callable[[], bool] | None = None,
    ) -> Verdict:
        verdict = self.stand.decide(category, own, row)
        if verdict.allowed and link is not None and not link():
            verdict = Verdict(False, NOT_PERMITTED)
        if verdict.allowed:
            self.out[name] = value() if callable(value) else value
        else:
            self.out[name] = None
            self.redactions.append(
                {"field": name, "category": category, "reason": verdict.reason or NOT_PERMITTED}
            )
        return verdict

    def done(self) -> dict[str, Any]:
        self.out["redactions"] = self.redactions
        return self.out


def obj(stand: Stand, **unguarded: Any) -> Obj:
    return Obj(stand, dict(unguarded), [])


def org(organisation: str | None) -> dict[str, str] | None:
    return None if organisation is None else {"id": organisation}


def iso(moment: datetime | date | None) -> Any:
    return moment


def ident(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def connection(nodes: list[Any]) -> dict[str, Any]:
    return {"edges": [{"node": n} for n in nodes]}


# ---- the types ---------------------------------------------------------------------------


def attachment(st: Stand, a: Any) -> dict[str, Any]:
    category = st.attachment_category(a)
    own, row = st.owns(a.uploaded_by_org), Row("ATTACHMENT", str(a.id))
    o = obj(st, id=str(a.id))

    def f(name: str, value: Any, link: Callable[[], bool] | None = None) -> None:
        o.field(name, category, value, own=own, row=row, link=link)

    f("kind", a.kind.value)
    f("filename", a.filename)
    f("mediaType", a.media_type)
    f("size", a.size)
    f("sha256", a.sha256)
    f("uploadedAt", a.uploaded_at)
    f("uploadedBy", org(a.uploaded_by_org))
    f("uploadedByRole", a.uploaded_by_role)
    f("downloadUrl", f"/attachments/{a.id}")
    links = (
        ("applicationId", "APPLICATION", a.application_id),
        ("decisionId", "DECISION", a.decision_id),
        ("planId", "PLAN", a.plan_version_id),
        ("noticeId", "NOTICE", a.notice_id),
    )
    for name, kind, target in links:
        named = None if target is None else Row(kind, str(target))
        f(name, ident(target), link=functools.partial(st.knows_row, named))
    return o.done()


def knowable_attachments(st: Stand, ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    rows = sorted((st.snap.attachments[i] for i in ids), key=lambda a: a.id)
    return [attachment(st, a) for a in rows if st.knows_attachment(a)]


def decision(st: Stand, d: Any) -> dict[str, Any]:
    snap = st.snap
    main, calc = st.decision_categories(d)[0], st.decision_categories(d)[-1]
    own, row = st.owns(d.issuer_id), Row("DECISION", str(d.id))
    o = obj(st, id=str(d.id))

    def f(name: str, value: Any, category: str = main, link: Any = None) -> None:
        o.field(name, category, value, own=own, row=row, link=link)

    f("authority", d.authority.value)
    f("issuer", org(d.issuer_id))
    f("kind", d.kind.value)
    f("externalId", d.external_id)
    f("decidedAt", d.decided_at)
    f("periodStart", d.period_start)
    f("periodEnd", d.period_end)
    f("outcome", d.outcome.value)
    f("totalAmountCents", d.total_amount_cents)
    f("grounds", d.grounds)
    application = None if d.application_id is None else Row("APPLICATION", str(d.application_id))
    f("applicationId", ident(d.application_id), link=lambda: st.knows_row(application))
    f(
        "influencingAttachments",
        lambda: knowable_attachments(st, snap.decision_attachments.get(d.id, [])),
    )
    f(
        "calculation",
        lambda: [
            {"type": c.type.value, "description": c.description, "amountCents": c.amount_cents}
            for c in sorted(snap.calculation.get(d.id, []), key=lambda c: c.position)
        ],
        calc,
    )
    reduction = (
        None
        if d.reduction_percent is None
        else {"percent": d.reduction_percent, "grounds": d.reduction_grounds}
    )
    f("basicAmountReduction", reduction, calc)
    f(
        "paymentCommitments",
        lambda: [
            {"payee": c.payee, "amountCents": c.amount_cents}
            for c in sorted(snap.commitments.get(d.id, []), key=lambda c: c.position)
        ],
    )
    return o.done()


def notice(st: Stand, n: Any) -> dict[str, Any]:
    snap = st.snap
    own, row = st.notice_own(n), Row("NOTICE", str(n.id))
    o = obj(st, id=str(n.id))

    def f(name: str, value: Any, category: str = "NOTICE", link: Any = None) -> None:
        o.field(name, category, value, own=own, row=row, link=link)

    f("type", n.type.value)
    f("externalId", n.external_id)
    f("sender", org(n.sender_id))
    f("recipient", org(n.recipient_id))
    f("status", n.status.value)
    f("outcome", None if n.outcome is None else n.outcome.value)
    f("sentAt", n.sent_at)
    f("dueAt", ANY)
    f("overdue", ANY)
    f("trafficLight", MAYBE)
    f("responsibleWorker", None if n.responsible_name is None else {"name": n.responsible_name})
    f("detail", n.detail, "NOTICE_DETAIL")

    def grant_known() -> bool:
        if n.consent_seq is None:
            return True
        grant = st.ledger.grants.get(n.consent_seq)
        return grant is not None and st.knows_rule(grant)

    f("consentSeq", n.consent_seq, "NOTICE_DETAIL", grant_known)
    f("client", {"id": str(n.client_id)})
    f(
        "history",
        lambda: [
            {"to": mv.to_status.value}
            for mv in sorted(snap.moves.get(n.id, []), key=lambda mv: (mv.at, mv.id))
        ],
    )
    f(
        "attachments",
        lambda: knowable_attachments(st, snap.notice_attachments.get(n.id, [])),
        "NOTICE_DETAIL",
    )
    return o.done()


def application(st: Stand, a: Any) -> dict[str, Any]:
    own, row = st.who.kela, Row("APPLICATION", str(a.id))
    o = obj(st, id=str(a.id))
    for name, value in (
        ("externalId", a.external_id),
        ("receivedAt", a.received_at),
        ("channel", a.channel.value),
        ("status", a.status.value),
        ("urgency", {"urgent": a.urgent, "grounds": a.urgency_grounds}),
        ("informationRequests", []),
    ):
        o.field(name, "APPLICATION", value, own=own, row=row)
    return o.done()


def _area(content: dict[str, Any], name: str) -> Any:
    area = (content.get("lifeSituation") or {}).get(name)
    if area is None:
        return None
    return {"summary": area.get("summary"), "supportNeeded": bool(area.get("supportNeeded"))}


def life_situation(st: Stand, p: Any) -> dict[str, Any] | None:
    own = st.owns(p.organiser_id)
    if not st.any_knowable(LIFE, own):
        return None
    o = obj(st)
    for name, category in zip(("economy", "family", "health", "housing"), LIFE, strict=True):
        o.field(name, category, _area(p.content, name), own=own)
    return o.done()


def plan(st: Stand, p: Any) -> dict[str, Any]:
    own = st.owns(p.organiser_id)
    content = p.content
    o = obj(st, id=str(p.id))
    assessment = content.get("serviceNeedAssessment")
    for name, value in (
        ("version", p.version),
        ("type", p.type.value),
        ("status", p.status.value),
        ("updatedAt", p.saved_at),
        ("updatedBy", p.saved_by_name),
        ("organisation", org(p.organiser_id)),
        ("goals", list(content.get("goals") or [])),
        ("measures", [{"description": x["description"]} for x in content.get("measures") or []]),
        ("serviceNeedAssessment", None if assessment is None else {"status": assessment["status"]}),
        ("kelaSpecialService", p.kela_special_service_note),
        ("kelaSpecialServicePlanned", p.kela_special_service_planned),
        ("nextFollowUp", p.next_follow_up),
    ):
        o.field(name, "PLAN", value, own=own)
    o.out["lifeSituation"] = life_situation(st, p)
    return o.done()


def current_plan(st: Stand) -> dict[str, Any] | None:
    versions = [p for p in st.snap.plans.values() if p.client_id == st.client_id]
    if not versions:
        return None
    latest = max(versions, key=lambda p: p.version)
    return plan(st, latest) if st.knows_plan(latest) else None


def grant(st: Stand, g: GrantFact) -> dict[str, Any]:
    o = obj(st)
    now = st.snap.now
    self_recorded = g.method == "ORAL" and g.recorder is not None and g.recorder == g.grantee
    for name, value in (
        ("seq", g.seq),
        ("grantee", org(g.grantee)),
        ("categories", sorted(g.categories)),
        ("purpose", "Toimeentulotuki"),
        ("method", g.method),
        ("validFrom", g.valid_from),
        ("validUntil", g.valid_until),
        ("recordedAt", g.recorded_at),
        ("withdrawnAt", g.ended_at),
        ("inForce", g.in_force(now)),
        ("selfRecorded", self_recorded),
    ):
        o.field(name, "CONSENT", value)
    return o.done()


def prohibition(st: Stand, p: ProhibitionFact) -> dict[str, Any]:
    o = obj(st)
    for name, value, link in (
        ("seq", p.seq, None),
        ("organisation", org(p.org), None),
        ("category", p.category, None),
        ("rowType", None if p.row is None else p.row.type, None),
        ("rowId", None if p.row is None else p.row.id, lambda: st.knows_row(p.row)),
        ("recordedAt", p.recorded_at, None),
        ("liftedAt", p.ended_at, None),
        ("inForce", p.in_force(st.snap.now), None),
    ):
        o.field(name, "CONSENT", value, link=link)
    return o.done()


def guardianship(st: Stand, g: Any, code: str) -> dict[str, Any]:
    today = st.snap.today
    o = obj(st, id=str(g.id))
    o.field("kind", "IDENTITY", g.kind.value)
    o.field("validFrom", "IDENTITY", g.valid_from)
    o.field("validUntil", "IDENTITY", g.valid_until)
    o.field(
        "active",
        "IDENTITY",
        g.valid_from <= today and (g.valid_until is None or today <= g.valid_until),
    )
    o.field("guardianPersonalId", "PERSONAL_ID", code)
    return o.done()


def log_entry(st: Stand, e: Any) -> dict[str, Any]:
    o = obj(st, id=str(e.id))

    def known(seq: int | None, rules: dict[int, Any]) -> bool:
        return seq is None or (seq in rules and st.knows_rule(rules[seq]))

    for name, value, link in (
        ("at", e.at, None),
        ("subject", e.subject, None),
        ("organisation", org(e.organisation_id), None),
        ("category", e.category.value, None),
        ("action", e.action.value, None),
        ("allowed", e.allowed, None),
        ("basis", e.basis, None),
        ("reason", e.reason, None),
        ("consentSeq", e.consent_seq, lambda: known(e.consent_seq, st.ledger.grants)),
        (
            "prohibitionSeq",
            e.prohibition_seq,
            lambda: known(e.prohibition_seq, st.ledger.prohibitions),
        ),
    ):
        o.field(name, "ACCESS_LOG", value, link=link)
    return o.done()


def event(st: Stand, ev: dict[str, Any]) -> dict[str, Any]:
    o = obj(st, id=ev["id"])
    body = ev["body"]
    named: Row | None = None
    if ev["type"] == "GRANT" and body.get("evidenceAttachmentId"):
        named = Row("ATTACHMENT", body["evidenceAttachmentId"])
    target = body.get("target") if ev["type"] == "PROHIBIT" else None
    if target is not None and target.get("kind") == "ROW":
        named = Row(target["rowType"], target["rowId"])
    grantor = ev["grantor"]
    actor = ev["actor"]
    self_recorded = None
    if ev["type"] == "GRANT":
        self_recorded = body.get("method") == "ORAL" and actor["org"] == body.get("grantee")
    canonical = st.snap.event_rows[(st.client_id, ev["seq"])].canonical
    for name, value, link in (
        ("clientId", ev["client"], None),
        ("seq", ev["seq"], None),
        ("type", ev["type"], None),
        ("at", datetime.fromisoformat(ev["at"].replace("Z", "+00:00")), None),
        (
            "actor",
            {"subject": actor["sub"], "organisation": actor["org"], "roles": actor["roles"]},
            None,
        ),
        ("grantor", None if grantor is None else _grantor(st, grantor), None),
        ("prev", ev["prev"], None),
        ("hash", ev["hash"], None),
        ("selfRecorded", self_recorded, None),
        ("body", body, lambda: st.knows_event_names(named)),
        ("canonical", canonical, lambda: st.knows_event_names(named)),
    ):
        o.field(name, "CONSENT", value, link=link)
    return o.done()


def _grantor(st: Stand, grantor: dict[str, Any]) -> dict[str, Any]:
    """A guardian grantor is named in the event by the guardianship; its code is shown
    to those who may see the client's personal identity code."""
    person = grantor.get("person")
    code = None
    if person is not None and st.decide("PERSONAL_ID").allowed:
        if person.startswith("guardianship:"):
            code = st.world.guardian_code_by_id(uuid.UUID(person.split(":", 1)[1]))
        else:
            code = person
    return {"kind": grantor["kind"], "personalId": code}


def client(
    st: Stand,
    codes: dict[uuid.UUID, str],
    log: list[Any],
    authority: str | None,
) -> dict[str, Any]:
    snap, c = st.snap, st.client
    own_plan = st.owns(c.organiser_id)
    o = obj(st, id=str(c.id))
    o.field("name", "IDENTITY", c.name)
    o.field("language", "IDENTITY", c.language.value)
    o.field("organiser", "IDENTITY", org(c.organiser_id))
    o.field("protectedIdentity", "IDENTITY", c.protected_identity)
    o.field("immigrant", "IDENTITY", c.immigrant)
    o.field("personalId", "PERSONAL_ID", snap.codes[c.id])
    o.field("address", "CONTACT", c.address)
    o.field("phone", "CONTACT", c.phone)
    o.field("email", "CONTACT", c.email)
    o.field("digitalProfile", "IDENTITY", None)
    o.field(
        "guardianships",
        "IDENTITY",
        lambda: [
            guardianship(st, g, codes[g.id])
            for g in sorted(
                (g for g in snap.guardianships if g.ward_id == c.id), key=lambda g: g.id
            )
        ],
    )
    o.field(
        "relationships",
        "IDENTITY",
        lambda: [
            {
                "organisation": {"id": r.organisation_id},
                "responsible": r.responsible,
                "origin": r.origin.value,
            }
            for r in sorted(snap.relationships.get(c.id, []), key=lambda r: r.organisation_id)
        ],
    )
    o.field(
        "contactPersons",
        "PLAN",
        lambda: [
            {"name": p.name}
            for p in sorted(snap.contact_persons.get(c.id, []), key=lambda p: p.organisation_id)
        ],
        own=own_plan,
    )
    o.out["plan"] = current_plan(st)
    versions = sorted(
        (p for p in snap.plans.values() if p.client_id == c.id), key=lambda p: -p.version
    )
    o.field(
        "planHistory",
        "PLAN",
        lambda: connection([plan(st, p) for p in versions[:PLAN_PAGE]]),
        own=own_plan,
    )
    applications = sorted(
        (a for a in snap.applications.values() if a.client_id == c.id), key=lambda a: a.id
    )
    o.field(
        "applications",
        "APPLICATION",
        lambda: connection([application(st, a) for a in reversed(applications)][:PAGE]),
        own=st.who.kela,
    )
    decisions = [
        d
        for d in sorted(snap.decisions.values(), key=lambda d: d.id, reverse=True)
        if d.client_id == c.id
        and (authority is None or d.authority.value == authority)
        and st.knows_decision(d)
    ]
    o.out["decisions"] = connection([decision(st, d) for d in decisions[:PAGE]])
    attachments = [
        a
        for a in sorted(snap.attachments.values(), key=lambda a: a.id, reverse=True)
        if a.client_id == c.id and st.knows_attachment(a)
    ]
    o.out["attachments"] = connection([attachment(st, a) for a in attachments[:PAGE]])
    notices = [
        n
        for n in sorted(snap.notices.values(), key=lambda n: n.id, reverse=True)
        if n.client_id == c.id and st.knows_notice(n)
    ]
    o.out["notices"] = connection([notice(st, n) for n in notices[:PAGE]])
    ledger = st.ledger
    o.field(
        "consents",
        "CONSENT",
        lambda: [grant(st, g) for _, g in sorted(ledger.grants.items()) if st.knows_rule(g)],
    )
    o.field(
        "prohibitions",
        "CONSENT",
        lambda: [
            prohibition(st, p) for _, p in sorted(ledger.prohibitions.items()) if st.knows_rule(p)
        ],
    )
    entries = [
        e
        for e in sorted(log, key=lambda e: e.id, reverse=True)
        if e.client_id == c.id and st.knows_log_entry(e)
    ]
    o.field(
        "accessLog",
        "ACCESS_LOG",
        lambda: connection([log_entry(st, e) for e in entries[:LOG_PAGE]]),
    )
    return o.done()


def ledger_page(st: Stand, first: int) -> dict[str, Any]:
    events = [ev for ev in st.snap.events.get(st.client_id, []) if st.knows_event(ev)]
    return connection([event(st, ev) for ev in events[:first]])


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
