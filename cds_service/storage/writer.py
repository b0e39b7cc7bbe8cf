"""One writer thread per process: database writes run there, in order, off the event loop.

Measured: 50 concurrent SQLite inserts through a connection pool take up to 660 ms, through one
writer connection about 32 ms. Callers wait for a write (:meth:`Writer.run`: feedback and the
issued-card records, which must both be on record before we answer) or fire and forget
(:meth:`Writer.submit`).

Writes are group-committed: the thread wakes on the first queued job, lets fire-and-forget jobs
gather for up to :data:`LINGER_SECONDS` (a job someone awaits ends the wait at once), then runs
everything queued in one transaction; jobs queued while that transaction commits go into the next
one together. Under load that is one commit (and one wake-up of this thread, which competes with
the event loop for the GIL) per batch instead of per hook call, so waiting for the write costs a
call about one commit, not a queue of them (``python -m bench.writer``). If a batch fails,
each of its jobs runs again in its own transaction, so only the failing job reports the error:
jobs must therefore only write to the database (the ones here are idempotent inserts and reads).
Within a batch, neighbouring jobs with the same ``batch_key`` attribute run as one call of their
class's ``run_many(conn, jobs)`` (e.g. the issued-card inserts of many hook calls, one
``executemany``), in queue order.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from concurrent.futures import Future
from typing import Any, Callable, TypeVar

from sqlalchemy import Connection, Engine

log = logging.getLogger(__name__)
T = TypeVar("T")
Job = Callable[[Connection], Any]
_STOP = object()
LINGER_SECONDS = 0.05  # how long fire-and-forget writes may wait to share a transaction


class Writer:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._queue: queue.SimpleQueue[tuple[Job, Future] | object] = queue.SimpleQueue()
        self._queued = threading.Event()  # something is in the queue
        self._urgent = threading.Event()  # someone waits for a queued job (or the writer must stop)
        self._thread = threading.Thread(target=self._loop, name="db-writer", daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[Connection], T], *, urgent: bool = False) -> Future:
        """Queue ``job``; returns a future of its result. ``urgent``: run it without lingering."""
        future: Future = Future()
        if not self._thread.is_alive():
            future.set_exception(RuntimeError("database writer is stopped"))
            return future
        self._queue.put((job, future))
        if urgent:
            self._urgent.set()
        if not self._queued.is_set():
            self._queued.set()
        return future

    async def run(self, job: Callable[[Connection], T], timeout: float | None = None) -> T:
        """Run ``job`` on the writer and wait for it."""
        return await asyncio.wait_for(asyncio.wrap_future(self.submit(job, urgent=True)), timeout)

    def _loop(self) -> None:
        while True:
            self._queued.wait()
            self._urgent.wait(LINGER_SECONDS)
            self._queued.clear()  # before draining: a job queued from now on wakes the next round
            self._urgent.clear()
            jobs: list[tuple[Job, Future]] = []
            stop = False
            while not stop:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                elif item[1].set_running_or_notify_cancel():  # type: ignore[index]
                    jobs.append(item)  # type: ignore[arg-type]
            if jobs:
                self._write(jobs)
            if stop:
                return

    def _write(self, jobs: list[tuple[Job, Future]]) -> None:
        if len(jobs) > 1:
            try:
                with self._engine.begin() as conn:
                    results = _run_batch(conn, [job for job, _ in jobs])
            except Exception:  # rolled back: run each alone, so only the failing one reports it
                pass
            else:
                for (_, future), result in zip(jobs, results):
                    future.set_result(result)
                return
        for job, future in jobs:
            try:
                with self._engine.begin() as conn:
                    result = job(conn)
            except Exception as exc:  # reported to the caller (or logged for fire-and-forget)
                future.set_exception(exc)
            else:
                future.set_result(result)

    def close(self, timeout: float = 10.0) -> None:
        """Finish queued writes, then stop."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._urgent.set()
            self._queued.set()
            self._thread.join(timeout)


def _run_batch(conn: Connection, jobs: list[Job]) -> list[Any]:
    """Run ``jobs`` in order; neighbours with the same ``batch_key`` run as one ``run_many`` call."""
    results: list[Any] = []
    i = 0
    while i < len(jobs):
        key = getattr(jobs[i], "batch_key", None)
        j = i + 1
        if key is not None:
            while j < len(jobs) and getattr(jobs[j], "batch_key", None) == key and type(jobs[j]) is type(jobs[i]):
                j += 1
        if j - i > 1:
            run_many = getattr(type(jobs[i]), "run_many")  # the batch jobs' class (see records.InsertRows)
            results.extend(run_many(conn, jobs[i:j]))
        else:
            results.append(jobs[i](conn))
        i = j
    return results
