"""Shared fixtures: a fixed clock, settings on a temporary SQLite database, and an app factory."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

import pytest
from starlette.applications import Starlette

from cds_service.app import create_app
from cds_service.config import Settings

FIXED_NOW = datetime(2025, 6, 2, 9, 30, tzinfo=timezone.utc)


@pytest.fixture
def fixed_clock() -> Callable[[], datetime]:
    return lambda: FIXED_NOW


@pytest.fixture
def settings(tmp_path) -> Settings:
    # the in-process test clients call http://testserver: a Host the development profile must be told about
    return Settings(database_url=f"sqlite:///{tmp_path / 'cds.db'}", allowed_hosts=["testserver"])


@pytest.fixture
def app_factory(settings, fixed_clock) -> Callable[..., Starlette]:
    """``app_factory(**setting_overrides, knowledge=..., warm_up=...)`` -> an app (lifespan not run)."""

    def make(*, knowledge=None, warm_up: bool = False, **overrides) -> Starlette:
        return create_app(
            settings.model_copy(update=overrides), clock=fixed_clock, knowledge=knowledge, warm_up=warm_up
        )

    return make
