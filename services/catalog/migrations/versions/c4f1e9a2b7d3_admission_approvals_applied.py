"""admission approvals the catalogue applied (唯一入口: what a widening of street duties may cite)

Revision ID: c4f1e9a2b7d3
Revises: 2ba1ce0ace73
Create Date: 2026-11-30 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c4f1e9a2b7d3"
down_revision: str | None = "2ba1ce0ace73"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
S = "catalog"


def upgrade() -> None:
    op.create_table(
        "approvals",
        sa.Column("application_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("item_code", sa.Text(), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column(
            "item",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=True,
            comment="The item as approved; null for a removal",
        ),
        sa.PrimaryKeyConstraint("application_id"),
        schema=S,
    )
    op.create_index(op.f("ix_catalog_approvals_item_code"), "approvals", ["item_code"], unique=False, schema=S)


def downgrade() -> None:
    op.drop_index(op.f("ix_catalog_approvals_item_code"), table_name="approvals", schema=S)
    op.drop_table("approvals", schema=S)
