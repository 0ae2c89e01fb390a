"""The container files, checked without Docker: the compose file against the Compose
Specification's JSON schema and against what the services need of each other, the
Dockerfile with hadolint, and the dependency lock against pyproject.toml."""

import json
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import requires
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft201909Validator
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
COMPOSE = DOCKER / "compose.yaml"
SCHEMA = ROOT / "tests" / "data" / "compose-spec.json"
LOCK = DOCKER / "requirements.lock"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


def environment(service: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in service.get("environment", {}).items()}


def test_the_compose_file_is_valid_against_the_compose_schema(compose):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(Draft201909Validator(schema).iter_errors(compose), key=str)
    assert errors == [], "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_the_schema_refuses_what_it_should(compose):
    """The check has teeth: a misspelt condition and an unknown key are refused."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = json.loads(json.dumps(compose))
    broken["services"]["api"]["depends_on"]["migrate"]["condition"] = "service_finished"
    broken["services"]["db"]["helthcheck"] = {}
    messages = [e.message for e in Draft201909Validator(schema).iter_errors(broken)]
    assert any("service_finished" in m for m in messages), messages
    assert any("helthcheck" in m for m in messages), messages


def test_the_service_starts_after_a_successful_migration_as_the_owner(compose):
    services = compose["services"]
    assert set(services) == {"db", "keycloak", "migrate", "api"}
    migrate, api = services["migrate"], services["api"]
    assert migrate["command"] == ["migrate"]
    assert migrate["restart"] == "no"
    assert api["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert api["depends_on"]["keycloak"] == {"condition": "service_healthy"}
    assert migrate["depends_on"]["db"] == {"condition": "service_healthy"}
    owner = environment(migrate)["INFOCAP_MIGRATION_DATABASE_URL"]
    assert owner.startswith("postgresql://infocap_owner:")
    assert environment(migrate)["INFOCAP_DATABASE_URL"].startswith("postgresql://infocap_app@")
    served = environment(api)
    assert served["INFOCAP_DATABASE_URL"].startswith("postgresql://infocap_app:")
    assert "INFOCAP_MIGRATION_DATABASE_URL" not in served
    assert served["INFOCAP_ENV"] == "production"
    assert served["INFOCAP_LEDGER_KEY_FILE"] == "/run/secrets/ledger_key"
    assert served["INFOCAP_PII_KEY_FILE"] == "/run/secrets/pii_keys"
    assert api["secrets"] == ["ledger_key", "pii_keys"]
    assert environment(migrate)["INFOCAP_PII_KEY_FILE"] == "/run/secrets/pii_keys"
    assert migrate["secrets"] == ["pii_keys"]


def test_the_database_init_script_is_mounted_and_makes_both_roles(compose):
    db = compose["services"]["db"]
    assert "./initdb:/docker-entrypoint-initdb.d:ro" in db["volumes"]
    script = (DOCKER / "initdb" / "10-roles.sh").read_text(encoding="utf-8")
    assert "infocap_owner" in script
    assert "infocap_app" in script
    for name in ("INFOCAP_DB_OWNER_PASSWORD", "INFOCAP_DB_APP_PASSWORD"):
        assert name in environment(db)


def test_the_service_reads_the_realms_keys_and_issuer(compose):
    realm = json.loads((DOCKER / "keycloak" / "infocap-realm.json").read_text(encoding="utf-8"))
    keycloak, api = compose["services"]["keycloak"], compose["services"]["api"]
    assert "--import-realm" in keycloak["command"]
    assert "./keycloak:/opt/keycloak/data/import:ro" in keycloak["volumes"]
    served = environment(api)
    hostname = environment(keycloak)["KC_HOSTNAME"]
    assert served["INFOCAP_JWT_ISSUER"] == f"{hostname}/realms/{realm['realm']}"
    assert served["INFOCAP_JWKS_URL"] == (
        f"http://keycloak:8080/realms/{realm['realm']}/protocol/openid-connect/certs"
    )
    audiences = {
        m["config"]["included.client.audience"]
        for c in realm["clients"]
        for m in c.get("protocolMappers", [])
        if m["protocolMapper"] == "oidc-audience-mapper"
    }
    assert audiences == {served["INFOCAP_JWT_AUDIENCE"]}
    placeholders = set(re.findall(r"\$\{(\w+)\}", json.dumps(realm)))
    assert placeholders == {"INFOCAP_DEMO_PASSWORD", "INFOCAP_COUNTY_CLIENT_SECRET"}
    assert placeholders <= set(environment(keycloak))


def test_every_secret_of_the_compose_file_is_in_the_example_env(compose):
    named = set(re.findall(r"\$\{(\w+)[:?}]", COMPOSE.read_text(encoding="utf-8")))
    example = {
        line.split("=")[0]
        for line in (DOCKER / "example.env").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    assert named == example


def test_the_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    result = subprocess.run(
        [hadolint, "--no-color", str(DOCKER / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_dockerfile_pins_its_base_and_runs_unprivileged():
    text = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    bases = re.findall(r"^FROM (\S+)", text, re.MULTILINE)
    assert len(bases) == 2
    for base in bases:
        assert re.fullmatch(r"python:[\w.-]+@sha256:[0-9a-f]{64}", base), base
    assert "--require-hashes" in text
    assert re.search(r"^USER 10001", text, re.MULTILINE)
    assert "/healthz" in text
    assert 'ENTRYPOINT ["infocap-entrypoint"]' in text
    assert "requirements.lock" in text


# --- the lock -------------------------------------------------------------------------------


def locked() -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) of every pin in the lock."""
    pins: dict[str, tuple[str, int]] = {}
    name = ""
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        pin = re.match(r"^([A-Za-z0-9._-]+)==([^\s\\;]+)", line)
        if pin:
            name = canonicalize_name(pin.group(1))
            pins[name] = (pin.group(2), 0)
        elif "--hash=sha256:" in line and name:
            version, count = pins[name]
            pins[name] = (version, count + 1)
    return pins


def runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return [Requirement(r) for r in project["project"]["dependencies"]]


def test_the_lock_pins_every_runtime_dependency_with_hashes():
    pins = locked()
    assert pins, "docker/requirements.lock holds no pins"
    for name, (_, hashes) in pins.items():
        assert hashes >= 1, f"{name} has no hash"
    for requirement in runtime_requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in docker/requirements.lock"
        version, _ = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"the lock pins {name}=={version}, pyproject wants {requirement}"
        )


def test_the_lock_covers_the_extras_pyproject_asks_for():
    """``uvicorn[standard]`` and the like: what the extra brings is locked too (on the
    image's platform: Linux, CPython)."""
    pins = locked()
    linux = {key: str(value) for key, value in default_environment().items()}
    linux |= {"sys_platform": "linux", "platform_system": "Linux"}
    for requirement in runtime_requirements():
        for extra in requirement.extras:
            for text in requires(requirement.name) or []:
                needed = Requirement(text)
                if needed.marker is None or not needed.marker.evaluate(linux | {"extra": extra}):
                    continue
                if needed.marker.evaluate(linux | {"extra": ""}):
                    continue  # not brought by the extra
                assert canonicalize_name(needed.name) in pins, (
                    f"{requirement.name}[{extra}] needs {needed.name}, missing from the lock"
                )


def test_the_lock_holds_the_build_backend_for_an_offline_build():
    build = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]
    for text in build["requires"]:
        requirement = Requirement(text)
        assert canonicalize_name(requirement.name) in locked(), requirement
