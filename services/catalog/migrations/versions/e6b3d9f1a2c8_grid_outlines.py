"""grid outlines (网格轮廓): each grid keeps the GeoJSON Polygon its latest version stated

Revision ID: e6b3d9f1a2c8
Revises: c4f1e9a2b7d3
Create Date: 2026-11-29 23:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "e6b3d9f1a2c8"
down_revision: str | None = "c4f1e9a2b7d3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
S = "catalog"


def upgrade() -> None:
    op.add_column(
        "grids",
        sa.Column("geometry", postgresql.JSONB(astext_type=sa.Text()), nullable=True, comment="GeoJSON Polygon, WGS84"),
        schema=S,
    )


def downgrade() -> None:
    op.drop_column("grids", "geometry", schema=S)
