"""``infocap audit export`` and ``infocap audit summary`` (issue 6, item 8), in-process
through ``main``, on both databases."""

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from graph.cli import main
from graph.settings import Settings
from schema.db import make_sync_engine
from schema.models import AccessLogEntry
from tests.graph.test_cli import grant, register, use_database
from tests.graph.test_ledger_cli import FIRST, SECOND


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Settings:
    return use_database(monkeypatch, database_url, tmp_path)


def rows_of(settings: Settings) -> list[dict[str, object]]:
    engine = make_sync_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                select(
                    AccessLogEntry.id,
                    AccessLogEntry.organisation_id,
                    AccessLogEntry.category,
                    AccessLogEntry.allowed,
                    AccessLogEntry.subjects,
                ).order_by(AccessLogEntry.id)
            )
            return [dict(r._mapping) for r in found]
    finally:
        engine.dispose()


def test_export_as_csv_and_json_lines(environment, tmp_path, capsys):
    settings = environment
    ids = register(settings, [FIRST, SECOND])
    grant(settings, ids[0], FIRST, ["Toimeentulotuki"])
    expected = rows_of(settings)
    assert {r["organisation_id"] for r in expected} == {"wc-pirkanmaa", None}

    output = tmp_path / "log.csv"
    assert main(["audit", "export", "--output", str(output)]) == 0
    assert capsys.readouterr().err == f"exported {len(expected)} access-log rows\n"
    with output.open(encoding="utf-8", newline="") as source:
        table = list(csv.DictReader(source))
    assert [int(r["id"]) for r in table] == [r["id"] for r in expected]
    assert [r["organisation_id"] or None for r in table] == [r["organisation_id"] for r in expected]
    assert {r["allowed"] for r in table} == {"true"}
    assert all(r["at"].endswith("Z") for r in table)
    assert [r["subjects"] or None for r in table] == [r["subjects"] for r in expected]

    assert main(["audit", "export", "--format", "jsonl", "--organisation", "wc-pirkanmaa"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    county = [r for r in expected if r["organisation_id"] == "wc-pirkanmaa"]
    assert [line["id"] for line in lines] == [r["id"] for r in county]
    assert {line["category"] for line in lines} == {"IDENTITY"}
    assert set(lines[0]) == {
        "id", "at", "request_id", "client_id", "subject", "subject_name", "organisation_id",
        "roles", "subjects", "azp", "category", "action", "allowed", "basis", "reason",
        "policy_rule", "consent_seq", "prohibition_seq", "policy_hash",
    }  # fmt: skip

    future = (datetime.now(UTC) + timedelta(days=400)).date().isoformat()
    assert main(["audit", "export", "--format", "jsonl", "--from", future]) == 0
    assert capsys.readouterr().out == ""
    assert main(["audit", "export", "--from", "yesterday"]) == 2
    assert "--from: not an ISO 8601" in capsys.readouterr().err
    assert main(["audit", "export", "--from", "2026-01-01T10:00"]) == 2
    assert "give the time zone" in capsys.readouterr().err
    assert main(["audit", "export", "--organisation", "nowhere"]) == 2


def test_summary_as_json_and_text(environment, capsys):
    settings = environment
    ids = register(settings, [FIRST])
    grant(settings, ids[0], FIRST, ["Toimeentulotuki"])
    period = ["--from", "2000-01-01", "--to", "2100-01-01"]
    assert main(["audit", "summary", *period]) == 0
    found = json.loads(capsys.readouterr().out)
    tallies = {
        (t["organisation_id"], t["category"]): (t["allowed"], t["denied"]) for t in found["tallies"]
    }
    assert tallies[("wc-pirkanmaa", "IDENTITY")] == (1, 0)
    assert tallies[(None, "CONSENT")][1] == 0
    assert set(found) == {
        "from", "to", "organisation", "tallies", "registrations", "selfRecordedConsents",
        "denialBursts", "protectedIdentityReads",
    }  # fmt: skip
    assert main(["audit", "summary", *period, "--organisation", "kela", "--format", "text"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(
        "access log 2000-01-01T00:00:00Z to 2100-01-01T00:00:00Z, organisation kela"
    )
    assert "relationships opened by registration: 0" in text
    with pytest.raises(SystemExit) as refused:  # argparse: --from and --to are required
        main(["audit", "summary"])
    assert refused.value.code == 2
