"""Database engine and tables (SQLAlchemy 2 Core). SQLite by default; PostgreSQL with the
``postgres`` extra (psycopg 3). The schema is owned by the Alembic migrations in
``cds_service/storage/migrations`` (:mod:`cds_service.storage.migrate`); these tables are what the
latest revision makes.

No patient data is stored: issued cards are recorded by card uuid, service, recommendation code
and hookInstance; feedback by card uuid, outcome and the override reason the clinician chose.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

metadata = MetaData()

issued_cards = Table(
    "issued_cards",
    metadata,
    Column("card_uuid", String(36), primary_key=True),
    Column("service_id", String(100), nullable=False, index=True),
    Column("recommendation", String(100), nullable=True, index=True),  # card.source.topic code
    Column("hook_instance", String(200), nullable=False),
    Column("knowledge_version", String(50), nullable=True),
    Column("issued_at", DateTime(timezone=True), nullable=False),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("service_id", String(100), nullable=False, index=True),
    Column("card_uuid", String(36), nullable=False, index=True),
    Column("outcome", String(16), nullable=False),
    Column("outcome_timestamp", String(40), nullable=False),  # RFC 3339, normalised to UTC
    Column("accepted_suggestions", JSON, nullable=True),  # list of suggestion uuids
    Column("override_system", String(500), nullable=True),
    Column("override_code", String(200), nullable=True),
    Column("override_display", String(500), nullable=True),
    Column("user_comment", Text, nullable=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("card_uuid", "outcome", "outcome_timestamp", name="uq_feedback_event"),
)


SUPPORTED = "sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/DB"


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here, our only PostgreSQL driver (SQLAlchemy's default is psycopg2)."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def check_database_url(url: str) -> None:
    """A ``ValueError`` naming what is wrong with ``url`` (no engine is created, nothing connects)."""
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError:
        raise ValueError(f"not a database URL; use {SUPPORTED}") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ValueError(f"unsupported database {backend!r}; use {SUPPORTED}")
    try:
        parsed.get_dialect()
    except NoSuchModuleError:
        raise ValueError(f"unknown driver {parsed.drivername!r}; use {SUPPORTED}") from None
    if backend == "postgresql":
        try:
            parsed.get_dialect().import_dbapi()
        except ImportError:
            raise ValueError("the PostgreSQL driver is not installed: pip install -e '.[postgres]'") from None
        return
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        folder = Path(database).expanduser().absolute().parent
        if not folder.is_dir():
            raise ValueError(f"the folder {folder} does not exist; create it or choose another path")


def masked_url(url: str) -> str:
    """``url`` with its password hidden, for logs and ``check-config``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a URL)"


def create_db_engine(url: str) -> Engine:
    """An engine; for SQLite with WAL, a busy timeout and connections usable from any thread."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

        return engine
    return create_engine(normalise_url(url), pool_pre_ping=True)


def create_tables(engine: Engine) -> None:
    """Create missing tables. Several workers may start at once: a lost race is retried once."""
    try:
        metadata.create_all(engine)
    except OperationalError:
        metadata.create_all(engine)
