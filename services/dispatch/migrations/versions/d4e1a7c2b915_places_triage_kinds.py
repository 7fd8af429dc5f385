"""grids with outlines, cases placed by location, triage (人工派遣), reopening, case kinds, street tasks

Revision ID: d4e1a7c2b915
Revises: c62a5a00f081
Create Date: 2026-11-30 22:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision: str = "d4e1a7c2b915"
down_revision: str | None = "c62a5a00f081"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("grids", sa.Column("geometry", JSONB, comment="GeoJSON Polygon, WGS84"), schema="dispatch")
    op.alter_column("cases", "grid_code", nullable=True, schema="dispatch")
    op.add_column("cases", sa.Column("triage_reason", sa.Text), schema="dispatch")
    op.add_column("cases", sa.Column("placement", sa.Text), schema="dispatch")
    op.add_column("cases", sa.Column("reopen_count", sa.Integer, nullable=False, server_default="0"), schema="dispatch")
    op.add_column("cases", sa.Column("kind", sa.Text, nullable=False, server_default="report"), schema="dispatch")
    op.add_column("cases", sa.Column("recorded_by", sa.Text), schema="dispatch")
    op.add_column(
        "item_versions",
        sa.Column("street_tasks", ARRAY(sa.Text), nullable=False, server_default="{}"),
        schema="dispatch",
    )


def downgrade() -> None:
    op.drop_column("item_versions", "street_tasks", schema="dispatch")
    for name in ("recorded_by", "kind", "reopen_count", "placement", "triage_reason"):
        op.drop_column("cases", name, schema="dispatch")
    op.execute("UPDATE dispatch.cases SET grid_code = '' WHERE grid_code IS NULL")
    op.alter_column("cases", "grid_code", nullable=False, schema="dispatch")
    op.drop_column("grids", "geometry", schema="dispatch")
