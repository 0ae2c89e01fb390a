"""Configuration, read once from the environment and passed explicitly (``docs/auth.md``)."""

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from authz.authn import ASYMMETRIC_ALGORITHMS
from schema.db import role_of

DEMO_ISSUER = "infocap-demo"
DEMO_KID_PREFIX = "infocap-demo-"
DEFAULT_DATABASE_URL = "sqlite:///./infocap.db"
MIB = 1024 * 1024


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
    attachment_dir: Path = Path("./attachments")
    max_upload_bytes: int = 20 * 1024 * 1024
    demo: bool = False
    cors_origins: tuple[str, ...] = ()
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 4000
    max_body_bytes: int = MIB
    max_query_length: int = 32_768
    max_query_cost: int = 10_000
    operation_timeout: float = 10.0
    rate_reads_per_principal: int = 60
    rate_reads_per_organisation: int = 1_200
    rate_registrations_per_principal: int = 60
    rate_registrations_per_organisation: int = 1_000

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
        attachment_dir=Path(get("ATTACHMENT_DIR") or "./attachments"),
        max_upload_bytes=_positive(
            get("MAX_UPLOAD_BYTES"), 20 * 1024 * 1024, "INFOCAP_MAX_UPLOAD_BYTES"
        ),
        demo=get("DEMO") == "1",
        cors_origins=tuple(o.strip() for o in (get("CORS_ORIGINS") or "").split(",") if o.strip()),
        max_query_depth=_positive(get("MAX_QUERY_DEPTH"), 12, "INFOCAP_MAX_QUERY_DEPTH"),
        max_aliases=_positive(get("MAX_ALIASES"), 30, "INFOCAP_MAX_ALIASES"),
        max_tokens=_positive(get("MAX_TOKENS"), 4000, "INFOCAP_MAX_TOKENS"),
        **_edge_limits(get),
    )
    enforce_safe(settings)
    return settings


def enforce_safe(settings: Settings) -> None:
    """Refuse what must not run: production without its secrets, or with demo ones."""
    if settings.jwks_url and settings.jwks_file:
        raise SettingsError("set INFOCAP_JWKS_URL or INFOCAP_JWKS_FILE, not both")
    if not settings.production:
        return
    missing = []
    if not (settings.jwks_url or settings.jwks_file):
        missing.append("INFOCAP_JWKS_URL or INFOCAP_JWKS_FILE")
    if not settings.jwt_issuer:
        missing.append("INFOCAP_JWT_ISSUER")
    if not settings.ledger_key_file:
        missing.append("INFOCAP_LEDGER_KEY_FILE")
    if missing:
        raise SettingsError(f"production needs {', '.join(missing)}")
    if settings.demo or settings.jwt_issuer == DEMO_ISSUER:
        raise SettingsError("production refuses demo mode and the demo issuer")


def _edge_limits(get: Callable[[str], str | None]) -> dict[str, Any]:
    """The limits of the edge (``docs/security.md``): sizes, cost, time, rates."""
    defaults = Settings()
    whole_numbers = {
        "max_body_bytes": "MAX_BODY_BYTES",
        "max_query_length": "MAX_QUERY_LENGTH",
        "max_query_cost": "MAX_QUERY_COST",
        "rate_reads_per_principal": "RATE_READS_PER_PRINCIPAL",
        "rate_reads_per_organisation": "RATE_READS_PER_ORGANISATION",
        "rate_registrations_per_principal": "RATE_REGISTRATIONS_PER_PRINCIPAL",
        "rate_registrations_per_organisation": "RATE_REGISTRATIONS_PER_ORGANISATION",
    }
    limits: dict[str, Any] = {
        attribute: _positive(get(name), getattr(defaults, attribute), f"INFOCAP_{name}")
        for attribute, name in whole_numbers.items()
    }
    limits["operation_timeout"] = _seconds(
        get("OPERATION_TIMEOUT"), defaults.operation_timeout, "INFOCAP_OPERATION_TIMEOUT"
    )
    return limits


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


def _seconds(value: str | None, default: float, name: str) -> float:
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError as error:
        raise SettingsError(f"{name} must be a number of seconds") from error
    if not math.isfinite(number) or number <= 0:
        raise SettingsError(f"{name} must be a positive number of seconds")
    return number
