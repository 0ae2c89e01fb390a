"""The GraphQL documents the workloads send, taken from the docs so that what is measured
is what front ends and integrations are told to send: the screens of
``docs/front-end.md`` (the caseworker overview, the notice inbox) and the sync query of
``docs/integration.md``."""

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def screens() -> dict[str, str]:
    """The documented screens, by operation name (as ``tests/graph/test_cost.py`` reads them)."""
    text = (DOCS / "front-end.md").read_text(encoding="utf-8")
    section = text.split("### Screens", 1)[1].split("\n### ", 1)[0]
    found = {}
    for block in re.findall(r"```graphql\n(.*?)```", section, re.S):
        name = re.match(r"query (\w+)", block)
        if name is not None:
            found[name.group(1)] = block
    return found


def caseworker_overview() -> str:
    return screens()["CaseworkerOverview"]


def notice_inbox() -> str:
    return screens()["NoticeInbox"]


def change_feed() -> str:
    """The sync query of docs/integration.md ("Syncing: the change feed"), named."""
    text = (DOCS / "integration.md").read_text(encoding="utf-8")
    section = text.split("## Syncing: the change feed", 1)[1]
    block = re.search(r"```graphql\n(.*?)```", section, re.S)
    if block is None:
        raise RuntimeError("docs/integration.md has no change-feed query")
    return block.group(1).replace("query(", "query Sync(", 1)


GRANT = """
mutation Grant($input: ConsentGrantInput!) {
  grantConsent(input: $input) { seq type at hash }
}
"""
