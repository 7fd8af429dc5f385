"""the whole admission route: proposals, findings, stages, parties, timeline, routes, the basis library

Revision ID: 7c1a2d9e4b10
Revises: 26302d7dd707
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "7c1a2d9e4b10"
down_revision: str | None = "26302d7dd707"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
S = "admission"


def upgrade() -> None:
    op.add_column("known_items", sa.Column("definition", postgresql.JSONB()), schema=S)
    for _name, column in (
        ("proposal", sa.Column("proposal", postgresql.JSONB())),
        ("street_codes", sa.Column("street_codes", postgresql.ARRAY(sa.Text()), nullable=False, server_default="{}")),
        ("resources", sa.Column("resources", postgresql.JSONB(), nullable=False, server_default="{}")),
        ("diff", sa.Column("diff", postgresql.JSONB(), nullable=False, server_default="{}")),
        ("findings", sa.Column("findings", postgresql.JSONB(), nullable=False, server_default="[]")),
        ("route", sa.Column("route", postgresql.JSONB())),
        ("decision", sa.Column("decision", postgresql.JSONB())),
    ):
        op.add_column("applications", column, schema=S)
    # applications kept before this revision were only 'submitted': they wait for the committee as they are
    op.execute("UPDATE admission.applications SET status = 'awaiting_decision' WHERE status = 'submitted'")
    op.create_table(
        "known_clauses",
        sa.Column("law_id", sa.Text(), primary_key=True),
        sa.Column("article", sa.Text(), primary_key=True),
        sa.Column("paragraph", sa.Text(), primary_key=True),
        schema=S,
    )
    op.create_table(
        "repealed_laws",
        sa.Column("law_id", sa.Text(), primary_key=True),
        sa.Column("repealed_on", sa.Date(), nullable=False),
        schema=S,
    )
    op.create_table(
        "stages",
        sa.Column("application_id", sa.UUID(), primary_key=True),
        sa.Column("name", sa.Text(), primary_key=True),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date()),
        schema=S,
    )
    op.create_table(
        "parties",
        sa.Column("application_id", sa.UUID(), primary_key=True),
        sa.Column("stage", sa.Text(), primary_key=True),
        sa.Column("code", sa.Text(), primary_key=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("aspect", sa.Text()),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("verdict", sa.Text()),
        sa.Column("opinion", sa.Text()),
        sa.Column("attachments", postgresql.ARRAY(sa.Text()), nullable=False, server_default="{}"),
        sa.Column("answered_by", sa.Text()),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
        sa.Column("escalated_on", sa.Date()),
        sa.Column("silent", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("reply", sa.Text()),
        schema=S,
    )
    op.create_index(
        "ix_admission_parties_open",
        "parties",
        ["kind", "code"],
        schema=S,
        postgresql_where=sa.text("verdict IS NULL AND NOT silent"),
    )
    op.create_table(
        "timeline",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), primary_key=True),
        sa.Column("application_id", sa.UUID(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("detail", postgresql.JSONB(), nullable=False),
        sa.Column("trace_id", sa.Text()),
        schema=S,
    )
    op.create_index("ix_admission_timeline_application_id", "timeline", ["application_id"], schema=S)
    op.create_table(
        "routes",
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("definition", postgresql.JSONB(), nullable=False),
        sa.Column("set_by", sa.Text(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )


def downgrade() -> None:
    for table in ("routes", "timeline", "parties", "stages", "repealed_laws", "known_clauses"):
        op.drop_table(table, schema=S)
    for column in ("decision", "route", "findings", "diff", "resources", "street_codes", "proposal"):
        op.drop_column("applications", column, schema=S)
    op.drop_column("known_items", "definition", schema=S)
