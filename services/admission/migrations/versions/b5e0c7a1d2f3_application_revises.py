"""a revised application names the returned one it revises (退回修改后重新申请)

Revision ID: b5e0c7a1d2f3
Revises: 7c1a2d9e4b10
Create Date: 2026-11-29 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "b5e0c7a1d2f3"
down_revision: str | None = "7c1a2d9e4b10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
S = "admission"


def upgrade() -> None:
    op.add_column("applications", sa.Column("revises", postgresql.UUID(as_uuid=True)), schema=S)


def downgrade() -> None:
    op.drop_column("applications", "revises", schema=S)
