"""Feedback that acts: pseudonymised patient and user keys and the indicator on issued cards (the
audit trail), suppressions with their own expiry, the development pseudonym secret, and indexes for
the retention prune.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Adds only what is missing (a database that ``create_all`` made is adopted, as in 0001)."""
    inspector = sa.inspect(op.get_bind())
    tables = set(inspector.get_table_names())
    columns = {c["name"] for c in inspector.get_columns("issued_cards")}
    indexes = {(t, i["name"]) for t in ("issued_cards", "feedback") for i in inspector.get_indexes(t)}
    added = [
        sa.Column(name, sa.String(length), nullable=True)
        for name, length in (("patient_key", 64), ("user_key", 64), ("indicator", 16))
        if name not in columns
    ]
    if added:
        with op.batch_alter_table("issued_cards") as batch:
            for column in added:
                batch.add_column(column)
    for table, name, indexed in (
        ("issued_cards", "ix_issued_cards_patient_key", "patient_key"),
        ("issued_cards", "ix_issued_cards_issued_at", "issued_at"),
        ("feedback", "ix_feedback_received_at", "received_at"),
    ):
        if (table, name) not in indexes:
            op.create_index(name, table, [indexed])
    if "suppressions" not in tables:
        op.create_table(
            "suppressions",
            sa.Column("patient_key", sa.String(64), primary_key=True),
            sa.Column("recommendation", sa.String(100), primary_key=True),
            sa.Column("service_id", sa.String(100), nullable=False),
            sa.Column("reason", sa.String(100), nullable=False),
            sa.Column("card_uuid", sa.String(36), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        )
        op.create_index("ix_suppressions_expires_at", "suppressions", ["expires_at"])
    if "service_secrets" not in tables:
        op.create_table(
            "service_secrets",
            sa.Column("name", sa.String(100), primary_key=True),
            sa.Column("value", sa.String(200), nullable=False),
        )


def downgrade() -> None:
    op.drop_table("service_secrets")
    op.drop_table("suppressions")
    op.drop_index("ix_feedback_received_at", "feedback")
    op.drop_index("ix_issued_cards_issued_at", "issued_cards")
    op.drop_index("ix_issued_cards_patient_key", "issued_cards")
    with op.batch_alter_table("issued_cards") as batch:
        batch.drop_column("indicator")
        batch.drop_column("user_key")
        batch.drop_column("patient_key")
