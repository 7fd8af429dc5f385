"""grid workers (网格员) per grid, and the balancing rule (派单规则) as data

Revision ID: e7b2c9d4a016
Revises: d4e1a7c2b915
Create Date: 2026-11-30 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e7b2c9d4a016"
down_revision: str | None = "d4e1a7c2b915"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "grid_workers",
        sa.Column("worker_code", sa.Text, primary_key=True),
        sa.Column("grid_code", sa.Text, nullable=False, index=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("registered_by", sa.Text, nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="dispatch",
    )
    op.create_table(
        "balancing",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("cap", sa.Integer, nullable=False),
        sa.Column("set_by", sa.Text, nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("id = 1", name="balancing_one_row"),
        schema="dispatch",
    )


def downgrade() -> None:
    op.drop_table("balancing", schema="dispatch")
    op.drop_table("grid_workers", schema="dispatch")
