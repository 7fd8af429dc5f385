"""projection of dispatch's events (cases, tasks, whistle summons), scorecards, ratings, findings

Revision ID: a13e0c5d2f01
Revises: ff50a192021d
Create Date: 2026-11-29 22:10:00
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a13e0c5d2f01"
down_revision: str | None = "ff50a192021d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "evaluation"


def _at(name: str, nullable: bool = True) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "case_facts",
        sa.Column("case_id", sa.UUID(), primary_key=True),
        sa.Column("street_code", sa.Text()),
        _at("accepted_at"),
        _at("closed_at"),
        sa.Column("closed_on_time", sa.Boolean()),
        sa.Column("outcome", sa.Text()),
        _at("first_verified_at"),
        sa.Column("rework_count", sa.Integer(), nullable=False, server_default="0"),
        _at("rated_at"),
        sa.Column("satisfied", sa.Boolean()),
        sa.Column("trace_id", sa.Text()),
        schema=S,
    )
    op.create_table(
        "task_facts",
        sa.Column("task_id", sa.UUID(), primary_key=True),
        sa.Column("case_id", sa.UUID()),
        sa.Column("assignee_code", sa.Text()),
        sa.Column("role", sa.Text()),
        sa.Column("whistle_id", sa.UUID()),
        _at("assigned_at"),
        _at("due_at"),
        _at("acknowledged_at"),
        sa.Column("acknowledged_late", sa.Boolean()),
        _at("completed_at"),
        sa.Column("completed_on_time", sa.Boolean()),
        _at("returned_at"),
        sa.Column("returns_on_case", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("deferred", sa.Boolean(), nullable=False, server_default=sa.false()),
        _at("overdue_at"),
        sa.Column("trace_id", sa.Text()),
        schema=S,
    )
    op.create_index("ix_task_facts_case_id", "task_facts", ["case_id"], schema=S)
    op.create_table(
        "whistle_summons",
        sa.Column("whistle_id", sa.UUID(), primary_key=True),
        sa.Column("department", sa.Text(), primary_key=True),
        sa.Column("street_code", sa.Text(), nullable=False),
        _at("blown_at", False),
        _at("report_by", False),
        sa.Column("case_id", sa.UUID()),
        schema=S,
    )
    op.create_table(
        "scorecards",
        sa.Column("org_code", sa.Text(), primary_key=True),
        sa.Column("period_start", sa.Date(), primary_key=True),
        sa.Column("period_end", sa.Date(), primary_key=True),
        sa.Column("org_kind", sa.Text(), nullable=False),
        sa.Column("score", sa.Float()),
        sa.Column("body", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        _at("published_at", False),
        schema=S,
    )
    op.create_table(
        "ratings",
        sa.Column("form_id", sa.Text(), primary_key=True),
        sa.Column("period_start", sa.Date(), primary_key=True),
        sa.Column("period_end", sa.Date(), primary_key=True),
        sa.Column("rater_code", sa.Text(), primary_key=True),
        sa.Column("ratee_code", sa.Text(), primary_key=True),
        sa.Column("scores", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("submitted_by", sa.Text(), nullable=False),
        _at("submitted_at", False),
        schema=S,
    )
    op.create_table(
        "findings",
        sa.Column("finding_id", sa.UUID(), primary_key=True),
        sa.Column("org_code", sa.Text(), nullable=False),
        sa.Column("situation", sa.Text(), nullable=False),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("evidence", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        _at("proposed_at", False),
        sa.Column("decided_by", sa.Text()),
        _at("decided_at"),
        sa.Column("reason", sa.Text()),
        _at("respond_by"),
        sa.Column("response", postgresql.JSONB(astext_type=sa.Text())),
        sa.UniqueConstraint("org_code", "situation", "period_start", "period_end", name="uq_findings_org_situation"),
        schema=S,
    )


def downgrade() -> None:
    for table in ("findings", "ratings", "scorecards", "whistle_summons", "task_facts", "case_facts"):
        op.drop_table(table, schema=S)
