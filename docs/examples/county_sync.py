#!/usr/bin/env python3
"""A county system's sync with infocap: follow the change feed, record decisions.

Only the standard library and httpx. Run it against the demo (``python3 run.py demo``,
then ``. .infocap-demo/tokens.env``):

    INFOCAP_TOKEN=$INFOCAP_TOKEN_COUNTY_SYSTEM python3 docs/examples/county_sync.py sync
    INFOCAP_TOKEN=$INFOCAP_TOKEN_COUNTY_SYSTEM python3 docs/examples/county_sync.py \\
        record-decision CLIENT_ID CMS-2026-0001

``sync`` reads every change after the stored cursor (``INFOCAP_CURSOR_FILE``, default
``.county-sync-cursor``), prints one line per item with the fields withheld from this
system, and stores the new cursor after each page: a sync that stops half-way resumes
where it stopped and reads nothing twice.

``record-decision`` records a supplementary decision under the system's own external
id. It is idempotent: the request for an external id is written to the outbox folder
(``INFOCAP_OUTBOX``, default ``.county-sync-outbox``) before it is first sent, and every
later attempt — a retry after a timeout or an internal error, or a run of the command
again — sends exactly that request, so a repeat returns the decision already recorded
(a request built anew, with a new ``decidedAt``, would be other content: ``CONFLICT``).

Exit codes: 0 done; 2 the request is wrong and a retry will not help (BAD_USER_INPUT,
FORBIDDEN, NOT_FOUND, validation); 3 CONFLICT (look at what is recorded, then decide);
4 UNAUTHENTICATED (get a new token); 5 the service stayed unavailable.
"""

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx

CHANGES = """
query($since: String, $first: Int) {
  changes(since: $since, first: $first) {
    edges { node {
      position entityType entityId op clientId
      entity {
        __typename
        ... on Client { redactions { field category reason } }
        ... on Plan { redactions { field category reason } }
        ... on Application { redactions { field category reason } }
        ... on Decision { redactions { field category reason } }
        ... on Attachment { redactions { field category reason } }
        ... on Notice { redactions { field category reason } }
        ... on ConsentEvent { redactions { field category reason } }
      }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
RECORD_DECISION = """
mutation($input: DecisionInput!) {
  recordDecision(input: $input) { id externalId kind outcome totalAmountCents }
}
"""
URL = os.environ.get("INFOCAP_URL", "http://127.0.0.1:8000/graphql")
RETRIES = 5
EXIT = {"CONFLICT": 3, "UNAUTHENTICATED": 4}


class Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


def call(client: httpx.Client, query: str, **variables: Any) -> dict[str, Any]:
    """One GraphQL operation, retried on what a retry can mend: network errors,
    INTERNAL_SERVER_ERROR, 429 and 503 (waiting Retry-After when given)."""
    for attempt in range(RETRIES):
        try:
            response = client.post(URL, json={"query": query, "variables": variables})
        except httpx.TransportError as error:
            print(f"network error ({error}); retrying", file=sys.stderr)
            time.sleep(2**attempt / 4)
            continue
        if response.status_code in (429, 503):
            time.sleep(float(response.headers.get("Retry-After", 2**attempt / 4)))
            continue
        body = response.json()
        errors = body.get("errors") or []
        if not errors:
            return dict(body["data"])
        code = (errors[0].get("extensions") or {}).get("code", "INTERNAL_SERVER_ERROR")
        if code != "INTERNAL_SERVER_ERROR":
            raise Refused(code, errors[0]["message"])
        time.sleep(2**attempt / 4)
    raise Refused("UNAVAILABLE", f"no answer after {RETRIES} attempts")


def sync(client: httpx.Client, cursor_file: Path) -> int:
    since = cursor_file.read_text().strip() if cursor_file.exists() else None
    seen = 0
    while True:
        page = call(client, CHANGES, since=since, first=100)["changes"]
        for edge in page["edges"]:
            item = edge["node"]
            withheld = ", ".join(
                f"{r['field']} ({r['reason']})" for r in item["entity"]["redactions"]
            )
            print(
                f"{item['position']:>6} {item['op']:<7} {item['entityType']:<13} "
                f"{item['entityId']} client {item['clientId']}"
                + (f"; withheld: {withheld}" if withheld else "")
            )
            seen += 1
        since = page["pageInfo"]["endCursor"]
        # Store the cursor only after the page is handled: a crash re-reads one page at most.
        temporary = cursor_file.with_suffix(".tmp")
        temporary.write_text(since or "")
        temporary.replace(cursor_file)
        if not page["pageInfo"]["hasNextPage"]:
            print(f"in sync: {seen} changes read, cursor {since}")
            return 0


def record_decision(client: httpx.Client, client_id: str, external_id: str) -> int:
    outbox = Path(os.environ.get("INFOCAP_OUTBOX", ".county-sync-outbox"))
    kept = outbox / f"{external_id}.json"
    if kept.exists():
        decision = json.loads(kept.read_text(encoding="utf-8"))
    else:
        decision = new_decision(client_id, external_id)
        outbox.mkdir(parents=True, exist_ok=True)
        temporary = kept.with_suffix(".tmp")
        temporary.write_text(json.dumps(decision, ensure_ascii=False), encoding="utf-8")
        temporary.replace(kept)
    recorded = call(client, RECORD_DECISION, input=decision)["recordDecision"]
    print(f"decision {recorded['id']} recorded as {recorded['externalId']}")
    print(json.dumps(recorded, ensure_ascii=False))
    return 0


def new_decision(client_id: str, external_id: str) -> dict[str, Any]:
    """The decision as the county's own system holds it (here: made up, decided now)."""
    return {
        "clientId": client_id,
        "kind": "SUPPLEMENTARY",
        "externalId": external_id,
        "decidedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "outcome": "GRANTED",
        "totalAmountCents": 12_000,
        "grounds": "Lääkekulut",
        "calculation": [{"type": "EXPENSE", "description": "Lääkkeet", "amountCents": 12_000}],
    }


def main(argv: list[str]) -> int:
    token = os.environ.get("INFOCAP_TOKEN")
    if not token or not argv:
        print(__doc__, file=sys.stderr)
        return 2
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(headers=headers, timeout=30) as client:
        try:
            if argv[0] == "sync":
                return sync(
                    client, Path(os.environ.get("INFOCAP_CURSOR_FILE", ".county-sync-cursor"))
                )
            if argv[0] == "record-decision" and len(argv) == 3:
                return record_decision(client, argv[1], argv[2])
        except Refused as refused:
            print(f"refused: {refused}", file=sys.stderr)
            return EXIT.get(refused.code, 5 if refused.code == "UNAVAILABLE" else 2)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
