"""Enforcement's tables, schema ``enforcement``: the power-list projection, the registers, draws with their
re-draws, results and joint-visit plans."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from services.runtime.db import plumbing_tables

metadata = sa.MetaData(schema="enforcement")
plumbing = plumbing_tables(metadata)

power_list = sa.Table(
    "power_list",
    metadata,
    sa.Column("item_code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("listed", sa.Boolean, nullable=False),
)
matters = sa.Table(
    "matters",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("item_code", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("department_code", sa.Text, nullable=False, index=True),
    sa.Column("registered_by", sa.Text, nullable=False),
    sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("domain", sa.Text, nullable=False, server_default=""),
    sa.Column("legal_basis", sa.Text, nullable=False, server_default=""),
    sa.Column("frequency", sa.Integer, nullable=False, server_default="1"),
    sa.Column("ratios", JSONB, nullable=False, server_default="{}"),
    sa.UniqueConstraint("item_code", "department_code", name="matters_item_department_key"),
)


officers = sa.Table(
    "officers",
    metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("organisation_code", sa.Text, nullable=False),
    sa.Column("street_code", sa.Text),
    sa.Column("certifications", JSONB, nullable=False),
    sa.Column("conflicts", ARRAY(sa.Text), nullable=False),
    sa.Column("leave", JSONB, nullable=False),
)
targets = sa.Table(
    "targets",
    metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("street_code", sa.Text, nullable=False),
    sa.Column("risk_tier", sa.Text, nullable=False),
    sa.Column("domains", ARRAY(sa.Text), nullable=False),
    sa.Column("history", JSONB, nullable=False),
)
draws = sa.Table(
    "draws",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("committed", JSONB, nullable=False),
    sa.Column("commitment", sa.Text, nullable=False),
    sa.Column("committed_by", sa.Text, nullable=False),
    sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("seed", sa.Text),
    sa.Column("revealed_at", sa.DateTime(timezone=True)),
    sa.Column("result", JSONB),
)
redraws = sa.Table(
    "redraws",
    metadata,
    sa.Column("draw_id", UUID(as_uuid=True), sa.ForeignKey("draws.id"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("barred", ARRAY(sa.Text), nullable=False),
    sa.Column("result", JSONB, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)
results = sa.Table(
    "results",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("draw_id", UUID(as_uuid=True), sa.ForeignKey("draws.id"), nullable=False),
    sa.Column("matter", sa.Text, nullable=False),
    sa.Column("target", sa.Text, nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("findings", sa.Text, nullable=False),
    sa.Column("evidence", JSONB, nullable=False),
    sa.Column("inspected_on", sa.Date, nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("draw_id", "matter", "target", name="results_inspection_key"),
)
visit_plans = sa.Table(
    "visit_plans",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("draw_ids", ARRAY(UUID(as_uuid=True)), nullable=False),
    sa.Column("visits", JSONB, nullable=False),
    sa.Column("inspections", sa.Integer, nullable=False),
    sa.Column("saved", sa.Integer, nullable=False),
    sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
)
