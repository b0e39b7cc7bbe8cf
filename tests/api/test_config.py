"""Settings from CDS_ environment variables, and the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from cds_service import cli
from cds_service.config import LOCAL_ORIGIN_REGEX, SANDBOX_ORIGIN, Settings
from cds_service.knowledge.loader import DEFAULT_DIR


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    import os

    for name in list(os.environ):
        if name.startswith("CDS_"):
            monkeypatch.delenv(name)


def test_defaults():
    settings = Settings()
    assert (settings.env, settings.host, settings.port, settings.workers) == ("development", "127.0.0.1", 8000, 1)
    assert settings.database_url == "sqlite:///./cds-service.db"
    assert settings.max_body_bytes == 5 * 1024 * 1024
    assert settings.fetch_deadline_seconds == 2.0
    assert settings.default_language == "nl"
    assert settings.knowledge_dir == DEFAULT_DIR
    assert settings.jwt_algorithms == ["ES384", "RS384"]
    assert settings.disabled_rules == [] and settings.disabled_triggers == []
    assert settings.cors_policy() == ([SANDBOX_ORIGIN], LOCAL_ORIGIN_REGEX)


def test_environment_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("CDS_ENV", "production")
    monkeypatch.setenv("CDS_PORT", "9000")
    monkeypatch.setenv("CDS_DISABLED_RULES", "safety-ipriflavone, dose-upper-limit")
    monkeypatch.setenv("CDS_DISABLED_TRIGGERS", '["diabetes", "immobility"]')
    monkeypatch.setenv("CDS_CORS_ORIGINS", "https://ehr.example.org")
    monkeypatch.setenv("CDS_JWT_ALGORITHMS", "ES384")
    monkeypatch.setenv("CDS_LOG_JSON", "true")
    monkeypatch.setenv("CDS_LOG_LEVEL", "debug")
    monkeypatch.setenv("CDS_TRUSTED_ISSUERS", str(tmp_path / "issuers.yaml"))
    monkeypatch.setenv("CDS_PUBLIC_BASE_URL", "https://cds.example.org/")
    monkeypatch.setenv("CDS_PSEUDONYM_SECRET", "s3cret")
    settings = Settings()
    assert settings.production and settings.port == 9000
    assert settings.disabled_rules == ["safety-ipriflavone", "dose-upper-limit"]
    assert settings.disabled_triggers == ["diabetes", "immobility"]
    assert settings.cors_policy() == (["https://ehr.example.org"], None)
    assert settings.jwt_algorithms == ["ES384"]
    assert settings.log_json is True and settings.log_level == "DEBUG"
    assert settings.trusted_issuers == tmp_path / "issuers.yaml"
    assert settings.public_base_url == "https://cds.example.org"
    assert "s3cret" not in repr(settings)


def test_production_has_no_default_origins(monkeypatch):
    monkeypatch.setenv("CDS_ENV", "production")
    assert Settings().cors_policy() == ([], None)


@pytest.mark.parametrize(
    "name, value", [("CDS_ENV", "staging"), ("CDS_PORT", "x"), ("CDS_DEFAULT_LANGUAGE", "de"), ("CDS_WORKERS", "0")]
)
def test_invalid_values_are_refused(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()


def test_cli_runs_uvicorn_with_the_app_factory(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(cli.uvicorn, "run", lambda app, **kwargs: calls.append((app, kwargs)))
    monkeypatch.setenv("CDS_PORT", "8123")
    monkeypatch.setenv("CDS_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    cli.main(["--host", "0.0.0.0", "--workers", "2"])
    app, kwargs = calls[0]
    assert app == "cds_service.app:create_app" and kwargs["factory"] is True
    assert (kwargs["host"], kwargs["port"], kwargs["workers"]) == ("0.0.0.0", 8123, 2)
    # our redacting log configuration stays in force; the cds.call event is the access log
    assert kwargs["log_config"] is None and kwargs["access_log"] is False  # CDS_LOG_ACCESS defaults to off


def test_console_script_and_module_entry_points():
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert 'cds-service = "cds_service.cli:main"' in pyproject
    import cds_service.__main__  # noqa: F401  (importable without starting a server)
