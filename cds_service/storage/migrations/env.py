"""Alembic environment: always run with a connection from cds_service.storage.migrate."""

from alembic import context

from cds_service.storage.migrate import MIGRATION_LOCK, TARGET_METADATA
from sqlalchemy import text

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=list(TARGET_METADATA),
    render_as_batch=connection.dialect.name == "sqlite",  # ALTER TABLE by copy on SQLite
)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    context.run_migrations()
