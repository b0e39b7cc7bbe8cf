"""The replay store tries again when the database is briefly locked by another process, and fails
closed when it stays locked or breaks otherwise."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError, ProgrammingError

from cds_service.auth import replay
from cds_service.auth.replay import ReplayStoreError, SqlReplayStore
from cds_service.storage.db import create_db_engine


def _locked() -> OperationalError:
    return OperationalError("INSERT ...", {}, Exception("database is locked"))


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setattr(replay, "BUSY_RETRIES", (0.0, 0.0))
    return SqlReplayStore(create_db_engine(f"sqlite:///{tmp_path / 'replay.db'}"), clock=lambda: 1000)


def _failing(store: SqlReplayStore, errors: list[Exception]):
    real = store._run

    async def run(step, *args):
        if step is replay._insert and errors:
            raise errors.pop(0)
        return await real(step, *args)

    return run


async def test_a_briefly_locked_database_is_tried_again(store, monkeypatch):
    monkeypatch.setattr(store, "_run", _failing(store, [_locked(), _locked()]))
    assert await store.claim("iss", "jti-1", 2000) is True
    assert await store.claim("iss", "jti-1", 2000) is False  # the retried insert was recorded once


async def test_a_database_that_stays_locked_fails_closed(store, monkeypatch):
    monkeypatch.setattr(store, "_run", _failing(store, [_locked(), _locked(), _locked()]))
    with pytest.raises(ReplayStoreError):
        await store.claim("iss", "jti-2", 2000)


async def test_other_database_errors_are_not_retried(store, monkeypatch):
    errors: list[Exception] = [ProgrammingError("INSERT ...", {}, Exception("no such table"))]
    monkeypatch.setattr(store, "_run", _failing(store, errors))
    with pytest.raises(ReplayStoreError):
        await store.claim("iss", "jti-3", 2000)
    assert not errors
