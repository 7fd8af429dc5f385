"""findings say who raised them (the detectors or the office by hand) and, when raised by hand, the office's summary

Every finding made so far came from the detectors, so existing rows take ``source = 'detector'``.

Revision ID: c5a9e2d71b40
Revises: b7d41f0e9c22
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c5a9e2d71b40"
down_revision: str | None = "b7d41f0e9c22"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "evaluation"


def upgrade() -> None:
    op.add_column("findings", sa.Column("source", sa.Text(), nullable=False, server_default="detector"), schema=S)
    op.add_column("findings", sa.Column("summary", sa.Text(), nullable=True), schema=S)


def downgrade() -> None:
    op.drop_column("findings", "summary", schema=S)
    op.drop_column("findings", "source", schema=S)
