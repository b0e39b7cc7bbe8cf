"""Baseline: issued cards, feedback and the JWT replay store, as create_all made them before migrations.

Each table is created only when missing, so a database made by ``create_all`` keeps its rows and is
stamped at this revision.

Revision ID: 0001
Revises:
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "issued_cards" not in existing:
        op.create_table(
            "issued_cards",
            sa.Column("card_uuid", sa.String(36), primary_key=True),
            sa.Column("service_id", sa.String(100), nullable=False),
            sa.Column("recommendation", sa.String(100), nullable=True),
            sa.Column("hook_instance", sa.String(200), nullable=False),
            sa.Column("knowledge_version", sa.String(50), nullable=True),
            sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        )
        op.create_index("ix_issued_cards_service_id", "issued_cards", ["service_id"])
        op.create_index("ix_issued_cards_recommendation", "issued_cards", ["recommendation"])
    if "feedback" not in existing:
        op.create_table(
            "feedback",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("service_id", sa.String(100), nullable=False),
            sa.Column("card_uuid", sa.String(36), nullable=False),
            sa.Column("outcome", sa.String(16), nullable=False),
            sa.Column("outcome_timestamp", sa.String(40), nullable=False),
            sa.Column("accepted_suggestions", sa.JSON, nullable=True),
            sa.Column("override_system", sa.String(500), nullable=True),
            sa.Column("override_code", sa.String(200), nullable=True),
            sa.Column("override_display", sa.String(500), nullable=True),
            sa.Column("user_comment", sa.Text, nullable=True),
            sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
            sa.UniqueConstraint("card_uuid", "outcome", "outcome_timestamp", name="uq_feedback_event"),
        )
        op.create_index("ix_feedback_service_id", "feedback", ["service_id"])
        op.create_index("ix_feedback_card_uuid", "feedback", ["card_uuid"])
    if "jwt_replay" not in existing:
        op.create_table(
            "jwt_replay",
            sa.Column("iss", sa.String(512), primary_key=True),
            sa.Column("jti", sa.String(256), primary_key=True),
            sa.Column("expires_at", sa.Integer, nullable=False),
        )
        op.create_index("ix_jwt_replay_expires_at", "jwt_replay", ["expires_at"])


def downgrade() -> None:
    op.drop_table("jwt_replay")
    op.drop_table("feedback")
    op.drop_table("issued_cards")
