"""The command line: one settings model for options and environment, one-line refusals with exit
status 2 (no traceback), the default `serve` command, `--version`, `check-config`, `db upgrade`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cds_service import __version__, cli

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("CDS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CDS_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))


@pytest.fixture
def served(monkeypatch):
    calls: list[dict] = []
    monkeypatch.setattr(cli.uvicorn, "run", lambda app, **kwargs: calls.append(kwargs))
    return calls


def refused(capsys, argv: list[str], status: int = 2) -> str:
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == status
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err.strip()


@pytest.mark.parametrize(
    "argv, env, names",
    [
        (["--port", "99999"], {}, ("--port", "'99999'", "65535")),
        (["--port", "http"], {}, ("--port", "'http'", "integer")),
        (["--workers", "0"], {}, ("--workers", "'0'", "greater than or equal to 1")),
        ([], {"CDS_PORT": "x"}, ("CDS_PORT", "'x'", "integer")),
        ([], {"CDS_ENV": "staging"}, ("CDS_ENV", "'staging'", "'development' or 'production'")),
        ([], {"CDS_DISABLED_TRIGGERS": "diabtes"}, ("CDS_DISABLED_TRIGGERS", "'diabtes'", "did you mean diabetes", "osteoporosis")),
        ([], {"CDS_DISABLED_RULES": "nonexistent-rule"}, ("CDS_DISABLED_RULES", "'nonexistent-rule'", "vitd-status")),
        ([], {"CDS_DATABASE_URL": "sqlite:///no/such/folder/x.db"}, ("CDS_DATABASE_URL", "folder", "does not exist")),
        ([], {"CDS_DATABASE_URL": "mysql://h/db"}, ("CDS_DATABASE_URL", "unsupported", "postgresql+psycopg")),
        ([], {"CDS_DISABLED_TRIGER": "diabetes"}, ("CDS_DISABLED_TRIGER", "not a setting", "CDS_DISABLED_TRIGGERS")),
        ([], {"CDS_LOG_JSON": "perhaps"}, ("CDS_LOG_JSON", "'perhaps'", "boolean")),
        ([], {"CDS_METRICS_TOKEN": "short"}, ("CDS_METRICS_TOKEN", "'********'", "16")),
        ([], {"CDS_ENV": "production"}, ("production profile", "CDS_PUBLIC_BASE_URL", "CDS_TRUSTED_ISSUERS")),
        ([], {"CDS_KNOWLEDGE_DIR": "/no/such/dir"}, ("CDS_KNOWLEDGE_DIR", "'/no/such/dir'", "not a directory")),
        (["--bogus"], {}, ("unrecognized arguments: --bogus",)),
    ],
)
def test_a_mistake_is_one_line_naming_it_with_status_2(capsys, monkeypatch, served, argv, env, names):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    line = refused(capsys, argv)
    for name in names:
        assert name in line, line
    assert served == []  # nothing started


def test_a_secret_is_never_echoed(capsys, monkeypatch, served):
    monkeypatch.setenv("CDS_METRICS_TOKEN", "abc123")
    assert "abc123" not in refused(capsys, [])


def test_serve_is_the_default_and_options_win_over_the_environment(monkeypatch, served):
    monkeypatch.setenv("CDS_PORT", "9001")
    monkeypatch.setenv("CDS_HOST", "127.0.0.2")
    cli.main(["--port", "9002"])
    cli.main(["serve", "--host", "0.0.0.0"])
    assert [(c["host"], c["port"], c["workers"]) for c in served] == [("127.0.0.2", 9002, 1), ("0.0.0.0", 9001, 1)]


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.strip() == f"cds-service {__version__}"


def test_check_config_prints_the_effective_settings_with_secrets_masked(capsys, monkeypatch):
    monkeypatch.setenv("CDS_PSEUDONYM_SECRET", "pseudonym-secret-value")
    monkeypatch.setenv("CDS_METRICS_TOKEN", "metrics-token-0123456789")
    monkeypatch.setenv("CDS_DATABASE_URL", "postgresql://cds:db-password@db.example.org/cds")
    monkeypatch.setenv("CDS_DISABLED_TRIGGERS", "diabetes,immobility")
    cli.main(["check-config", "--port", "8080"])
    out = capsys.readouterr().out
    for secret in ("pseudonym-secret-value", "metrics-token-0123456789", "db-password"):
        assert secret not in out
    lines = dict(line.split("=", 1) for line in out.splitlines() if line.startswith("CDS_"))
    assert lines["CDS_PORT"] == "8080  # option --port"
    assert lines["CDS_PSEUDONYM_SECRET"] == "********  # environment"
    assert lines["CDS_DATABASE_URL"] == "postgresql://cds:***@db.example.org/cds  # environment"
    assert lines["CDS_DISABLED_TRIGGERS"] == "diabetes,immobility  # environment"
    assert lines["CDS_WORKERS"] == "1  # default"
    assert out.splitlines()[-1].startswith("ok: knowledge ")


def test_production_refuses_a_database_that_is_not_migrated(capsys, monkeypatch, served):
    monkeypatch.setenv("CDS_ENV", "production")
    monkeypatch.setenv("CDS_TRUSTED_ISSUERS", str(ROOT / "docker" / "issuers.example.yaml"))
    monkeypatch.setenv("CDS_PUBLIC_BASE_URL", "https://cds.example.org")
    line = refused(capsys, [], status=1)
    assert line.startswith("database error:") and "run `cds-service db upgrade`" in line
    cli.main(["db", "upgrade"])
    assert "at revision" in capsys.readouterr().out
    cli.main([])
    assert len(served) == 1 and served[0]["proxy_headers"] is True


def test_python_m_and_the_console_script_are_the_same_program():
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDS_")}
    out = subprocess.run([sys.executable, "-m", "cds_service", "--port", "0"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and out.stderr.strip() == (
        "configuration error: --port='0': Input should be greater than or equal to 1"
    )


def test_the_readme_configuration_table_lists_exactly_the_settings():
    from cds_service.config import Settings, env_name

    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("| variable | default | meaning |"):]
    table = table[: table.index("\n\n")]
    documented = set(re.findall(r"^\| `(CDS_[A-Z_]+)`", table, flags=re.M))
    assert documented == {env_name(name) for name in Settings.model_fields}
