"""Shared fixtures: a fixed clock, settings on a temporary SQLite database, an app factory, and
databases for the storage tests: ``database_url`` runs a test on SQLite and on PostgreSQL.

PostgreSQL tests need ``TEST_POSTGRES_URL`` (a server where the user may create databases; each test
gets its own). Without it they skip, saying so; ``REQUIRE_POSTGRES=1`` (set by ``.ci/run``, which
starts a server) turns that skip into a failure.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone
from typing import Callable

import pytest
from starlette.applications import Starlette

from cds_service.app import create_app
from cds_service.config import Settings
from cds_service.storage.db import create_db_engine
from cds_service.storage.migrate import upgrade

FIXED_NOW = datetime(2025, 6, 2, 9, 30, tzinfo=timezone.utc)


@pytest.fixture
def fixed_clock() -> Callable[[], datetime]:
    return lambda: FIXED_NOW


def migrate_database(url: str) -> None:
    engine = create_db_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


@pytest.fixture
def settings(tmp_path) -> Settings:
    # the in-process test clients call http://testserver: a Host the development profile must be told about
    return Settings(database_url=f"sqlite:///{tmp_path / 'cds.db'}", allowed_hosts=["testserver"])


@pytest.fixture
def app_factory(settings, fixed_clock) -> Callable[..., Starlette]:
    """``app_factory(**setting_overrides, knowledge=..., warm_up=...)`` -> an app (lifespan not run)."""

    def make(*, knowledge=None, warm_up: bool = False, **overrides) -> Starlette:
        effective = settings.model_copy(update=overrides)
        if effective.production:  # production needs a migrated database: what `cds-service db upgrade` does
            migrate_database(effective.database_url)
        return create_app(effective, clock=fixed_clock, knowledge=knowledge, warm_up=warm_up)

    return make


POSTGRES_URL_ENV = "TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "REQUIRE_POSTGRES"


@pytest.fixture(scope="session")
def postgres_server() -> str:
    url = os.environ.get(POSTGRES_URL_ENV)
    if not url:
        reason = (
            f"PostgreSQL tests need {POSTGRES_URL_ENV} (a server URL whose user may create databases); "
            "`bash .ci/run` starts one"
        )
        if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
            pytest.fail(f"{REQUIRE_POSTGRES_ENV}=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    return url


@pytest.fixture
def postgres_url(postgres_server: str):
    """A new, empty database on the test server for one test, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from cds_service.storage.db import normalise_url

    admin = create_engine(normalise_url(postgres_server), isolation_level="AUTOCOMMIT")
    name = f"cds_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(normalise_url(postgres_server)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """The test runs once on a SQLite file and once on a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cds.db'}"
    return request.getfixturevalue("postgres_url")
