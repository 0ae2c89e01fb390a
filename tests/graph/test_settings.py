"""Configuration from the environment (``docs/auth.md``): defaults, what production
refuses, refused algorithms and sizes, and the ledger key checked when the app is made.

Pure: settings come from plain dicts, and ``create_app`` refuses before any database is
opened."""

import json
from dataclasses import fields
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from starlette.applications import Starlette

from graph.app import app_from_environment, create_app
from graph.settings import DEMO_ISSUER, Settings, SettingsError, load_settings

JWKS_URL = "https://idp.example.fi/.well-known/jwks.json"
ISSUER = "https://idp.example.fi"

PRODUCTION = {
    "INFOCAP_ENV": "production",
    "INFOCAP_JWKS_URL": JWKS_URL,
    "INFOCAP_JWT_ISSUER": ISSUER,
    "INFOCAP_LEDGER_KEY_FILE": "/etc/infocap/ledger.pem",
    "INFOCAP_LEDGER_ORIGIN": "infocap.example.fi/consent",
    "INFOCAP_PII_KEY_FILE": "/etc/infocap/pii-keys.json",
}
JWKS = "INFOCAP_JWKS_URL or INFOCAP_JWKS_FILE"


def production(**changes: str | None) -> dict[str, str]:
    """The production environment with some variables changed (None: removed)."""
    environ = dict(PRODUCTION)
    for name, value in changes.items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    return environ


# --- defaults ----------------------------------------------------------------------------


def test_defaults_are_those_of_the_table():
    settings = load_settings({})
    assert settings.database_url == "sqlite:///./infocap.db"
    assert settings.jwks_url is None
    assert settings.jwks_file is None
    assert settings.jwt_issuer is None
    assert settings.jwt_audience == "infocap"
    assert settings.jwt_algorithms == ("RS256", "ES256")
    assert settings.env == "development"
    assert not settings.production
    assert settings.ledger_key_file is None
    assert settings.attachment_dir == Path("./attachments")
    assert settings.max_upload_bytes == 20971520
    assert not settings.demo


def test_blank_variables_count_as_unset():
    environ = {
        f"INFOCAP_{name}": "  "
        for name in (
            "DATABASE_URL",
            "JWKS_URL",
            "JWKS_FILE",
            "JWT_ISSUER",
            "JWT_AUDIENCE",
            "JWT_ALGORITHMS",
            "ENV",
            "LEDGER_KEY_FILE",
            "LEDGER_ORIGIN",
            "CHECKPOINT_INTERVAL",
            "WITNESSES",
            "WITNESS_QUORUM",
            "ATTACHMENT_DIR",
            "MAX_UPLOAD_BYTES",
        )
    }
    assert load_settings(environ) == load_settings({})


def test_settings_come_from_the_mapping_given_not_the_process(monkeypatch):
    monkeypatch.setenv("INFOCAP_JWT_AUDIENCE", "from-the-process")
    monkeypatch.setenv("INFOCAP_ENV", "production")
    settings = load_settings({})
    assert settings.jwt_audience == "infocap"
    assert settings.env == "development"


def test_every_variable_is_read():
    settings = load_settings(
        {
            "INFOCAP_DATABASE_URL": "postgresql+psycopg://infocap@db/infocap",
            "INFOCAP_JWKS_FILE": "/etc/infocap/jwks.json",
            "INFOCAP_JWT_ISSUER": ISSUER,
            "INFOCAP_JWT_AUDIENCE": "infocap-test",
            "INFOCAP_JWT_ALGORITHMS": " ES256 , RS256,PS256 ",
            "INFOCAP_ENV": "development",
            "INFOCAP_LEDGER_KEY_FILE": "/etc/infocap/ledger.pem",
            "INFOCAP_ATTACHMENT_DIR": "/var/lib/infocap/attachments",
            "INFOCAP_MAX_UPLOAD_BYTES": "1048576",
        }
    )
    assert settings.database_url == "postgresql+psycopg://infocap@db/infocap"
    assert settings.jwks_file == Path("/etc/infocap/jwks.json")
    assert settings.jwks_url is None
    assert settings.jwt_issuer == ISSUER
    assert settings.jwt_audience == "infocap-test"
    assert settings.jwt_algorithms == ("ES256", "RS256", "PS256")
    assert settings.ledger_key_file == Path("/etc/infocap/ledger.pem")
    assert settings.attachment_dir == Path("/var/lib/infocap/attachments")
    assert settings.max_upload_bytes == 1048576


def test_the_database_url_is_kept_out_of_repr():
    """It may carry a password."""
    settings = load_settings({"INFOCAP_DATABASE_URL": "postgresql://infocap:hunter2@db/x"})
    assert "hunter2" not in repr(settings)
    assert "database_url" in {f.name for f in fields(Settings)}


def test_env_is_development_or_production():
    with pytest.raises(SettingsError, match="INFOCAP_ENV"):
        load_settings({"INFOCAP_ENV": "staging"})


def test_jwks_by_url_or_by_file_not_both():
    with pytest.raises(SettingsError, match="not both"):
        load_settings({"INFOCAP_JWKS_URL": JWKS_URL, "INFOCAP_JWKS_FILE": "/etc/jwks.json"})


# --- production --------------------------------------------------------------------------


def test_production_starts_with_jwks_issuer_and_ledger_key():
    settings = load_settings(PRODUCTION)
    assert settings.production
    assert settings.jwks_url == JWKS_URL
    assert settings.jwt_issuer == ISSUER
    assert settings.ledger_key_file == Path("/etc/infocap/ledger.pem")
    by_file = load_settings(production(INFOCAP_JWKS_URL=None, INFOCAP_JWKS_FILE="/etc/j.json"))
    assert by_file.jwks_file == Path("/etc/j.json")


@pytest.mark.parametrize(
    "missing",
    [
        ["INFOCAP_JWKS_URL"],
        ["INFOCAP_JWT_ISSUER"],
        ["INFOCAP_LEDGER_KEY_FILE"],
        ["INFOCAP_JWKS_URL", "INFOCAP_JWT_ISSUER"],
        ["INFOCAP_JWT_ISSUER", "INFOCAP_LEDGER_KEY_FILE"],
        ["INFOCAP_JWKS_URL", "INFOCAP_JWT_ISSUER", "INFOCAP_LEDGER_KEY_FILE"],
        ["INFOCAP_LEDGER_ORIGIN"],
        ["INFOCAP_LEDGER_KEY_FILE", "INFOCAP_LEDGER_ORIGIN"],
        ["INFOCAP_PII_KEY_FILE"],
    ],
)
def test_production_refuses_to_start_and_names_what_is_missing(missing):
    with pytest.raises(SettingsError) as refused:
        load_settings(production(**dict.fromkeys(missing)))
    message = str(refused.value)
    named = {
        "INFOCAP_JWKS_URL": JWKS,
        "INFOCAP_JWT_ISSUER": "INFOCAP_JWT_ISSUER",
        "INFOCAP_LEDGER_KEY_FILE": "INFOCAP_LEDGER_KEY_FILE",
        "INFOCAP_LEDGER_ORIGIN": "INFOCAP_LEDGER_ORIGIN",
        "INFOCAP_PII_KEY_FILE": "INFOCAP_PII_KEY_FILE",
    }
    for name, words in named.items():
        if name in missing:
            assert words in message, message
        else:
            assert name not in message, message


def test_production_without_anything_names_all_four():
    with pytest.raises(SettingsError) as refused:
        load_settings({"INFOCAP_ENV": "production"})
    message = str(refused.value)
    for words in (
        JWKS,
        "INFOCAP_JWT_ISSUER",
        "INFOCAP_LEDGER_KEY_FILE",
        "INFOCAP_LEDGER_ORIGIN",
        "INFOCAP_PII_KEY_FILE",
    ):
        assert words in message, message


def test_development_starts_without_them():
    assert not load_settings({"INFOCAP_ENV": "development"}).production


def test_production_refuses_demo_mode():
    with pytest.raises(SettingsError, match="demo"):
        load_settings(production(INFOCAP_DEMO="1"))


def test_production_refuses_the_demo_issuer():
    with pytest.raises(SettingsError, match="demo"):
        load_settings(production(INFOCAP_JWT_ISSUER=DEMO_ISSUER))


def test_demo_mode_is_allowed_in_development():
    settings = load_settings({"INFOCAP_DEMO": "1", "INFOCAP_JWT_ISSUER": DEMO_ISSUER})
    assert settings.demo
    assert settings.jwt_issuer == DEMO_ISSUER


def test_the_server_factory_refuses_production_without_its_secrets(monkeypatch):
    """What ``infocap serve`` hands to uvicorn reads the process environment."""
    for name in (*PRODUCTION, "INFOCAP_JWKS_FILE", "INFOCAP_DEMO"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INFOCAP_ENV", "production")
    monkeypatch.setenv("INFOCAP_JWT_ISSUER", ISSUER)
    with pytest.raises(SettingsError) as refused:
        app_from_environment()
    assert JWKS in str(refused.value)
    assert "INFOCAP_LEDGER_KEY_FILE" in str(refused.value)
    assert "INFOCAP_JWT_ISSUER" not in str(refused.value)


# --- algorithms and sizes ----------------------------------------------------------------


@pytest.mark.parametrize(
    "algorithms",
    ["HS256", "none", "HS384", "HS512", "RS256,HS256", "ES256, none", "hs256", "None"],
)
def test_symmetric_and_none_algorithms_are_refused(algorithms):
    with pytest.raises(SettingsError, match="INFOCAP_JWT_ALGORITHMS") as refused:
        load_settings({"INFOCAP_JWT_ALGORITHMS": algorithms})
    message = str(refused.value)
    for name in (a.strip() for a in algorithms.split(",")):
        symmetric_or_none = name.upper().startswith("HS") or name.lower() == "none"
        assert (name in message) == symmetric_or_none, message


def test_an_empty_algorithm_list_is_refused():
    with pytest.raises(SettingsError, match="INFOCAP_JWT_ALGORITHMS"):
        load_settings({"INFOCAP_JWT_ALGORITHMS": " , ,"})


@pytest.mark.parametrize("algorithms", ["RS256", "ES256", "RS256,ES256,PS256,EdDSA"])
def test_asymmetric_algorithms_are_accepted(algorithms):
    settings = load_settings({"INFOCAP_JWT_ALGORITHMS": algorithms})
    assert settings.jwt_algorithms == tuple(algorithms.split(","))


@pytest.mark.parametrize("value", ["abc", "0", "-1", "1.5", "20MB", "1e6", "0x100"])
def test_a_bad_upload_limit_is_refused(value):
    with pytest.raises(SettingsError, match="INFOCAP_MAX_UPLOAD_BYTES"):
        load_settings({"INFOCAP_MAX_UPLOAD_BYTES": value})


def test_a_good_upload_limit_is_taken():
    assert load_settings({"INFOCAP_MAX_UPLOAD_BYTES": "4096"}).max_upload_bytes == 4096


# --- the ledger key ----------------------------------------------------------------------


def pem(key: object) -> bytes:
    assert isinstance(
        key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
    )
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def write_ed25519(path: Path) -> Path:
    path.write_bytes(pem(ed25519.Ed25519PrivateKey.generate()))
    return path


def ledger_settings(path: Path) -> Settings:
    return Settings(ledger_key_file=path, jwt_issuer=ISSUER)


def test_create_app_takes_an_ed25519_pem_ledger_key(tmp_path):
    app = create_app(ledger_settings(write_ed25519(tmp_path / "ledger.pem")))
    assert isinstance(app, Starlette)


def not_ed25519(kind: str) -> bytes:
    if kind == "rsa":
        return pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    if kind == "ec":
        return pem(ec.generate_private_key(ec.SECP256R1()))
    ed = ed25519.Ed25519PrivateKey.generate()
    if kind == "ed25519-public":
        return ed.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    if kind == "ed25519-der":
        return ed.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    if kind == "ed25519-raw":
        return ed.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
    if kind == "ed25519-encrypted":
        return ed.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"passphrase"),
        )
    if kind == "garbage":
        return b"-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"
    if kind == "empty":
        return b""
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind",
    [
        "rsa",
        "ec",
        "ed25519-public",
        "ed25519-der",
        "ed25519-raw",
        "ed25519-encrypted",
        "garbage",
        "empty",
    ],
)
def test_create_app_refuses_a_ledger_key_that_is_not_an_ed25519_pem(tmp_path, kind):
    path = tmp_path / "ledger.pem"
    path.write_bytes(not_ed25519(kind))
    with pytest.raises(SettingsError, match="INFOCAP_LEDGER_KEY_FILE"):
        create_app(ledger_settings(path))


def test_create_app_refuses_a_missing_ledger_key_file(tmp_path):
    with pytest.raises(SettingsError, match="INFOCAP_LEDGER_KEY_FILE"):
        create_app(ledger_settings(tmp_path / "no-such.pem"))


def test_query_limits_come_from_the_environment():
    settings = load_settings(
        {"INFOCAP_MAX_QUERY_DEPTH": "8", "INFOCAP_MAX_ALIASES": "5", "INFOCAP_MAX_TOKENS": "900"}
    )
    assert (settings.max_query_depth, settings.max_aliases, settings.max_tokens) == (8, 5, 900)
    assert (
        load_settings({}).max_query_depth,
        load_settings({}).max_aliases,
        load_settings({}).max_tokens,
    ) == (12, 30, 4000)
    for name in ("INFOCAP_MAX_QUERY_DEPTH", "INFOCAP_MAX_ALIASES", "INFOCAP_MAX_TOKENS"):
        for bad in ("0", "-2", "many"):
            with pytest.raises(SettingsError, match=name):
                load_settings({name: bad})


# --- the edge's limits (docs/security.md) ------------------------------------------------

EDGE_LIMITS = {
    "INFOCAP_MAX_BODY_BYTES": ("max_body_bytes", 1048576),
    "INFOCAP_MAX_QUERY_LENGTH": ("max_query_length", 32768),
    "INFOCAP_MAX_QUERY_COST": ("max_query_cost", 10000),
    "INFOCAP_RATE_READS_PER_PRINCIPAL": ("rate_reads_per_principal", 60),
    "INFOCAP_RATE_READS_PER_ORGANISATION": ("rate_reads_per_organisation", 1200),
    "INFOCAP_RATE_REGISTRATIONS_PER_PRINCIPAL": ("rate_registrations_per_principal", 60),
    "INFOCAP_RATE_REGISTRATIONS_PER_ORGANISATION": ("rate_registrations_per_organisation", 1000),
}


def test_the_edge_limits_default_to_the_table():
    settings = load_settings({})
    for attribute, default in EDGE_LIMITS.values():
        assert getattr(settings, attribute) == default, attribute
    assert settings.operation_timeout == 10.0
    blank = {name: " " for name in [*EDGE_LIMITS, "INFOCAP_OPERATION_TIMEOUT"]}
    assert load_settings(blank) == settings


def test_the_edge_limits_come_from_the_environment():
    environ = {name: str(7 + i) for i, name in enumerate(EDGE_LIMITS)}
    settings = load_settings(environ | {"INFOCAP_OPERATION_TIMEOUT": "2.5"})
    for i, (attribute, _) in enumerate(EDGE_LIMITS.values()):
        assert getattr(settings, attribute) == 7 + i, attribute
    assert settings.operation_timeout == 2.5


@pytest.mark.parametrize("name", list(EDGE_LIMITS))
@pytest.mark.parametrize("value", ["0", "-3", "many", "1.5", "1e6"])
def test_a_bad_edge_limit_is_refused_by_name(name, value):
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value})


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan", "inf", "-inf"])
def test_a_bad_operation_timeout_is_refused(value):
    with pytest.raises(SettingsError, match="INFOCAP_OPERATION_TIMEOUT"):
        load_settings({"INFOCAP_OPERATION_TIMEOUT": value})


@pytest.mark.parametrize(("value", "seconds"), [("30", 30.0), ("0.25", 0.25), (" 5 ", 5.0)])
def test_a_good_operation_timeout_is_taken(value, seconds):
    assert load_settings({"INFOCAP_OPERATION_TIMEOUT": value}).operation_timeout == seconds


# --- the transparency log ----------------------------------------------------------------


def witness_key(name: str = "dpo.example.fi/w1") -> str:
    from ledger.note import COSIGNATURE_V1, VerifierKey

    return str(VerifierKey.of(name, COSIGNATURE_V1, ed25519.Ed25519PrivateKey.generate()))


def test_the_log_settings_are_read():
    first, second = witness_key("a.example/w"), witness_key("b.example/w")
    witnesses = [{"url": "https://a.example/w", "key": first}, {"url": "http://b", "key": second}]
    settings = load_settings(
        {
            "INFOCAP_LEDGER_ORIGIN": "infocap.example.fi/consent",
            "INFOCAP_CHECKPOINT_INTERVAL": "600",
            "INFOCAP_WITNESSES": json.dumps(witnesses),
            "INFOCAP_WITNESS_QUORUM": "1",
        }
    )
    assert settings.ledger_origin == "infocap.example.fi/consent"
    assert settings.checkpoint_interval == 600
    assert [(w.url, str(w.key)) for w in settings.witnesses] == [
        ("https://a.example/w", first),
        ("http://b", second),
    ]
    assert settings.witness_quorum == 1


def test_the_log_defaults():
    settings = load_settings({})
    assert settings.ledger_origin is None
    assert settings.checkpoint_interval == 3600
    assert settings.witnesses == ()
    assert settings.witness_quorum is None
    assert load_settings({"INFOCAP_CHECKPOINT_INTERVAL": "0"}).checkpoint_interval == 0


@pytest.mark.parametrize(
    "origin",
    ["https://infocap.example.fi/consent", "infocap example", "infocap+log", "+", " x\ty"],
)
def test_an_origin_with_a_schema_a_space_or_a_plus_is_refused(origin):
    with pytest.raises(SettingsError, match="INFOCAP_LEDGER_ORIGIN"):
        load_settings({"INFOCAP_LEDGER_ORIGIN": origin})


@pytest.mark.parametrize(
    "value",
    [
        "not json",
        "{}",
        '[{"url": "https://w.example"}]',
        '[{"url": "ftp://w.example", "key": "%s"}]',
        '[{"url": "https://w.example", "key": "w+00000000+AAAA"}]',
        '[{"url": "https://w.example", "key": "%s", "extra": 1}]',
    ],
)
def test_a_bad_witness_list_is_refused(value):
    if "%s" in value:
        value = value % witness_key()
    with pytest.raises(SettingsError, match="INFOCAP_WITNESSES"):
        load_settings({"INFOCAP_WITNESSES": value})


def test_a_log_key_is_not_a_witness_key():
    from ledger.note import ED25519, VerifierKey

    log_key = str(VerifierKey.of("w.example", ED25519, ed25519.Ed25519PrivateKey.generate()))
    with pytest.raises(SettingsError, match="0x04"):
        load_settings({"INFOCAP_WITNESSES": f'[{{"url": "https://w", "key": "{log_key}"}}]'})


def test_a_quorum_above_the_witnesses_is_refused():
    one = f'[{{"url": "https://w.example", "key": "{witness_key()}"}}]'
    with pytest.raises(SettingsError, match="INFOCAP_WITNESS_QUORUM"):
        load_settings({"INFOCAP_WITNESSES": one, "INFOCAP_WITNESS_QUORUM": "2"})
    with pytest.raises(SettingsError, match="INFOCAP_WITNESS_QUORUM"):
        load_settings({"INFOCAP_WITNESS_QUORUM": "-1"})


@pytest.mark.parametrize("value", ["-5", "1.5", "hourly"])
def test_a_bad_checkpoint_interval_is_refused(value):
    with pytest.raises(SettingsError, match="INFOCAP_CHECKPOINT_INTERVAL"):
        load_settings({"INFOCAP_CHECKPOINT_INTERVAL": value})
