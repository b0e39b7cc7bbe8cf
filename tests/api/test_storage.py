"""The single writer: ordered writes off the event loop, failures reported, queue drained at close."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from cds_service.storage.db import create_db_engine, issued_cards
from cds_service.storage.migrate import upgrade
from cds_service.storage.records import IssuedCard, count_feedback, save_issued_cards
from cds_service.storage.writer import Writer

NOW = datetime(2025, 6, 2, 9, 30, tzinfo=timezone.utc)


def card(n: int) -> IssuedCard:
    return IssuedCard(f"00000000-0000-4000-8000-{n:012d}", "svc", "vitd-status", "hook-1", "v1", NOW)


@pytest.fixture
def engine(database_url):
    engine = create_db_engine(database_url)  # SQLite and PostgreSQL
    upgrade(engine)
    yield engine
    engine.dispose()


async def test_concurrent_writes_all_land(engine):
    writer = Writer(engine)
    await asyncio.gather(*(writer.run(save_issued_cards([card(n)])) for n in range(50)))
    writer.submit(save_issued_cards([card(1)]))  # a duplicate is ignored
    writer.close()
    with engine.connect() as conn:
        assert len(conn.execute(select(issued_cards)).all()) == 50
        assert count_feedback(conn) == 0


async def test_a_failing_job_is_reported_and_the_writer_goes_on(engine):
    writer = Writer(engine)

    def bad(conn):
        raise ValueError("boom")

    with pytest.raises(ValueError):
        await writer.run(bad)
    assert await writer.run(save_issued_cards([card(7)])) == 1
    writer.close()
    with pytest.raises(RuntimeError):
        await writer.run(save_issued_cards([card(8)]))
