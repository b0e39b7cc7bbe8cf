"""Schema migrations (Alembic): ``cds-service db upgrade`` and the start-up check.

* ``upgrade(engine)``: brings any database to the latest revision. An empty database gets the
  tables and the latest revision's stamp; a database made by ``create_all`` before migrations
  existed keeps its tables and rows (the baseline revision creates only what is missing) and is
  stamped; a migrated one runs the revisions it lacks. On PostgreSQL one transaction under an
  advisory lock, so several replicas or a Job racing each other do it once.
* ``require_latest(engine)``: production refuses to start on a database that is not at the latest
  revision (:class:`DatabaseNotCurrent`, one line naming the command to run).
* :func:`prepare_database`: what start-up does (development upgrades, production checks). A
  database already at the latest revision (the usual start) is recognised with one plain query
  and the revision files read as text, so Alembic (and Mako, ~0.3-0.6 s of imports) is only
  imported when there is something to migrate or to report.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, MetaData, inspect, text
from sqlalchemy.exc import OperationalError

from cds_service.auth.replay import metadata as replay_metadata
from cds_service.storage.db import metadata as storage_metadata

if TYPE_CHECKING:  # pragma: no cover
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
TARGET_METADATA: tuple[MetaData, ...] = (storage_metadata, replay_metadata)
UPGRADE_COMMAND = "cds-service db upgrade"


class DatabaseNotCurrent(RuntimeError):
    """The database is not at the latest revision (production does not migrate by itself)."""


def alembic_config(connection: Connection | None = None) -> Config:
    if logging.getLogger("alembic").level == logging.NOTSET:  # before its import: it logs while loading
        logging.getLogger("alembic").setLevel(logging.WARNING)  # its per-step INFO lines say nothing to operators
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    config = alembic_config()
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None, "no migrations"
    return head


_REVISION = re.compile(r"^(down_revision|revision)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|None)\s*$", re.MULTILINE)


def script_head() -> str | None:
    """The latest revision, from the revision files read as text (``revision = "0002"``,
    ``down_revision = "0001"``): the one no other revision follows. None when that is not one
    plain chain (then ask Alembic: :func:`head_revision`). A test compares it with Alembic's."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = {name: (a or b) for name, a, b in _REVISION.findall(path.read_text(encoding="utf-8"))}
        if not found.get("revision"):
            return None
        revisions.add(found["revision"])
        if found.get("down_revision"):
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def current_revision(conn: Connection) -> str | None:
    """The database's revision stamp (Alembic's ``alembic_version`` table), or None."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    stamps = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(stamps) > 1:
        from alembic.runtime.migration import MigrationContext

        return MigrationContext.configure(conn).get_current_revision()  # raises: several heads
    return stamps[0] if stamps else None


def _is_empty(conn: Connection) -> bool:
    names = set(inspect(conn).get_table_names())
    return not names & {t for md in TARGET_METADATA for t in md.tables}


MIGRATION_LOCK = 7_146_211  # pg_advisory_xact_lock key: one migrator at a time


def lock_for_migration(conn: Connection) -> None:
    """Hold the database's migration lock until this transaction ends (PostgreSQL: an advisory
    lock; SQLite: the write lock)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    elif conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


_IN_PROCESS = threading.Lock()  # Alembic's `context` is process-global: one migration per process at a time


def _upgrade_once(engine: Engine) -> str:
    with _IN_PROCESS, engine.begin() as conn:
        config = alembic_config(conn)
        lock_for_migration(conn)  # concurrent starters wait here, then find the database current
        if current_revision(conn) == head_revision():
            return "current"
        from alembic import command

        if _is_empty(conn) and conn.dialect.name == "sqlite":
            # a new file: the latest tables at once, stamped (same schema: tests compare them)
            for md in TARGET_METADATA:
                md.create_all(conn)
            command.stamp(config, "head")
            return "created"
        command.upgrade(config, "head")
        return "upgraded"


def upgrade(engine: Engine, attempts: int = 5) -> str:
    """Bring the database to the latest revision; returns what was done (current/created/upgraded)."""
    for attempt in range(attempts):
        try:
            done = _upgrade_once(engine)
        except OperationalError:  # SQLite: another process holds the write lock for long
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
            continue
        if done != "current":
            log.info("database %s to revision %s", done, head_revision())
        return done
    raise AssertionError("unreachable")


def require_latest(engine: Engine) -> None:
    with engine.connect() as conn:
        revision = current_revision(conn)
    if revision != head_revision():
        found = f"revision {revision}" if revision else "no revision (new, or made before migrations)"
        raise DatabaseNotCurrent(
            f"database error: the database is at {found}, this version needs {head_revision()}: "
            f"run `{UPGRADE_COMMAND}` first"
        )


def prepare_database(engine: Engine, *, production: bool) -> None:
    """Start-up: production requires the latest revision; development upgrades by itself."""
    head = script_head()
    if head is not None:
        with engine.connect() as conn:
            if current_revision(conn) == head:
                return  # current: nothing to do, Alembic not imported
    if production:
        require_latest(engine)
    else:
        upgrade(engine)
