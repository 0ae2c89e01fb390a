"""Configuration, read once from the environment and passed explicitly.

Every setting is one declaration on ``Settings``: its field, default, environment
variable, meaning, whether it is a secret, and how its text is read. ``load_settings``
reads them all from that declaration, and ``docs/configuration.md`` is generated from
it (``infocap settings docs``), so the list and the documentation cannot drift apart.
To add a setting, add one field with ``setting(...)``; cross-field rules (what
production refuses) stay in ``enforce_safe``.
"""

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from authz.authn import ASYMMETRIC_ALGORITHMS
from authz.policy import DEFAULT_MODEL, DEFAULT_POLICY
from ledger.checkpoints import Witness
from ledger.note import COSIGNATURE_V1, NoteError, check_origin, parse_verifier_key
from schema.db import role_of

DEMO_ISSUER = "infocap-demo"
DEMO_KID_PREFIX = "infocap-demo-"
DEFAULT_DATABASE_URL = "sqlite:///./infocap.db"
MIB = 1024 * 1024
PREFIX = "INFOCAP_"
DEFAULT_CHECKPOINT_INTERVAL = 3600


class SettingsError(ValueError):
    pass


Parse = Callable[[str, str], Any]
"""Reads a variable's (non-blank, stripped) text; the variable's name is for messages."""


def text(value: str, _: str) -> str:
    return value


def path(value: str, _: str) -> Path:
    return Path(value)


def positive(value: str, name: str) -> int:
    try:
        number = int(value)
    except ValueError as error:
        raise SettingsError(f"{name} must be a whole number") from error
    if number <= 0:
        raise SettingsError(f"{name} must be positive")
    return number


def origin(value: str, name: str) -> str:
    try:
        return check_origin(value)
    except NoteError as error:
        raise SettingsError(
            f"{name} is a schema-less URL without spaces or '+', e.g. infocap.example.fi/consent"
        ) from error


def whole_number(value: str, name: str) -> int:
    if not value.isascii() or not value.isdigit():
        raise SettingsError(f"{name} is a whole number")
    return int(value)


def whole_seconds(value: str, name: str) -> int:
    if not value.isascii() or not value.isdigit():
        raise SettingsError(f"{name} is a whole number of seconds (0: none)")
    return int(value)


def witness_list(value: str, name: str) -> tuple[Witness, ...]:
    """``[{"url": base URL, "key": the witness's verifier key}, …]``."""
    wrong = SettingsError(
        f'{name} is a JSON list of {{"url": "https://…", "key": "<name>+<id>+<key>"}}'
    )
    try:
        items = json.loads(value)
    except ValueError as error:
        raise wrong from error
    if not isinstance(items, list):
        raise wrong
    out = []
    for item in items:
        if not isinstance(item, dict) or set(item) != {"url", "key"}:
            raise wrong
        url, key = item["url"], item["key"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise SettingsError(f"{name}: not an http(s) URL: {url!r}")
        try:
            out.append(Witness(url, parse_verifier_key(str(key), COSIGNATURE_V1)))
        except NoteError as error:
            raise SettingsError(f"{name}: {key!r}: {error}") from error
    if len({w.key.ident for w in out}) != len(out):
        raise SettingsError(f"{name} names one witness twice")
    return tuple(out)


def positive_seconds(value: str, name: str) -> float:
    number = seconds(value, name)
    if number == 0:
        raise SettingsError(f"{name} must be more than zero seconds")
    return number


def port(value: str, name: str) -> int:
    number = positive(value, name)
    if number > 65535:
        raise SettingsError(f"{name} must be a port number (1-65535)")
    return number


def seconds(value: str, name: str) -> float:
    try:
        number = float(value)
    except ValueError as error:
        raise SettingsError(f"{name} must be a number of seconds") from error
    if not number >= 0 or number == float("inf"):
        raise SettingsError(f"{name} must be zero or more seconds")
    return number


def comma_list(value: str, _: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def flag(value: str, name: str) -> bool:
    if value not in ("0", "1"):
        raise SettingsError(f"{name} is 1 (on) or 0 (off)")
    return value == "1"


def one_of(*choices: str) -> Parse:
    def parse(value: str, name: str) -> str:
        if value not in choices:
            raise SettingsError(f"{name} is {' or '.join(choices)}")
        return value

    return parse


def algorithms(value: str, name: str) -> tuple[str, ...]:
    named = comma_list(value, name)
    refused = [a for a in named if a not in ASYMMETRIC_ALGORITHMS]
    if refused or not named:
        listed = ", ".join(refused) or "(none given)"
        raise SettingsError(f"{name} takes asymmetric algorithms; refused: {listed}")
    return named


@dataclass(frozen=True)
class Setting:
    """What the documentation says about one field, and how its variable is read."""

    env: str
    meaning: str
    group: str
    parse: Parse
    secret: bool
    shown_default: str | None


SETTING = "infocap.setting"


def setting(
    default: Any,
    name: str,
    meaning: str,
    *,
    group: str,
    parse: Parse = text,
    secret: bool = False,
    shown_default: str | None = None,
) -> Any:
    """A field of ``Settings`` read from ``INFOCAP_<name>``. A secret stays out of
    ``repr`` and is never printed."""
    spec = Setting(PREFIX + name, meaning, group, parse, secret, shown_default)
    return field(default=default, repr=not secret, metadata={SETTING: spec})


DATABASE = "Database"
TOKENS = "Tokens"
SERVICE = "Service"
LIMITS = "Limits"
POLICY = "Policy"
LEDGER = "Ledger"
OBSERVABILITY = "Observability"
AUDIT = "Audit"


@dataclass(frozen=True)
class Settings:
    database_url: str = setting(
        DEFAULT_DATABASE_URL,
        "DATABASE_URL",
        "`sqlite:///path` (embedded; migrated on start) or `postgresql://…` / "
        "`postgresql+psycopg://…` (psycopg 3 either way; migrated by `infocap migrate`). "
        "May carry a password.",
        group=DATABASE,
        secret=True,
    )
    migration_database_url: str | None = setting(
        None,
        "MIGRATION_DATABASE_URL",
        "PostgreSQL: the schema owner's URL, used by `infocap migrate`. When its role differs "
        "from the one in `INFOCAP_DATABASE_URL`, that role is granted what the service needs "
        "and nothing that changes the append-only tables.",
        group=DATABASE,
        secret=True,
    )
    jwks_url: str | None = setting(
        None,
        "JWKS_URL",
        "URL of the identity provider's JWKS (cached 5 minutes, refetched on an unknown "
        "`kid`). Setting both this and the file is refused.",
        group=TOKENS,
    )
    jwks_file: Path | None = setting(
        None,
        "JWKS_FILE",
        "path of a JWKS file (read at start and again on an unknown `kid`)",
        group=TOKENS,
        parse=path,
    )
    jwt_issuer: str | None = setting(
        None,
        "JWT_ISSUER",
        "the expected `iss`. Unset in development: the service starts, warns, and refuses "
        "every token.",
        group=TOKENS,
    )
    jwt_audience: str = setting("infocap", "JWT_AUDIENCE", "the expected `aud`", group=TOKENS)
    jwt_algorithms: tuple[str, ...] = setting(
        ("RS256", "ES256"),
        "JWT_ALGORITHMS",
        "accepted algorithms, comma-separated; asymmetric only (`none` and `HS*` are refused)",
        group=TOKENS,
        parse=algorithms,
    )
    env: str = setting(
        "development",
        "ENV",
        "`development` or `production`. Production turns off GraphiQL, introspection and "
        "field suggestions, and refuses to start without its secrets (below).",
        group=SERVICE,
        parse=one_of("development", "production"),
    )
    host: str = setting(
        "127.0.0.1",
        "HOST",
        "the address `infocap serve` listens on (`--host` overrides it)",
        group=SERVICE,
    )
    port: int = setting(
        8000,
        "PORT",
        "the port `infocap serve` listens on (`--port` overrides it)",
        group=SERVICE,
        parse=port,
    )
    workers: int = setting(
        1,
        "WORKERS",
        "worker processes of `infocap serve` (`--workers` overrides it)",
        group=SERVICE,
        parse=positive,
    )
    attachment_dir: Path = setting(
        Path("./attachments"),
        "ATTACHMENT_DIR",
        "where attachment content lives, as `<dir>/<first two hex>/<sha256>`",
        group=SERVICE,
        parse=path,
        shown_default="`./attachments`",
    )
    cors_origins: tuple[str, ...] = setting(
        (),
        "CORS_ORIGINS",
        "comma-separated browser origins allowed to call the API, over HTTP and WebSocket "
        "(`GET`, `POST`, `OPTIONS`; headers `Authorization`, `Content-Type`, `X-Request-ID`, "
        "and `X-Request-ID` readable in answers; no cookies; preflights cached 600 s). Demo "
        "mode also allows any `http://localhost:<port>` and `http://127.0.0.1:<port>`",
        group=SERVICE,
        parse=comma_list,
    )
    demo: bool = setting(
        False,
        "DEMO",
        "`1`: demo mode. `infocap serve --demo` sets it for its workers; not set by hand.",
        group=SERVICE,
        parse=flag,
    )
    max_upload_bytes: int = setting(
        20 * 1024 * 1024,
        "MAX_UPLOAD_BYTES",
        "the largest attachment. A request body may be this plus 65,536 bytes of envelope.",
        group=LIMITS,
        parse=positive,
        shown_default="20971520 (20 MiB)",
    )
    max_query_depth: int = setting(
        12, "MAX_QUERY_DEPTH", "the deepest a query may nest", group=LIMITS, parse=positive
    )
    max_aliases: int = setting(
        30,
        "MAX_ALIASES",
        "the most aliases in one document (fragments included)",
        group=LIMITS,
        parse=positive,
    )
    max_tokens: int = setting(
        4000, "MAX_TOKENS", "the most tokens in one document", group=LIMITS, parse=positive
    )
    max_body_bytes: int = setting(
        MIB,
        "MAX_BODY_BYTES",
        "the largest JSON request body (uploads, multipart, have `INFOCAP_MAX_UPLOAD_BYTES`); "
        "larger is refused with 413 `PAYLOAD_TOO_LARGE` before it is read",
        group=LIMITS,
        parse=positive,
        shown_default="1048576 (1 MiB)",
    )
    max_query_length: int = setting(
        32_768,
        "MAX_QUERY_LENGTH",
        "the longest query document, in characters, checked before it is parsed",
        group=LIMITS,
        parse=positive,
    )
    max_query_cost: int = setting(
        10_000,
        "MAX_QUERY_COST",
        "the highest estimated cost of an operation (the product of list sizes along each "
        "path, summed; see docs/front-end.md), refused before it runs",
        group=LIMITS,
        parse=positive,
    )
    operation_timeout: float = setting(
        10.0,
        "OPERATION_TIMEOUT",
        "seconds an operation may run before it is cancelled and rolled back (`TIMEOUT`)",
        group=LIMITS,
        parse=positive_seconds,
        shown_default="`10`",
    )
    rate_reads_per_principal: int = setting(
        60,
        "RATE_READS_PER_PRINCIPAL",
        "expensive reads (searches, lookups by personal identity code, pages over 50 rows) "
        "a caller may make a minute, per server process",
        group=LIMITS,
        parse=positive,
    )
    rate_reads_per_organisation: int = setting(
        1_200,
        "RATE_READS_PER_ORGANISATION",
        "expensive reads an organisation's callers may make a minute, per server process",
        group=LIMITS,
        parse=positive,
    )
    rate_registrations_per_principal: int = setting(
        60,
        "RATE_REGISTRATIONS_PER_PRINCIPAL",
        "registrations (`registerClient`) a caller may make an hour, counted in the database",
        group=LIMITS,
        parse=positive,
    )
    rate_registrations_per_organisation: int = setting(
        1_000,
        "RATE_REGISTRATIONS_PER_ORGANISATION",
        "registrations an organisation's callers may make an hour, counted in the database",
        group=LIMITS,
        parse=positive,
    )
    policy_file: Path = setting(
        DEFAULT_POLICY,
        "POLICY_FILE",
        "the deployment's policy (Casbin CSV). Checked at start and on every reload "
        "(`infocap policy check`); a reload (SIGHUP, or `reloadPolicy` by a dpo of Kela) "
        "reads it again.",
        group=POLICY,
        parse=path,
        shown_default="the shipped `authz/policy.csv`",
    )
    policy_model: Path = setting(
        DEFAULT_MODEL,
        "POLICY_MODEL",
        "the Casbin model the policy is read with; change it only with the code",
        group=POLICY,
        parse=path,
        shown_default="the shipped `authz/model.conf`",
    )
    policy_poll_seconds: float = setting(
        10.0,
        "POLICY_POLL_SECONDS",
        "how often each worker looks for a policy reload recorded by another worker or "
        "replica, and follows it when its own file holds that policy; `0` turns it off",
        group=POLICY,
        parse=seconds,
        shown_default="`10`",
    )
    ledger_key_file: Path | None = setting(
        None,
        "LEDGER_KEY_FILE",
        "an Ed25519 private key in PEM, without a password, that signs ledger checkpoints. "
        "Checked at start when set.",
        group=LEDGER,
        parse=path,
    )
    ledger_origin: str | None = setting(
        None,
        "LEDGER_ORIGIN",
        "the log's origin, the first line of every checkpoint: a schema-less URL without "
        "spaces or `+`, e.g. `infocap.example.fi/consent`. Production refuses to start "
        "without it.",
        group=LEDGER,
        parse=origin,
    )
    checkpoint_interval: int = setting(
        DEFAULT_CHECKPOINT_INTERVAL,
        "CHECKPOINT_INTERVAL",
        "seconds between the checkpoints the running service makes on its own; `0`: none",
        group=LEDGER,
        parse=whole_seconds,
    )
    witnesses: tuple[Witness, ...] = setting(
        (),
        "WITNESSES",
        'a JSON list of `{"url": base URL, "key": the witness\'s verifier key}`: the witnesses '
        "asked to cosign every checkpoint (C2SP tlog-witness; `/add-checkpoint` is appended)",
        group=LEDGER,
        parse=witness_list,
        shown_default="none",
    )
    witness_quorum: int | None = setting(
        None,
        "WITNESS_QUORUM",
        "how many witnesses must cosign for a checkpoint to count as witnessed",
        group=LEDGER,
        parse=whole_number,
        shown_default="all",
    )
    audit_burst_denials: int = setting(
        20,
        "AUDIT_BURST_DENIALS",
        "a burst of denials, as the access-log review signals it: at least this many denials "
        "by one subject within `INFOCAP_AUDIT_BURST_SECONDS` (a denial: a request refused "
        "something about one client)",
        group=AUDIT,
        parse=positive,
    )
    audit_burst_seconds: int = setting(
        300,
        "AUDIT_BURST_SECONDS",
        "the window of a burst of denials, in seconds",
        group=AUDIT,
        parse=positive,
    )
    log_level: str = setting(
        "info",
        "LOG_LEVEL",
        "`debug`, `info`, `warning` or `error`: the service's JSON log lines on standard error",
        group=OBSERVABILITY,
        parse=one_of("debug", "info", "warning", "error"),
    )
    metrics_token: str | None = setting(
        None,
        "METRICS_TOKEN",
        "when set, `GET /metrics` needs `Authorization: Bearer <this>`; when unset, it "
        "answers only clients on the loopback address",
        group=OBSERVABILITY,
        secret=True,
    )

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def app_role(self) -> str | None:
        """The role the service connects as, when migrations run as another (the owner)."""
        if self.migration_database_url is None:
            return None
        app, owner = role_of(self.database_url), role_of(self.migration_database_url)
        return app if app and app != owner else None


def declared() -> Iterator[tuple[str, Setting, Any]]:
    """Every setting: field name, declaration, default."""
    for item in fields(Settings):
        spec = item.metadata.get(SETTING)
        if isinstance(spec, Setting):
            yield item.name, spec, item.default


def load_settings(environ: Mapping[str, str]) -> Settings:
    """The settings from ``environ`` (a blank variable counts as unset), checked."""
    values: dict[str, Any] = {}
    for name, spec, _ in declared():
        raw = environ.get(spec.env, "").strip()
        if raw:
            values[name] = spec.parse(raw, spec.env)
    settings = Settings(**values)
    enforce_safe(settings)
    return settings


def enforce_safe(settings: Settings) -> None:
    """Refuse what must not run: production without its secrets, or with demo ones."""
    if settings.jwks_url and settings.jwks_file:
        raise SettingsError("set INFOCAP_JWKS_URL or INFOCAP_JWKS_FILE, not both")
    if settings.witness_quorum is not None and settings.witness_quorum > len(settings.witnesses):
        raise SettingsError(
            f"INFOCAP_WITNESS_QUORUM is {settings.witness_quorum}, but "
            f"{len(settings.witnesses)} witness(es) are configured in INFOCAP_WITNESSES"
        )
    if not settings.production:
        return
    missing = []
    if not (settings.jwks_url or settings.jwks_file):
        missing.append("INFOCAP_JWKS_URL or INFOCAP_JWKS_FILE")
    if not settings.jwt_issuer:
        missing.append("INFOCAP_JWT_ISSUER")
    if not settings.ledger_key_file:
        missing.append("INFOCAP_LEDGER_KEY_FILE")
    if not settings.ledger_origin:
        missing.append("INFOCAP_LEDGER_ORIGIN")
    if missing:
        raise SettingsError(f"production needs {', '.join(missing)}")
    if settings.demo or settings.jwt_issuer == DEMO_ISSUER:
        raise SettingsError("production refuses demo mode and the demo issuer")
