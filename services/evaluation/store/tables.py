"""Evaluation's tables, in its own Postgres schema ``evaluation``."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

from services.runtime.db import plumbing_tables

metadata = sa.MetaData(schema="evaluation")
plumbing = plumbing_tables(metadata)


def _at(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


case_facts = sa.Table(
    "case_facts",
    metadata,
    sa.Column("case_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("street_code", sa.Text),
    _at("accepted_at"),
    _at("closed_at"),
    sa.Column("closed_on_time", sa.Boolean),
    sa.Column("outcome", sa.Text),
    _at("first_verified_at"),
    sa.Column("rework_count", sa.Integer, nullable=False, server_default="0"),
    _at("rated_at"),
    sa.Column("satisfied", sa.Boolean),
    sa.Column("trace_id", sa.Text),
)

task_facts = sa.Table(
    "task_facts",
    metadata,
    sa.Column("task_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("case_id", UUID(as_uuid=True)),
    sa.Column("assignee_code", sa.Text),
    sa.Column("role", sa.Text),
    sa.Column("whistle_id", UUID(as_uuid=True)),
    _at("assigned_at"),
    _at("due_at"),
    _at("acknowledged_at"),
    sa.Column("acknowledged_late", sa.Boolean),
    _at("completed_at"),
    sa.Column("completed_on_time", sa.Boolean),
    _at("returned_at"),
    sa.Column("returns_on_case", sa.Integer, nullable=False, server_default="0"),
    sa.Column("deferred", sa.Boolean, nullable=False, server_default=sa.false()),
    _at("overdue_at"),
    sa.Column("trace_id", sa.Text),
    sa.Index("ix_task_facts_case_id", "case_id"),
)

whistle_summons = sa.Table(
    "whistle_summons",
    metadata,
    sa.Column("whistle_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("department", sa.Text, primary_key=True),
    sa.Column("street_code", sa.Text, nullable=False),
    _at("blown_at", nullable=False),
    _at("report_by", nullable=False),
    sa.Column("case_id", UUID(as_uuid=True)),
)

scorecards = sa.Table(
    "scorecards",
    metadata,
    sa.Column("org_code", sa.Text, primary_key=True),
    sa.Column("period_start", sa.Date, primary_key=True),
    sa.Column("period_end", sa.Date, primary_key=True),
    sa.Column("org_kind", sa.Text, nullable=False),
    sa.Column("score", sa.Float),
    sa.Column("body", JSONB, nullable=False),
    _at("published_at", nullable=False),
)

ratings = sa.Table(
    "ratings",
    metadata,
    sa.Column("form_id", sa.Text, primary_key=True),
    sa.Column("period_start", sa.Date, primary_key=True),
    sa.Column("period_end", sa.Date, primary_key=True),
    sa.Column("rater_code", sa.Text, primary_key=True),
    sa.Column("ratee_code", sa.Text, primary_key=True),
    sa.Column("scores", JSONB, nullable=False),
    sa.Column("total", sa.Float, nullable=False),
    sa.Column("submitted_by", sa.Text, nullable=False),
    _at("submitted_at", nullable=False),
)

findings = sa.Table(
    "findings",
    metadata,
    sa.Column("finding_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("org_code", sa.Text, nullable=False),
    sa.Column("situation", sa.Text, nullable=False),
    sa.Column("method", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("evidence", JSONB, nullable=False),
    _at("proposed_at", nullable=False),
    sa.Column("decided_by", sa.Text),
    _at("decided_at"),
    sa.Column("reason", sa.Text),
    _at("respond_by"),
    sa.Column("response", JSONB),
    sa.Column("source", sa.Text, nullable=False, server_default="detector"),
    sa.Column("summary", sa.Text),
    sa.UniqueConstraint("org_code", "situation", "period_start", "period_end", name="uq_findings_org_situation"),
)
