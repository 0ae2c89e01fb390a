"""The program docs/audit.md gives data-protection officers, to verify an export with
nothing but ledger.md, run on real exports: it verifies a good one and names the break
in a bad one. And the pages' GraphQL is valid against the published schema."""

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from graphql import build_schema, parse, validate

from ledger.export import export
from ledger.witnessing import checkpoint_now
from tests.ledger.logkit import LogDb, clients_with_grants

AUDIT = Path(__file__).resolve().parents[2] / "docs" / "audit.md"


def program(tmp_path: Path) -> Path:
    text = AUDIT.read_text(encoding="utf-8")
    start = text.index("```python\n# verify_export.py") + len("```python\n")
    path = tmp_path / "verify_export.py"
    path.write_text(text[start : text.index("```", start)], encoding="utf-8")
    return path


def run(script: Path, export_file: Path, key: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(script), str(export_file), key],
        capture_output=True,
        text=True,
        check=False,
    )


async def test_the_documented_verifier_checks_an_export(logdb: LogDb, tmp_path: Path):
    ids = await clients_with_grants(logdb, [3, 2])
    await checkpoint_now(logdb.sessions, logdb.config, logdb.clock)
    await clients_with_grants(logdb, [1])
    await checkpoint_now(logdb.sessions, logdb.config, logdb.clock)
    parts: list[str] = []
    async with logdb.sessions() as session:
        await export(session, parts.append)
    lines = "".join(parts).splitlines(keepends=True)
    path = tmp_path / "ledger.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    script, key = program(tmp_path), str(logdb.config.verifier)

    good = run(script, path, key)
    assert good.returncode == 0, good.stderr
    assert good.stdout.strip() == "export verified: 6 entries in the log, 2 checkpoints"

    events = [json.loads(line) for line in lines[:6]]
    target = next(e for e in events if e["client"] == str(ids[0]) and e["seq"] == 2)
    target["body"]["purpose"] = "Jotain muuta"
    path.write_text(
        "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events) + "".join(lines[6:]),
        encoding="utf-8",
    )
    bad = run(script, path, key)
    assert bad.returncode != 0
    assert f"broken at client {ids[0]} seq 2" in bad.stderr

    path.write_text("".join(lines[:5] + lines[6:]), encoding="utf-8")  # an event left out
    assert run(script, path, key).returncode != 0


def test_the_graphql_of_the_dpo_pages_is_valid_against_the_published_schema():
    """Every GraphQL block of docs/audit.md and docs/data-protection.md (explaining an
    access, reading the access log, the summary, a subject-access request) is an
    operation the published schema accepts."""
    published = build_schema(
        (AUDIT.parent.parent / "schema" / "schema.graphql").read_text(encoding="utf-8")
    )
    checked = 0
    for page in (AUDIT, AUDIT.parent / "data-protection.md"):
        text = page.read_text(encoding="utf-8")
        for _, body in re.findall(r"^( *)```graphql\n(.*?)^\1```", text, re.S | re.M):
            errors = validate(published, parse(textwrap.dedent(body)))
            assert not errors, (page.name, body, [e.message for e in errors])
            checked += 1
    assert checked >= 8
