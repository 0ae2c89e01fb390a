"""Lists for front ends (issue 7, item 6): ``totalCount`` on every connection, counted
only when asked for and once per connection field for all the parents of a response;
``clients(orderBy: NAME)`` with cursors that follow the order; ``decisions`` filtered by
period, leaving out the rows whose period the caller may not see."""

from typing import Any

from tests.factories import (
    KELA_ADVISOR,
    KELA_HANDLER,
    PIRKANMAA_WORKER,
    client_principal,
    grant,
    personal_id,
    record_decision,
    register,
    save_plan,
    send_notice,
    upload,
)
from tests.graph.test_access_log import statements

COUNTED = """query($first: Int) { clients(first: $first) { totalCount edges { node {
  decisions(first: 1) { totalCount }
  notices(first: 1) { totalCount }
  attachments(first: 1) { totalCount }
  applications(first: 1) { totalCount }
  planHistory(first: 1) { totalCount }
} } } }"""
UNCOUNTED = """query($first: Int) { clients(first: $first) { edges { node {
  decisions(first: 1) { edges { cursor } } notices(first: 1) { edges { cursor } }
} } } }"""


def counts(seen: list[str]) -> list[str]:
    return [s for s in seen if "count(" in s.lower()]


async def clients_with_rows(api, n: int) -> list[str]:
    ids = []
    for i in range(n):
        client_id = await register(api)
        await save_plan(api, client_id)
        await record_decision(api, KELA_HANDLER, client_id, f"K-{i}-{client_id}")
        await record_decision(api, KELA_HANDLER, client_id, f"K2-{i}-{client_id}")
        await send_notice(api, PIRKANMAA_WORKER, client_id, "kela", "STATEMENT")
        ids.append(client_id)
    return ids


async def test_total_count_is_one_count_per_connection_field_not_per_row(api):
    await clients_with_rows(api, 3)
    with statements(api) as seen:
        three = await api.ok(KELA_HANDLER, COUNTED, first=10)
    three_counts = counts(seen)
    await clients_with_rows(api, 4)
    with statements(api) as seen:
        seven = await api.ok(KELA_HANDLER, COUNTED, first=10)
    # clients, decisions, notices, attachments, applications: one COUNT each (planHistory is
    # withheld from Kela without consent, so it counts nothing)
    assert len(counts(seen)) == len(three_counts) == 5, counts(seen)
    assert three["clients"]["totalCount"] == 3
    assert seven["clients"]["totalCount"] == 7
    for edge in seven["clients"]["edges"]:
        node = edge["node"]
        assert node["decisions"]["totalCount"] == 2
        assert node["notices"]["totalCount"] == 1
        assert node["attachments"]["totalCount"] == 0
        assert node["applications"]["totalCount"] == 0
        assert node["planHistory"] is None  # PLAN needs consent for Kela: withheld


async def test_total_count_is_not_computed_unless_asked_for(api):
    await clients_with_rows(api, 2)
    with statements(api) as seen:
        await api.ok(KELA_HANDLER, UNCOUNTED, first=10)
    assert counts(seen) == []


async def page_through(api, who, field: str, query: str, **variables: Any) -> tuple[list[Any], int]:
    """Every node of a list, page by page, and the totalCount of its first page."""
    nodes: list[Any] = []
    after = None
    total = None
    while True:
        out = await api.ok(who, query, after=after, **variables)
        for part in field.split("."):
            out = out[part]
        total = out["totalCount"] if total is None else total
        assert out["totalCount"] == total, "the count does not depend on the page"
        nodes.extend(e["node"] for e in out["edges"])
        if not out["pageInfo"]["hasNextPage"]:
            return nodes, total
        after = out["pageInfo"]["endCursor"]


async def test_total_count_is_the_length_of_the_list(api):
    pid = personal_id()
    client_id = await register(api, personalId=pid, name="Laskettava Asiakas")
    for i in range(3):
        await record_decision(api, KELA_HANDLER, client_id, f"L-{i}")
        await send_notice(api, PIRKANMAA_WORKER, client_id, "kela", "STATEMENT")
        await upload(api, PIRKANMAA_WORKER, client_id)
    await grant(api, client_principal(pid), client_id, "kela", ["PLAN"])
    lists = {
        "clients": (
            "query($after: String, $q: String) { clients(first: 1, after: $after, search: $q) "
            "{ totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }",
            {"q": "laskettava"},
        ),
        "noticeInbox": (
            "query($after: String) { noticeInbox(first: 2, after: $after, status: [SENT]) "
            "{ totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }",
            {},
        ),
        "consentLedger": (
            "query($after: String, $c: ID!) { consentLedger(clientId: $c, first: 1, after: $after) "
            "{ totalCount edges { node { seq } } pageInfo { hasNextPage endCursor } } }",
            {"c": client_id},
        ),
        "client.attachments": (
            "query($after: String, $c: ID!) { client(id: $c) { attachments(first: 2, after: $after) "
            "{ totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } } }",
            {"c": client_id},
        ),
    }
    for field, (query, variables) in lists.items():
        nodes, total = await page_through(api, KELA_HANDLER, field, query, **variables)
        assert total == len(nodes) > 0, field
    # Reading the access log adds to it, so it is counted in one read.
    log = "query($c: ID!) { client(id: $c) { accessLog(first: 100) { totalCount edges { cursor } } } }"
    found = (await api.ok(client_principal(pid), log, c=client_id))["client"]["accessLog"]
    assert found["totalCount"] == len(found["edges"]) > 0
    by_code = "query($q: String) { clients(search: $q) { totalCount } }"
    found = await api.ok(KELA_HANDLER, by_code, q=pid)
    assert found["clients"]["totalCount"] == 1
    stranger = await api.ok(client_principal(personal_id()), by_code, q=pid)
    assert stranger["clients"]["totalCount"] == 0


# --- clients by name -----------------------------------------------------------------------

BY_NAME = """query($after: String, $order: ClientOrder!) {
  clients(first: 2, after: $after, orderBy: $order) {
    totalCount edges { node { id name } } pageInfo { hasNextPage endCursor }
  }
}"""


async def test_clients_sort_by_name_and_the_cursor_follows_the_order(api):
    names = ["Öberg Åke", "aino Virtanen", "Bertta Berg", "Aino Virtanen", "Zacharias Zz", "Äijälä"]
    ids = {}
    for name in names:
        ids[await register(api, name=name)] = name
    nodes, total = await page_through(api, PIRKANMAA_WORKER, "clients", BY_NAME, order="NAME")
    assert total == len(nodes) == len(names)
    expected = sorted(ids, key=lambda i: (ids[i].casefold(), i))
    assert [n["id"] for n in nodes] == expected
    assert [n["name"] for n in nodes][-2:] == ["Äijälä", "Öberg Åke"]
    by_registration, _ = await page_through(
        api, PIRKANMAA_WORKER, "clients", BY_NAME, order="REGISTRATION"
    )
    assert [n["id"] for n in by_registration] == sorted(ids)
    first = await api.ok(PIRKANMAA_WORKER, BY_NAME, after=None, order="NAME")
    cursor = first["clients"]["pageInfo"]["endCursor"]
    await api.fails(PIRKANMAA_WORKER, BY_NAME, "BAD_USER_INPUT", after=cursor, order="REGISTRATION")


# --- decisions by period -------------------------------------------------------------------

PERIOD = """query($c: ID!, $from: Date, $to: Date) { client(id: $c) {
  decisions(first: 20, periodFrom: $from, periodTo: $to) {
    totalCount edges { node { id externalId periodStart periodEnd redactions { field reason } } }
  }
} }"""


async def decisions_of(api, who, client_id: str, start=None, end=None) -> list[str]:
    out = await api.ok(who, PERIOD, c=client_id, **{"from": start, "to": end})
    found = out["client"]["decisions"]
    assert found["totalCount"] == len(found["edges"])
    return sorted(e["node"]["externalId"] or e["node"]["id"] for e in found["edges"])


async def test_decisions_filter_by_overlapping_period(api):
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    periods = {
        "oct": ("2026-10-01", "2026-10-31"),
        "nov": ("2026-11-01", "2026-11-30"),
        "open": ("2026-12-01", None),
        "none": (None, None),
    }
    for name, (start, end) in periods.items():
        await record_decision(api, KELA_HANDLER, client_id, name, periodStart=start, periodEnd=end)
    county = await record_decision(api, PIRKANMAA_WORKER, client_id, "wc-nov", kind="SUPPLEMENTARY")
    me = PIRKANMAA_WORKER
    assert await decisions_of(api, me, client_id) == ["none", "nov", "oct", "open", "wc-nov"]
    assert await decisions_of(api, me, client_id, "2026-11-15", "2026-11-20") == ["nov", "wc-nov"]
    assert await decisions_of(api, me, client_id, "2026-10-31", "2026-11-01") == [
        "nov",
        "oct",
        "wc-nov",
    ]
    assert await decisions_of(api, me, client_id, "2027-03-01") == ["open"]
    assert await decisions_of(api, me, client_id, None, "2026-10-15") == ["oct"]
    await api.fails(
        me, PERIOD, "BAD_USER_INPUT", c=client_id, **{"from": "2026-12-01", "to": "2026-11-01"}
    )

    # A Kela advisor knows of the county's decision (withheld for consent) but may not see
    # its period: the filter leaves it out, whatever the period.
    unfiltered = await api.ok(KELA_ADVISOR, PERIOD, c=client_id, **{"from": None, "to": None})
    withheld = [
        e["node"] for e in unfiltered["client"]["decisions"]["edges"] if e["node"]["id"] == county
    ]
    assert len(withheld) == 1
    assert withheld[0]["periodStart"] is None
    assert {"field": "periodStart", "reason": "CONSENT_REQUIRED"} in withheld[0]["redactions"]
    assert "wc-nov" not in await decisions_of(
        api, KELA_ADVISOR, client_id, "2026-11-15", "2026-11-20"
    )

    # With the client's consent it is seen, and filtered; a prohibition of that very row
    # takes it out again.
    await grant(api, client_principal(pid), client_id, "kela", ["WC_DECISION"])
    assert await decisions_of(api, KELA_ADVISOR, client_id, "2026-11-15", "2026-11-20") == [
        "nov",
        "wc-nov",
    ]
    await api.ok(
        client_principal(pid),
        "mutation($i: ProhibitionInput!) { prohibitDisclosure(input: $i) { seq } }",
        i={"clientId": client_id, "rowType": "DECISION", "rowId": county},
    )
    assert await decisions_of(api, KELA_ADVISOR, client_id, "2026-11-15", "2026-11-20") == ["nov"]
