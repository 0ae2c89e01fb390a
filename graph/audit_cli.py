"""``infocap audit …``: the access log for operators and data-protection officers.

- ``export``: the access log's rows as CSV or JSON Lines, oldest first, streamed in
  chunks (memory stays bounded however long the log);
- ``summary``: allowed and denied per organisation and category over a period, and the
  signals (relationships opened by registration, self-recorded consents, bursts of
  denials, reads of protected-identity clients), as JSON or text.

Both read the database directly, as its operator: they are the operator's tools (a dpo
has the same through the API, for its own organisation). Exit codes: 0 done, 2 bad
arguments or settings."""

import argparse
import asyncio
import csv
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy.ext.asyncio import AsyncSession

from graph.settings import Settings, SettingsError

COLUMNS = (
    "id",
    "at",
    "request_id",
    "client_id",
    "subject",
    "subject_name",
    "organisation_id",
    "roles",
    "subjects",
    "azp",
    "category",
    "action",
    "allowed",
    "basis",
    "reason",
    "policy_rule",
    "consent_seq",
    "prohibition_seq",
    "policy_hash",
)


def add_commands(audit: argparse.ArgumentParser) -> None:
    commands = audit.add_subparsers(dest="audit_command", required=True)
    export = commands.add_parser("export", help="the access log as CSV or JSON Lines")
    export.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    _period(export, required=False)
    export.add_argument("--output", type=Path, help="a file (default: standard output)")
    summary = commands.add_parser(
        "summary", help="allowed and denied per organisation and category, and the signals"
    )
    _period(summary, required=True)
    summary.add_argument("--format", choices=("json", "text"), default="json")
    summary.add_argument("--output", type=Path, help="a file (default: standard output)")


def _period(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument("--organisation", help="only this organisation's rows (its id)")
    parser.add_argument(
        "--from", dest="since", required=required, help="from this moment (ISO 8601), included"
    )
    parser.add_argument(
        "--to", dest="until", required=required, help="to this moment (ISO 8601), excluded"
    )


def moment(value: str | None, name: str) -> datetime | None:
    """An ISO 8601 moment; a date alone is midnight UTC; a time needs its zone."""
    if value is None:
        return None
    try:
        found = datetime.fromisoformat(value)
    except ValueError as error:
        raise SettingsError(f"{name}: not an ISO 8601 date or time: {value!r}") from error
    if found.tzinfo is None:
        if len(value) != len("2026-01-01"):
            raise SettingsError(f"{name}: give the time zone, e.g. {value}Z")
        found = found.replace(tzinfo=UTC)
    return found


def run(settings: Settings, args: argparse.Namespace) -> int:
    since, until = moment(args.since, "--from"), moment(args.until, "--to")
    if since is not None and until is not None and until <= since:
        raise SettingsError("--to must be after --from")
    if args.output is None:
        return asyncio.run(_run(settings, args, since, until, sys.stdout))
    with args.output.open("w", encoding="utf-8", newline="") as out:
        return asyncio.run(_run(settings, args, since, until, out))


async def _run(
    settings: Settings,
    args: argparse.Namespace,
    since: datetime | None,
    until: datetime | None,
    out: IO[str],
) -> int:
    from graph.runtime import running

    async with running(settings) as runtime:
        if args.organisation is not None and args.organisation not in runtime.organisations:
            raise SettingsError(f"--organisation: no such organisation: {args.organisation}")
        async with runtime.sessions() as session:
            if args.audit_command == "export":
                written = await export(session, args.format, args.organisation, since, until, out)
                print(f"exported {written} access-log rows", file=sys.stderr)
                return 0
            if since is None or until is None:  # the parser requires both
                raise SettingsError("a summary needs --from and --to")
            found = await summary(session, settings, args.organisation, since, until)
    out.write(
        json.dumps(found, ensure_ascii=False, indent=2) + "\n"
        if args.format == "json"
        else render(found)
    )
    return 0


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if hasattr(value, "value"):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return sorted(_value(v) for v in value)
    return value if value is None or isinstance(value, bool | int | str | list) else str(value)


def _cell(value: Any) -> Any:
    """A CSV cell: empty for none, true/false for a flag."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


async def export(
    session: AsyncSession,
    format_: str,
    organisation: str | None,
    since: datetime | None,
    until: datetime | None,
    out: IO[str],
) -> int:
    """Write the rows, oldest first; how many."""
    from ledger.access_review import LogFilter, stream

    writer: Callable[[dict[str, Any]], object]
    if format_ == "csv":
        table = csv.writer(out)
        table.writerow(COLUMNS)

        def writer(row: dict[str, Any]) -> object:
            return table.writerow(_cell(row[column]) for column in COLUMNS)
    else:

        def writer(row: dict[str, Any]) -> object:
            return out.write(json.dumps(row, ensure_ascii=False) + "\n")

    written = 0
    filters = LogFilter(organisation_id=organisation, since=since, until=until)
    async for entry in stream(session, None, filters):
        writer({column: _value(getattr(entry, column)) for column in COLUMNS})
        written += 1
    return written


async def summary(
    session: AsyncSession,
    settings: Settings,
    organisation: str | None,
    since: datetime,
    until: datetime,
) -> dict[str, Any]:
    """The summary and the signals, as the GraphQL ``accessSummary`` names them."""
    from ledger import access_review as review

    filters = review.LogFilter(organisation_id=organisation, since=since, until=until)
    opened = await review.opened_by_registration(session, organisation, since, until)
    window = timedelta(seconds=settings.audit_burst_seconds)
    bursts = await review.denial_bursts(
        session, organisation, since, until, settings.audit_burst_denials, window
    )

    def plain(item: Any) -> dict[str, Any]:
        return {key: _value(value) for key, value in asdict(item).items()}

    return {
        "from": _value(since),
        "to": _value(until),
        "organisation": organisation,
        "tallies": [plain(t) for t in await review.summary(session, None, filters)],
        "registrations": [plain(o) for o in opened],
        "selfRecordedConsents": [
            plain(s) for s in await review.self_recorded(session, organisation, since, until)
        ],
        "denialBursts": [plain(b) | {"clients": len(b.clients)} for b in bursts],
        "protectedIdentityReads": [
            plain(r) for r in await review.protected_reads(session, organisation, since, until)
        ],
    }


def render(found: dict[str, Any]) -> str:
    """The summary as text, for a terminal."""
    lines = [f"access log {found['from']} to {found['to']}" + _of(found["organisation"]), ""]
    lines.append(f"{'organisation':<20} {'category':<18} {'allowed':>9} {'denied':>9}")
    for tally in found["tallies"]:
        org = tally["organisation_id"] or "(persons)"
        lines.append(
            f"{org:<20} {tally['category']:<18} {tally['allowed']:>9} {tally['denied']:>9}"
        )
    sections = (
        ("relationships opened by registration", "registrations"),
        ("self-recorded consents", "selfRecordedConsents"),
        ("bursts of denials", "denialBursts"),
        ("reads of protected-identity clients", "protectedIdentityReads"),
    )
    for title, key in sections:
        lines += ["", f"{title}: {len(found[key])}"]
        lines += [f"  {json.dumps(item, ensure_ascii=False)}" for item in found[key]]
    return "\n".join(lines) + "\n"


def _of(organisation: str | None) -> str:
    return "" if organisation is None else f", organisation {organisation}"
