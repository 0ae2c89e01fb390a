"""Every setting is one self-describing declaration (issue 9): read from its variable,
documented in docs/configuration.md (generated, and checked here), secrets kept out
of ``repr``."""

from dataclasses import fields
from pathlib import Path

import pytest

from authz.policy import DEFAULT_MODEL, DEFAULT_POLICY
from graph.cli import main
from graph.settings import Settings, SettingsError, declared, load_settings
from graph.settings_docs import CONFIGURATION_DOC, render


def test_every_field_is_a_declared_setting():
    names = [name for name, _, _ in declared()]
    assert names == [f.name for f in fields(Settings)]
    variables = [spec.env for _, spec, _ in declared()]
    assert len(set(variables)) == len(variables)
    for _, spec, _ in declared():
        assert spec.env.startswith("INFOCAP_")
        assert spec.env.isupper()
        assert spec.meaning
        assert spec.group


def test_the_committed_configuration_doc_is_the_generated_one():
    assert CONFIGURATION_DOC.read_text(encoding="utf-8") == render(), (
        "docs/configuration.md is stale: run `infocap settings docs`"
    )


def test_the_doc_names_every_variable_and_marks_the_secrets():
    doc = render()
    for _, spec, _ in declared():
        row = next(line for line in doc.splitlines() if line.startswith(f"| `{spec.env}` |"))
        assert ("| yes |" in row) == spec.secret, row
    assert {spec.env for _, spec, _ in declared() if spec.secret} == {
        "INFOCAP_DATABASE_URL",
        "INFOCAP_MIGRATION_DATABASE_URL",
        "INFOCAP_METRICS_TOKEN",
    }


def test_settings_docs_writes_the_file(tmp_path: Path, capsys):
    output = tmp_path / "configuration.md"
    assert main(["settings", "docs", "--output", str(output)]) == 0
    assert output.read_text(encoding="utf-8") == render()
    assert main(["settings", "docs", "--output", "-"]) == 0
    assert capsys.readouterr().out.endswith(render())


def test_secrets_stay_out_of_repr():
    settings = load_settings(
        {
            "INFOCAP_DATABASE_URL": "postgresql://app:hunter2@db/infocap",
            "INFOCAP_MIGRATION_DATABASE_URL": "postgresql://owner:swordfish@db/infocap",
            "INFOCAP_METRICS_TOKEN": "scrape-me-7",
        }
    )
    shown = repr(settings)
    for secret in ("hunter2", "swordfish", "scrape-me-7"):
        assert secret not in shown
    assert settings.metrics_token == "scrape-me-7"


def test_the_new_settings_are_read():
    settings = load_settings(
        {
            "INFOCAP_POLICY_FILE": "/etc/infocap/policy.csv",
            "INFOCAP_POLICY_MODEL": "/etc/infocap/model.conf",
            "INFOCAP_POLICY_POLL_SECONDS": "2.5",
            "INFOCAP_HOST": "192.0.2.10",
            "INFOCAP_PORT": "8080",
            "INFOCAP_WORKERS": "4",
            "INFOCAP_LOG_LEVEL": "warning",
        }
    )
    assert settings.policy_file == Path("/etc/infocap/policy.csv")
    assert settings.policy_model == Path("/etc/infocap/model.conf")
    assert settings.policy_poll_seconds == 2.5
    assert (settings.host, settings.port, settings.workers) == ("192.0.2.10", 8080, 4)
    assert settings.log_level == "warning"


def test_their_defaults():
    settings = load_settings({})
    assert (settings.policy_file, settings.policy_model) == (DEFAULT_POLICY, DEFAULT_MODEL)
    assert settings.policy_poll_seconds == 10
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 8000, 1)
    assert settings.log_level == "info"
    assert settings.metrics_token is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("INFOCAP_PORT", "0"),
        ("INFOCAP_PORT", "70000"),
        ("INFOCAP_PORT", "http"),
        ("INFOCAP_WORKERS", "0"),
        ("INFOCAP_POLICY_POLL_SECONDS", "-1"),
        ("INFOCAP_POLICY_POLL_SECONDS", "soon"),
        ("INFOCAP_POLICY_POLL_SECONDS", "nan"),
        ("INFOCAP_LOG_LEVEL", "verbose"),
        ("INFOCAP_DEMO", "yes"),
    ],
)
def test_a_bad_value_names_its_variable(name, value):
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value})


def test_a_bad_setting_stops_a_command_with_exit_code_2(monkeypatch, capsys):
    monkeypatch.setenv("INFOCAP_PORT", "99999")
    assert main(["policy", "show"]) == 2
    assert "INFOCAP_PORT" in capsys.readouterr().err
