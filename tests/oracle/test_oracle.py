"""The access oracle through the real server.

Hypothesis generates a world (clients, client relationships, guardianships active, ended
and future, applications, decisions of both authorities, attachments of every uploader
incl. medical statements and links, plans, notices both ways and their moves, consent
histories with INFORMED, grants in force, expired and future-valid, withdrawals,
prohibitions of organisation, category and row, lifts, a change of organiser), builds it
through the API, and then asks every principal of the world (every role, several roles at
once, with and without a relation) every query over the schema's roots: ``client`` for
each client and for an id that does not exist, ``clientByPersonalId``, ``clients`` (all,
by name, by code), ``noticeInbox`` (received, sent, both), ``notice`` for each notice and
one that does not exist, ``consentLedger`` for each client, and the ``changes`` feed page
by page. Every answer goes over HTTP with a real signed token, and every returned field is
compared with the reference (``tests/oracle/reference.py``, ``expect.py``): a field it
denies must be null and listed in ``redactions`` with its category and reason, a field it
allows must carry the stored value, rows and containers are present exactly when it says,
and ids of other rows are named exactly when those rows may be known of.

One *case* is one root field answered to one principal (several go in one request, as
aliases). ``INFOCAP_ORACLE_EXAMPLES`` sets the number of generated worlds per database.
Without it (CI): 15 on SQLite and 6 on PostgreSQL after the three fixed worlds of
``SCENARIOS`` on each, then more, two at a time, until SQLite has answered 6,800 cases and
PostgreSQL 3,400: at least 10,200 in every run, whatever the sizes of the worlds drawn.
"""

import asyncio
import contextlib
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from hypothesis import HealthCheck, Phase, example, given, note, settings
from hypothesis.errors import InvalidArgument
from sqlalchemy import select

from graph.app import create_app
from graph.settings import Settings
from schema import models as m
from tests import figures
from tests.conftest import DATABASES, PARTITIONED, PARTITIONED_TEMPLATE, TEMPLATE
from tests.oracle import expect
from tests.oracle.reference import STAFF_ROLES, Reference, Who
from tests.oracle.world import (
    COUNTIES,
    KELA,
    SCENARIOS,
    Builder,
    WorldSpec,
    access_log_rows,
    change_rows,
    person_code,
    snapshot,
    worlds,
)
from tests.support import AUDIENCE, ISSUER, Api, Clock, Keys, claims

DEFAULT_EXAMPLES = {"sqlite": 15, "postgresql": 6, PARTITIONED: 6}
DEFAULT_CASES = {"sqlite": 6_800, "postgresql": 3_400, PARTITIONED: 3_400}
"""At CI defaults, worlds are added (a few at a time) until each database has had at least
this many cases: 10,200 together, whatever the sizes of the worlds drawn."""
ALIASES_PER_REQUEST = 24
NO_SUCH = str(uuid.UUID(int=0x0192_0000_0000_7000_8000_0000_0000_0001))


PHASES = (
    (Phase.explicit, Phase.generate)
    if os.environ.get("INFOCAP_ORACLE_SHRINK") == "0"
    else (Phase.explicit, Phase.generate, Phase.shrink)
)
"""``INFOCAP_ORACLE_SHRINK=0`` reports the first failing world as found (faster while
developing); by default Hypothesis shrinks it to a small one."""


def configured() -> int | None:
    value = os.environ.get("INFOCAP_ORACLE_EXAMPLES", "").strip()
    return int(value) if value else None


def examples(database: str) -> int:
    return configured() or DEFAULT_EXAMPLES[database]


def minimum_cases(database: str) -> int:
    return 0 if configured() is not None else DEFAULT_CASES[database]


# ---- comparing -------------------------------------------------------------------------


def differences(actual: Any, expected: Any, path: str = "") -> list[str]:
    if expected is expect.MAYBE:
        return []
    if expected is expect.ANY:
        return [] if actual is not None else [f"{path}: missing (null)"]
    if isinstance(expected, datetime):
        try:
            same = isinstance(actual, str) and datetime.fromisoformat(
                actual.replace("Z", "+00:00")
            ) == expected.astimezone(UTC)
        except ValueError:
            same = False
        return [] if same else [f"{path}: {actual!r} != {expected.isoformat()}"]
    if isinstance(expected, date):
        return [] if actual == expected.isoformat() else [f"{path}: {actual!r} != {expected}"]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: {actual!r} != an object"]
        found = []
        for key, value in expected.items():
            if key not in actual:
                found.append(f"{path}.{key}: not answered")
            elif key in UNORDERED and isinstance(actual[key], list) and value is not None:
                found += differences(_by_key(actual[key]), _by_key(value), f"{path}.{key}")
            elif key == "redactions":
                if _sorted(actual[key]) != _sorted(value):
                    found.append(f"{path}.redactions: {actual[key]} != {value}")
            else:
                found += differences(actual[key], value, f"{path}.{key}")
        return found
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            shown = [_brief(a) for a in actual] if isinstance(actual, list) else actual
            return [f"{path}: {shown!r} != {[_brief(e) for e in expected]!r}"]
        found = []
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            found += differences(a, e, f"{path}[{i}]")
        return found
    return [] if actual == expected else [f"{path}: {actual!r} != {expected!r}"]


UNORDERED = {"guardianships", "relationships"}
"""Lists whose order the API does not promise (guardianships by start date, ties open)."""


def _by_key(items: list[Any]) -> list[Any]:
    return sorted(items, key=lambda i: str(i.get("id") or i.get("organisation")))


def _sorted(items: list[dict[str, str]]) -> list[tuple[str, str, str]]:
    return sorted((r["field"], r["category"], r["reason"]) for r in items)


def _brief(item: Any) -> Any:
    if isinstance(item, dict) and "node" in item:
        item = item["node"]
    if isinstance(item, dict):
        return item.get("id", item.get("seq", "…"))
    return item


# ---- the queries ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One root field: its text, and how to build what the reference expects of it."""

    text: str
    expected: Any
    label: str


def project(full: dict[str, Any] | None, keys: tuple[str, ...]) -> dict[str, Any] | None:
    """An expected object cut to the selected keys (its redactions stay whole)."""
    if full is None:
        return None
    return {k: full[k] for k in keys if k in full}


CLIENT_BRIEF = ("id", "redactions", "name", "personalId", "address", "phone", "email")
ALIASES = {
    "Plan": {"type": "planType", "status": "planStatus"},
    "Application": {"status": "applicationStatus"},
    "Decision": {"kind": "decisionKind", "outcome": "decisionOutcome"},
    "Attachment": {"kind": "attachmentKind"},
    "Notice": {"type": "noticeType", "status": "noticeStatus", "outcome": "noticeOutcome"},
    "ConsentEvent": {"type": "eventType"},
}
"""Fields of the feed's union members that share a name but not a type, aliased apart."""


def aliased(selection: str, names: dict[str, str]) -> str:
    """``selection`` with its top-level fields in ``names`` given their aliases."""
    out, depth = [], 0
    for token in re.findall(r"[{}()]|[^\s{}()]+", selection):
        depth += token.count("{") + token.count("(") - token.count("}") - token.count(")")
        at_top = depth == 0 and token not in "{}()"
        out.append(f"{names[token]}: {token}" if at_top and token in names else token)
    return " ".join(out)


def realias(entity: dict[str, Any] | None, type_name: str) -> dict[str, Any] | None:
    if entity is None:
        return None
    names = ALIASES.get(type_name, {})
    return {names.get(k, k): v for k, v in entity.items()}


CHANGES_SELECTION = (
    "edges { node { position entityType entityId op clientId entity { "
    f"... on Client {{ {' '.join(k if k != 'redactions' else expect.R for k in CLIENT_BRIEF)} }} "
    + " ".join(
        f"... on {name} {{ {aliased(selection, ALIASES[name])} }}"
        for name, selection in (
            ("Plan", expect.PLAN),
            ("Application", expect.APPLICATION),
            ("Decision", expect.DECISION),
            ("Attachment", expect.ATTACHMENT),
            ("Notice", expect.NOTICE),
            ("ConsentEvent", expect.EVENT),
        )
    )
    + " } } } pageInfo { hasNextPage endCursor }"
)
CHANGES_PAGE = 40
FEED_EVERY = 3
"""The change feed is followed by every third principal (of every kind, over the worlds):
it is the costliest question, and the same rows answer it as the other roots."""


class Oracle:
    """One world: its reference, and the cases asked of it."""

    def __init__(self, ref: Reference, http: httpx.AsyncClient, keys: Keys, api: Api) -> None:
        self.ref = ref
        self.snap = ref.snap
        self.http = http
        self.keys = keys
        self.api = api
        self.cases = 0
        self.requests = 0
        self.tokens: dict[Who, str] = {}

    def principals(self) -> list[Who]:
        persons = len(self.snap.codes) + 2
        found = [
            Who(frozenset({"kela_handler"}), KELA),
            Who(frozenset({"kela_advisor"}), KELA),
            Who(frozenset({"kela_handler", "kela_advisor"}), KELA),
            Who(frozenset({"dpo"}), KELA),
            Who(frozenset({"social_worker", "dpo"}), COUNTIES[0]),
        ]
        for county in COUNTIES:
            found += [
                Who(frozenset({"social_worker"}), county),
                Who(frozenset({"social_counsellor"}), county),
                Who(frozenset({"dpo"}), county),
            ]
        for person in range(persons):
            code = person_code(person)
            found += [
                Who(frozenset({"client"}), person=code),
                Who(frozenset({"guardian"}), person=code),
            ]
        found.append(Who(frozenset({"client", "guardian"}), person=person_code(0)))
        return [
            Who(w.roles, w.org, w.person, f"oracle-{i}-{'+'.join(sorted(w.roles))}")
            for i, w in enumerate(found)
        ]

    def token(self, who: Who) -> str:
        """A signed token per principal and world (signing is the costly half of a JWT)."""
        if who not in self.tokens:
            self.tokens[who] = self.keys.sign(
                claims(sorted(who.roles), org=who.org, person=who.person, sub=who.sub)
            )
        return self.tokens[who]

    async def post(self, who: Who, query: str) -> dict[str, Any]:
        self.requests += 1
        response = await self.http.post(
            "/graphql",
            json={"query": query},
            headers={"Authorization": f"Bearer {self.token(who)}"},
        )
        assert response.status_code == 200, (who, response.status_code, response.text[:500])
        body: dict[str, Any] = response.json()
        assert "errors" not in body, (who, body["errors"])
        return body["data"]  # type: ignore[no-any-return]

    # ---- one principal -----------------------------------------------------------------

    async def ask(self, who: Who, *, feed: bool) -> None:
        log = await access_log_rows(self.api)
        cases = self.cases_for(who, log)
        for start in range(0, len(cases), ALIASES_PER_REQUEST):
            chunk = cases[start : start + ALIASES_PER_REQUEST]
            text = expect.with_fragments(
                "{ " + " ".join(f"q{i}: {c.text}" for i, c in enumerate(chunk)) + " }"
            )
            data = await self.post(who, text)
            for i, case in enumerate(chunk):
                self.check(who, case.label, data[f"q{i}"], case.expected)
        if feed:
            await self.follow_changes(who)

    def check(self, who: Who, label: str, actual: Any, expected: Any) -> None:
        self.cases += 1
        found = differences(actual, expected, label)
        if found:
            _note(f"principal {who!r}, {label}")
            raise AssertionError(
                f"{who!r} asked {label}: the service and the reference differ:\n  "
                + "\n  ".join(found[:12])
            )

    def cases_for(self, who: Who, log: list[Any]) -> list[Case]:
        snap, ref = self.snap, self.ref
        ref.log = log
        codes = self.ref_guardian_codes
        cases = []
        ids = sorted(snap.codes)
        for n, cid in enumerate(ids):
            st = ref.stand(who, cid)
            authority = (None, "KELA", "WELLBEING_COUNTY")[n % 3]
            full = expect.client(st, codes, log, authority) if st.visible else None
            spread = "{ ..." + expect.CLIENT_FRAGMENT[authority] + " }"
            cases.append(Case(f'client(id: "{cid}") {spread}', full, f"client({n})"))
            by_code = full if st.visible and st.decide("PERSONAL_ID").allowed else None
            cases.append(
                Case(
                    f'clientByPersonalId(personalId: "{snap.codes[cid].lower()}") {{ ...CB }}',
                    project(by_code, CLIENT_BRIEF),
                    f"clientByPersonalId({n})",
                )
            )
            page = expect.ledger_page(st, 50) if st.visible else {"edges": []}
            cases.append(
                Case(
                    f'consentLedger(clientId: "{cid}", first: 50) '
                    "{ edges { node { ...E } } }",
                    page,
                    f"consentLedger({n})",
                )
            )
        cases.append(Case(f'client(id: "{NO_SUCH}") {{ id name }}', None, "client(no such)"))
        cases += self.client_lists(who, log)
        cases += self.inboxes(who)
        for k, nid in enumerate(sorted(snap.notices)):
            row = snap.notices[nid]
            st = ref.stand(who, row.client_id)
            shown = expect.notice(st, row) if st.visible and st.knows_notice(row) else None
            cases.append(Case(f'notice(id: "{nid}") {{ ...N }}', shown, f"notice({k})"))
        cases.append(Case(f'notice(id: "{NO_SUCH}") {{ id }}', None, "notice(no such)"))
        return cases

    @property
    def ref_guardian_codes(self) -> dict[uuid.UUID, str]:
        return self.ref._guardian_codes

    def client_lists(self, who: Who, log: list[Any]) -> list[Case]:
        snap, ref = self.snap, self.ref
        brief = "...CB"
        visible = [cid for cid in sorted(snap.codes) if ref.stand(who, cid).visible]

        def listed(ids: list[uuid.UUID]) -> dict[str, Any]:
            nodes = []
            for cid in ids:
                full = expect.client(ref.stand(who, cid), self.ref_guardian_codes, log, None)
                nodes.append(project(full, CLIENT_BRIEF))
            return expect.connection(nodes)

        by_name = [cid for cid in visible if "öberg" in snap.clients[cid].name.casefold()]
        first = sorted(snap.codes)[0]
        by_code = [
            cid
            for cid in visible
            if cid == first and ref.stand(who, cid).decide("PERSONAL_ID").allowed
        ]
        code = snap.codes[first]
        return [
            Case(
                f"clients(first: 50) {{ edges {{ node {{ {brief} }} }} }}",
                listed(visible),
                "clients",
            ),
            Case(
                f'clients(first: 50, search: "ÖBERG") {{ edges {{ node {{ {brief} }} }} }}',
                listed(by_name),
                "clients(search: name)",
            ),
            Case(
                f'clients(first: 50, search: " {code} ") {{ edges {{ node {{ {brief} }} }} }}',
                listed(by_code),
                "clients(search: code)",
            ),
        ]

    def inboxes(self, who: Who) -> list[Case]:
        snap, ref = self.snap, self.ref
        cases = []
        for direction in ("RECEIVED", "SENT", "BOTH"):
            nodes = []
            if who.org is not None and who.roles & STAFF_ROLES:
                for nid in sorted(snap.notices):
                    row = snap.notices[nid]
                    sides = {
                        "RECEIVED": (row.recipient_id,),
                        "SENT": (row.sender_id,),
                        "BOTH": (row.recipient_id, row.sender_id),
                    }[direction]
                    st = ref.stand(who, row.client_id)
                    if who.org in sides and st.visible:
                        nodes.append(expect.notice(st, row))
            cases.append(
                Case(
                    f"noticeInbox(first: 50, direction: {direction}) "
                    "{ edges { node { ...N } } }",
                    expect.connection(nodes[:50]),
                    f"noticeInbox({direction})",
                )
            )
        return cases

    # ---- the change feed ---------------------------------------------------------------

    async def follow_changes(self, who: Who) -> None:
        since: str | None = None
        got: list[dict[str, Any]] = []
        while True:
            after = "" if since is None else f', since: "{since}"'
            data = await self.post(
                who, f"{{ changes(first: {CHANGES_PAGE}{after}) {{ {CHANGES_SELECTION} }} }}"
            )
            page = data["changes"]
            self.cases += 1
            got += [e["node"] for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            since = page["pageInfo"]["endCursor"]
        expected = [self.expected_change(who, row) for row in await self.positions()]
        wanted = [e for e in expected if e is not None]
        found = differences(got, wanted, "changes")
        if found:
            _note(f"principal {who!r}, changes")
            raise AssertionError(
                f"{who!r} followed the change feed: the service and the reference differ:\n  "
                + "\n  ".join(found[:12])
            )

    async def positions(self) -> list[Any]:
        return sorted(
            (r for r in await change_rows(self.api) if r.position is not None),
            key=lambda r: r.position,
        )

    def expected_change(self, who: Who, row: Any) -> dict[str, Any] | None:
        snap, ref = self.snap, self.ref
        st = ref.stand(who, row.client_id)
        if not st.visible:
            return None
        kind = row.entity_type
        entity: dict[str, Any] | None
        if kind == "CLIENT":
            full = expect.client(st, self.ref_guardian_codes, [], None)
            entity = project(full, CLIENT_BRIEF) if _shown(full) else None
        elif kind == "PLAN":
            p = snap.plans[row.entity_id]
            entity = expect.plan(st, p) if st.knows_plan(p) else None
        elif kind == "APPLICATION":
            a = snap.applications[row.entity_id]
            entity = expect.application(st, a) if st.knows_application(a) else None
        elif kind == "DECISION":
            d = snap.decisions[row.entity_id]
            entity = expect.decision(st, d) if st.knows_decision(d) else None
        elif kind == "ATTACHMENT":
            at = snap.attachments[row.entity_id]
            entity = expect.attachment(st, at) if st.knows_attachment(at) else None
        elif kind == "NOTICE":
            n = snap.notices[row.entity_id]
            entity = expect.notice(st, n) if st.knows_notice(n) else None
        elif kind == "CONSENT_EVENT":
            ev = next(e for e in snap.events[row.client_id] if e["id"] == str(row.entity_id))
            entity = expect.event(st, ev) if st.knows_event(ev) else None
        else:
            raise AssertionError(f"a change of an unknown kind {kind}")
        if entity is None:
            return None
        names = {"CONSENT_EVENT": "ConsentEvent"}
        entity = realias(entity, names.get(kind, kind.title()))
        return {
            "position": row.position,
            "entityType": kind,
            "entityId": str(row.entity_id),
            "op": row.op,
            "clientId": str(row.client_id),
            "entity": entity,
        }


def _note(text: str) -> None:
    """A note on the failing example (outside Hypothesis, as when replaying one world by
    hand, the assertion's own message says it)."""
    with contextlib.suppress(InvalidArgument):
        note(text)


def _shown(client: dict[str, Any]) -> bool:
    """A client object is shown (in the feed) when one of its fields may be known of."""
    withheld = {r["field"] for r in client["redactions"] if r["reason"] == "NOT_PERMITTED"}
    guarded = {r["field"] for r in client["redactions"]} | {
        k for k, v in client.items() if k not in ("id", "redactions") and v is not None
    }
    return bool(guarded - withheld)


# ---- running a world -----------------------------------------------------------------------


async def guardian_codes(api: Api, persons: int) -> dict[uuid.UUID, str]:
    """Which person each stored guardianship names: the builder's people, matched on the
    stored guardian (the code, or its lookup hash where codes are kept encrypted)."""
    async with api.runtime.sessions() as session:
        rows = (await session.scalars(select(m.Guardianship))).all()
    by_hash = {api.runtime.pii.lookup(person_code(p)): person_code(p) for p in range(persons)}
    return {row.id: by_hash[row.guardian_hash] for row in rows}


async def run_world(settings: Settings, keys: Keys, spec: WorldSpec) -> tuple[int, int, int, int]:
    now = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)
    app = create_app(settings, clock=Clock(now))
    async with app.router.lifespan_context(app):
        api = Api(app)
        built = await Builder(api, spec, now).build()
        snap = await snapshot(api, built, spec, now)
        ref = Reference(snap, await guardian_codes(api, spec.persons))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://infocap.test") as http:
            oracle = Oracle(ref, http, keys, api)
            for n, who in enumerate(oracle.principals()):
                await oracle.ask(who, feed=n % FEED_EVERY == 0)
    return oracle.cases, oracle.requests, built.writes, built.refused


@pytest.fixture(params=DATABASES)
def fresh_databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A factory of fresh migrated databases of one kind, one per generated world."""
    kind = request.param
    made: list[str] = []

    def make() -> str:
        if kind == "sqlite":
            path = tmp_path / f"oracle-{uuid.uuid4().hex[:8]}.db"
            shutil.copy(request.getfixturevalue("sqlite_template"), path)
            return f"sqlite:///{path}"
        partitioned = kind == PARTITIONED
        server = request.getfixturevalue("pg_partitioned" if partitioned else "pg")
        template = PARTITIONED_TEMPLATE if partitioned else TEMPLATE
        name = f"o_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(server.url().replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        made.append(name)
        return str(server.url(name))

    yield kind, make
    if made:
        admin = request.getfixturevalue("pg").url().replace("+psycopg", "")
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in made:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def oracle_settings(url: str, keys: Keys, tmp_path: Path) -> Settings:
    """The service as deployed, with the read-rate and cost limits raised: the oracle asks
    every root of the schema at once, many times a second, which those limits (tested on
    their own) exist to stop."""
    return Settings(
        database_url=url,
        jwks_file=keys.jwks_path,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        attachment_dir=tmp_path / "attachments",
        max_query_cost=10_000_000,
        max_tokens=100_000,
        max_query_length=1_000_000,
        max_body_bytes=4 * 1024 * 1024,
        rate_reads_per_principal=1_000_000,
        rate_reads_per_organisation=1_000_000,
        rate_registrations_per_principal=1_000_000,
        rate_registrations_per_organisation=1_000_000,
    )


def _scenarios(test: Any) -> Any:
    """The fixed worlds of ``SCENARIOS`` come first in every run."""
    for spec in SCENARIOS:
        test = example(spec=spec)(test)
    return test


def test_every_answer_matches_the_reference(
    fresh_databases: tuple[str, Any], keys: Keys, tmp_path: Path
) -> None:
    kind, make = fresh_databases
    totals = {"cases": 0, "requests": 0, "worlds": 0, "writes": 0, "refused": 0}

    def run(spec: WorldSpec) -> None:
        cases, requests, writes, refused = asyncio.run(
            run_world(oracle_settings(make(), keys, tmp_path), keys, spec)
        )
        totals["cases"] += cases
        totals["requests"] += requests
        totals["writes"] += writes
        totals["refused"] += refused
        totals["worlds"] += 1

    common = settings(
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
        phases=PHASES,
    )
    settings(common, max_examples=examples(kind))(given(spec=worlds())(_scenarios(run)))()
    more = settings(common, max_examples=2)(given(spec=worlds())(run))
    for _ in range(10):
        if totals["cases"] >= minimum_cases(kind):
            break
        more()
    figures.add(f"oracle cases ({kind})", totals["cases"])
    figures.add(f"oracle requests ({kind})", totals["requests"])
    figures.add(f"oracle worlds ({kind})", totals["worlds"])
    figures.add(f"oracle world writes ({kind})", totals["writes"])
    figures.add(f"oracle world writes refused ({kind})", totals["refused"])
    figures.add("oracle leaks found", 0)
