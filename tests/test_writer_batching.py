"""Neighbouring inserts into one table run as one statement per batch, with each job's own result."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from cds_service.storage import records
from cds_service.storage import writer as writer_module
from cds_service.storage.db import create_db_engine, issued_cards
from cds_service.storage.migrate import upgrade
from cds_service.storage.records import save_issued_cards
from cds_service.storage.writer import Writer
from tests.api.test_storage import card


@pytest.fixture
def engine(database_url):
    engine = create_db_engine(database_url)  # SQLite and PostgreSQL
    upgrade(engine)
    yield engine
    engine.dispose()


def _uuids(conn) -> list[str]:
    return sorted(r.card_uuid for r in conn.execute(select(issued_cards)).all())


def test_queued_inserts_become_one_statement_in_order(engine, monkeypatch):
    monkeypatch.setattr(writer_module, "LINGER_SECONDS", 0.5)
    statements: list[int] = []
    original = records._insert_ignoring_duplicates

    def spy(conn, table, rows):
        statements.append(len(rows))
        original(conn, table, rows)

    monkeypatch.setattr(records, "_insert_ignoring_duplicates", spy)
    writer = Writer(engine)
    gate = threading.Event()
    first = writer.submit(lambda conn: gate.wait(5))  # holds the writer while the batch queues
    jobs = [save_issued_cards([card(1), card(2)]), save_issued_cards([card(3)]), save_issued_cards([card(1)])]
    futures = [writer.submit(job) for job in jobs[:2]]
    seen = writer.submit(_uuids)  # a read between inserts sees exactly the inserts queued before it
    futures += [writer.submit(save_issued_cards([card(n)])) for n in range(4, 9)] + [writer.submit(jobs[2])]
    gate.set()
    assert first.result(timeout=5) is True
    assert [f.result(timeout=5) for f in futures] == [2, 1, 1, 1, 1, 1, 1, 1]  # a duplicate counts as before
    assert seen.result(timeout=5) == sorted(card(n).card_uuid for n in (1, 2, 3))
    writer.close()
    assert statements == [3, 6]  # two statements for eight jobs (split by the read)
    with engine.connect() as conn:
        assert _uuids(conn) == sorted(card(n).card_uuid for n in range(1, 9))


def test_a_job_run_alone_inserts_its_rows(engine):
    with engine.begin() as conn:
        assert save_issued_cards([card(1), card(1)])(conn) == 2
        assert _uuids(conn) == [card(1).card_uuid]
