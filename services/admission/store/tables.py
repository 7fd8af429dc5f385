"""Admission's tables, schema ``admission``: applications, the parties asked, the timeline, the route, and
the catalogue facts projected from catalog's events."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from services.runtime.db import plumbing_tables

metadata = sa.MetaData(schema="admission")
plumbing = plumbing_tables(metadata)

known_items = sa.Table(
    "known_items",
    metadata,
    sa.Column("item_code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("retired", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("definition", JSONB),
)
known_clauses = sa.Table(
    "known_clauses",
    metadata,
    sa.Column("law_id", sa.Text, primary_key=True),
    sa.Column("article", sa.Text, primary_key=True),
    sa.Column("paragraph", sa.Text, primary_key=True),  # '' for a whole article
)
repealed_laws = sa.Table(
    "repealed_laws",
    metadata,
    sa.Column("law_id", sa.Text, primary_key=True),
    sa.Column("repealed_on", sa.Date, nullable=False),
)
applications = sa.Table(
    "applications",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("department_code", sa.Text, nullable=False, index=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("item_code", sa.Text, nullable=False, index=True),
    sa.Column("item_name", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("flags", ARRAY(sa.Text), nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("submitted_by", sa.Text, nullable=False),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("proposal", JSONB),
    sa.Column("street_codes", ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("resources", JSONB, nullable=False, server_default="{}"),
    sa.Column("diff", JSONB, nullable=False, server_default="{}"),
    sa.Column("findings", JSONB, nullable=False, server_default="[]"),
    sa.Column("route", JSONB),
    sa.Column("decision", JSONB),
    sa.Column("revises", UUID(as_uuid=True)),  # the returned application this one revises
)
stages = sa.Table(
    "stages",
    metadata,
    sa.Column("application_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("opened_on", sa.Date, nullable=False),
    sa.Column("closed_on", sa.Date),
)
parties = sa.Table(
    "parties",
    metadata,
    sa.Column("application_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("stage", sa.Text, primary_key=True),
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("aspect", sa.Text),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("verdict", sa.Text),
    sa.Column("opinion", sa.Text),
    sa.Column("attachments", ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("answered_by", sa.Text),
    sa.Column("answered_at", sa.DateTime(timezone=True)),
    sa.Column("escalated_on", sa.Date),
    sa.Column("silent", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("reply", sa.Text),
    sa.Index("ix_admission_parties_open", "kind", "code", postgresql_where=sa.text("verdict IS NULL AND NOT silent")),
)
timeline = sa.Table(
    "timeline",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("application_id", UUID(as_uuid=True), nullable=False, index=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("detail", JSONB, nullable=False),
    sa.Column("trace_id", sa.Text),
)
routes = sa.Table(
    "routes",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("definition", JSONB, nullable=False),
    sa.Column("set_by", sa.Text, nullable=False),
    sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
)
