"""The shortcuts taken for speed keep their behaviour: batched writes, memoised matches, GC tuning.

No timings here (CI machines are noisy): the benchmark (``bench/``) measures, these tests check
that what was made faster still gives the same answers.
"""

from __future__ import annotations

import asyncio
import gc
import threading

import pytest
from sqlalchemy import select

from cds_service.cards.model import prune
from cds_service.facts import match
from cds_service.facts.match import Index
from cds_service.knowledge.model import MEDICATION_SETS
from cds_service.knowledge.loader import load_knowledge
from cds_service.runtime import GEN0_THRESHOLD, tune_gc
from cds_service.storage import writer as writer_module
from cds_service.storage.db import create_db_engine, create_tables, issued_cards
from cds_service.storage.records import save_issued_cards
from cds_service.storage.writer import Writer
from tests.api.test_storage import card


@pytest.fixture
def engine(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'w.db'}")
    create_tables(engine)
    yield engine
    engine.dispose()


def _rows(engine) -> int:
    with engine.connect() as conn:
        return len(conn.execute(select(issued_cards)).all())


def test_fire_and_forget_writes_share_one_transaction(engine, monkeypatch):
    batches: list[int] = []
    original = Writer._write

    def spy(self, jobs):
        batches.append(len(jobs))
        original(self, jobs)

    monkeypatch.setattr(Writer, "_write", spy)
    monkeypatch.setattr(writer_module, "LINGER_SECONDS", 0.5)
    writer = Writer(engine)
    futures = [writer.submit(save_issued_cards([card(n)])) for n in range(20)]
    assert [f.result(timeout=5) for f in futures] == [1] * 20
    writer.close()
    assert _rows(engine) == 20
    assert sum(batches) == 20 and len(batches) < 20  # batched, not one transaction per job


def test_a_failing_job_in_a_batch_fails_alone(engine, monkeypatch):
    monkeypatch.setattr(writer_module, "LINGER_SECONDS", 0.5)
    writer = Writer(engine)
    gate = threading.Event()

    def bad(conn):
        raise ValueError("boom")

    first = writer.submit(lambda conn: gate.wait(5))  # holds the writer while the batch queues
    before = writer.submit(save_issued_cards([card(1)]))
    failing = writer.submit(bad)
    after = writer.submit(save_issued_cards([card(2)]))
    gate.set()
    assert first.result(timeout=5) is True
    assert before.result(timeout=5) == 1 and after.result(timeout=5) == 1
    with pytest.raises(ValueError):
        failing.result(timeout=5)
    writer.close()
    assert _rows(engine) == 2


async def test_an_awaited_write_does_not_wait_for_the_linger(engine, monkeypatch):
    monkeypatch.setattr(writer_module, "LINGER_SECONDS", 30)  # a lingering write would time out
    writer = Writer(engine)
    writer.submit(save_issued_cards([card(1)]))
    assert await asyncio.wait_for(writer.run(save_issued_cards([card(2)])), timeout=5) == 1
    writer.close()
    assert _rows(engine) == 2


def test_close_writes_what_is_queued(engine, monkeypatch):
    monkeypatch.setattr(writer_module, "LINGER_SECONDS", 30)
    writer = Writer(engine)
    futures = [writer.submit(save_issued_cards([card(n)])) for n in range(5)]
    writer.close()
    assert all(f.result(timeout=0) == 1 for f in futures)
    assert _rows(engine) == 5


def test_memoised_matches_are_the_same_answers_and_bounded(monkeypatch):
    knowledge = load_knowledge()
    index = Index(knowledge, MEDICATION_SETS)
    text = "Calci-Chew D3 500 mg/800 IE kauwtablet"
    first = index.text(text)
    assert "calcium" in first and "vitamin-d" in first
    assert index.text(text) == first
    assert index.texts([text, "Omeprazol 20 mg"]) == set(first)
    atc = ("http://www.whocc.no/atc", "A11CC05")
    assert "vitamin-d" in index.coding(*atc) and index.coding(*atc) == index.coding(*atc)
    assert index.coding(None, "A11CC05") == frozenset() and index.text("") == frozenset()
    monkeypatch.setattr(match, "MEMO_SIZE", 3)
    fresh = Index(knowledge, MEDICATION_SETS)
    for n in range(10):
        assert fresh.text(f"Paracetamol {n} mg") == frozenset()
    assert len(fresh._text_memo) <= 3
    assert fresh.text(text) == first


def test_pruning_drops_only_none_and_empty_values():
    value = {"a": "", "b": None, "c": [], "d": {}, "e": 0, "f": False, "g": 0.0, "h": "x",
             "i": [None, "", [], {}, 1, {"j": None}], "k": ({"l": ""},), "m": {"n": [{}]}}
    assert prune(value) == {"e": 0, "f": False, "g": 0.0, "h": "x", "i": [1]}


def test_tune_gc_freezes_start_up_objects_and_raises_the_young_threshold():
    threshold = gc.get_threshold()
    try:
        tune_gc()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (GEN0_THRESHOLD, *threshold[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
