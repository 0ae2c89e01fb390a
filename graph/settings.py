"""Configuration, read once from the environment and passed explicitly (``docs/auth.md``)."""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from authz.authn import ASYMMETRIC_ALGORITHMS
from ledger.checkpoints import Witness
from ledger.note import COSIGNATURE_V1, NoteError, check_origin, parse_verifier_key
from schema.db import role_of

DEMO_ISSUER = "infocap-demo"
DEMO_KID_PREFIX = "infocap-demo-"
DEFAULT_DATABASE_URL = "sqlite:///./infocap.db"
DEFAULT_CHECKPOINT_INTERVAL = 3600


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default=DEFAULT_DATABASE_URL, repr=False)
    migration_database_url: str | None = field(default=None, repr=False)
    jwks_url: str | None = None
    jwks_file: Path | None = None
    jwt_issuer: str | None = None
    jwt_audience: str = "infocap"
    jwt_algorithms: tuple[str, ...] = ("RS256", "ES256")
    env: str = "development"
    ledger_key_file: Path | None = None
    ledger_origin: str | None = None
    checkpoint_interval: int = DEFAULT_CHECKPOINT_INTERVAL
    """Seconds between scheduled checkpoints while the service runs; 0: none."""
    witnesses: tuple[Witness, ...] = ()
    witness_quorum: int | None = None
    """How many witnesses must cosign for a checkpoint to count as witnessed (None: all)."""
    attachment_dir: Path = Path("./attachments")
    max_upload_bytes: int = 20 * 1024 * 1024
    demo: bool = False
    cors_origins: tuple[str, ...] = ()
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 4000

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


def load_settings(environ: Mapping[str, str]) -> Settings:
    def get(name: str) -> str | None:
        value = environ.get(f"INFOCAP_{name}", "").strip()
        return value or None

    env = get("ENV") or "development"
    if env not in ("development", "production"):
        raise SettingsError("INFOCAP_ENV is development or production")
    algorithms = tuple(
        a.strip() for a in (get("JWT_ALGORITHMS") or "RS256,ES256").split(",") if a.strip()
    )
    refused = [a for a in algorithms if a not in ASYMMETRIC_ALGORITHMS]
    if refused or not algorithms:
        named = ", ".join(refused) or "(none given)"
        raise SettingsError(f"INFOCAP_JWT_ALGORITHMS takes asymmetric algorithms; refused: {named}")
    settings = Settings(
        database_url=get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        migration_database_url=get("MIGRATION_DATABASE_URL"),
        jwks_url=get("JWKS_URL"),
        jwks_file=_path(get("JWKS_FILE")),
        jwt_issuer=get("JWT_ISSUER"),
        jwt_audience=get("JWT_AUDIENCE") or "infocap",
        jwt_algorithms=algorithms,
        env=env,
        ledger_key_file=_path(get("LEDGER_KEY_FILE")),
        ledger_origin=_origin(get("LEDGER_ORIGIN")),
        checkpoint_interval=_seconds(get("CHECKPOINT_INTERVAL")),
        witnesses=_witnesses(get("WITNESSES")),
        witness_quorum=_quorum(get("WITNESS_QUORUM")),
        attachment_dir=Path(get("ATTACHMENT_DIR") or "./attachments"),
        max_upload_bytes=_positive(
            get("MAX_UPLOAD_BYTES"), 20 * 1024 * 1024, "INFOCAP_MAX_UPLOAD_BYTES"
        ),
        demo=get("DEMO") == "1",
        cors_origins=tuple(o.strip() for o in (get("CORS_ORIGINS") or "").split(",") if o.strip()),
        max_query_depth=_positive(get("MAX_QUERY_DEPTH"), 12, "INFOCAP_MAX_QUERY_DEPTH"),
        max_aliases=_positive(get("MAX_ALIASES"), 30, "INFOCAP_MAX_ALIASES"),
        max_tokens=_positive(get("MAX_TOKENS"), 4000, "INFOCAP_MAX_TOKENS"),
    )
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


def _path(value: str | None) -> Path | None:
    return None if value is None else Path(value)


def _positive(value: str | None, default: int, name: str) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError as error:
        raise SettingsError(f"{name} must be a whole number") from error
    if number <= 0:
        raise SettingsError(f"{name} must be positive")
    return number


def _origin(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return check_origin(value)
    except NoteError as error:
        raise SettingsError(
            "INFOCAP_LEDGER_ORIGIN is a schema-less URL without spaces or '+', "
            "e.g. infocap.example.fi/consent"
        ) from error


def _seconds(value: str | None) -> int:
    if value is None:
        return DEFAULT_CHECKPOINT_INTERVAL
    if not value.isascii() or not value.isdigit():
        raise SettingsError("INFOCAP_CHECKPOINT_INTERVAL is a whole number of seconds (0: none)")
    return int(value)


def _witnesses(value: str | None) -> tuple[Witness, ...]:
    """``[{"url": base URL, "key": the witness's verifier key}, …]``."""
    if value is None:
        return ()
    wrong = SettingsError(
        'INFOCAP_WITNESSES is a JSON list of {"url": "https://…", "key": "<name>+<id>+<key>"}'
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
            raise SettingsError(f"INFOCAP_WITNESSES: not an http(s) URL: {url!r}")
        try:
            out.append(Witness(url, parse_verifier_key(str(key), COSIGNATURE_V1)))
        except NoteError as error:
            raise SettingsError(f"INFOCAP_WITNESSES: {key!r}: {error}") from error
    if len({w.key.ident for w in out}) != len(out):
        raise SettingsError("INFOCAP_WITNESSES names one witness twice")
    return tuple(out)


def _quorum(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isascii() or not value.isdigit():
        raise SettingsError("INFOCAP_WITNESS_QUORUM is a whole number")
    return int(value)
