"""Dispatch's tables, in schema ``dispatch``."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from services.runtime.db import plumbing_tables

metadata = sa.MetaData(schema="dispatch")
plumbing = plumbing_tables(metadata)


def _at(name: str, **kwargs: object) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), **kwargs)  # type: ignore[arg-type]


item_versions = sa.Table(
    "item_versions",
    metadata,
    sa.Column("item_code", sa.Text, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("responsible_body", sa.Text, nullable=False),
    sa.Column("co_operating_units", ARRAY(sa.Text), nullable=False),
    sa.Column("street_codes", ARRAY(sa.Text), nullable=False),
    sa.Column("basis", sa.Text, nullable=False),
    sa.Column("retired", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("domain", sa.Text, nullable=False, server_default=""),
    sa.Column("list_kind", sa.Text, nullable=False, server_default=""),
    sa.Column("time_limit", JSONB, comment="办理时限 of this version: {value, unit}"),
    sa.Column("effective_from", sa.Date, comment="施行日期; null: in force at once (a retirement)"),
    sa.Column("street_tasks", ARRAY(sa.Text), nullable=False, server_default="{}", comment="街道职责任务 texts"),
    comment="Every catalogue version of every item dispatch has heard of; routing uses the one in force",
)
street_lists = sa.Table(
    "street_lists",
    metadata,
    sa.Column("street_code", sa.Text, primary_key=True),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("item_codes", ARRAY(sa.Text), nullable=False),
    sa.Column("filing_no", sa.Text, nullable=False, comment="备案号"),
    sa.Column("catalogue_version", sa.Integer, nullable=False),
    comment="一街一单: the newest published revision of each street's list",
)
admissions = sa.Table(
    "admissions",
    metadata,
    sa.Column("application_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("item_code", sa.Text, nullable=False, index=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("street_codes", ARRAY(sa.Text), nullable=False, comment="empty: a district-wide duty"),
    sa.Column("reason", sa.Text, nullable=False),
    comment="准入: approved applications that add or change an item for streets",
)
grids = sa.Table(
    "grids",
    metadata,
    sa.Column("grid_code", sa.Text, primary_key=True),
    sa.Column("street_code", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("geometry", JSONB, comment="GeoJSON Polygon, WGS84"),
)
cases = sa.Table(
    "cases",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("source_system", sa.Text, nullable=False),
    sa.Column("source_id", sa.Text, nullable=False),
    sa.Column("item_code", sa.Text, nullable=False),
    sa.Column("grid_code", sa.Text, comment="null: the report named no grid and its point lies in none"),
    sa.Column("street_code", sa.Text),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False, index=True),
    sa.Column("refusal", sa.Text),
    _at("reported_at", nullable=False),
    _at("received_at", nullable=False, server_default=sa.func.now()),
    sa.Column("address", sa.Text),
    sa.Column("lat", sa.Float),
    sa.Column("long", sa.Float),
    _at("updated_at", nullable=False, server_default=sa.func.now()),
    sa.Column("outcome", sa.Text),
    sa.Column("outcome_body", sa.Text),
    sa.Column("closing_note", sa.Text),
    _at("closed_at"),
    sa.Column("satisfied", sa.Boolean),
    sa.Column("score", sa.Integer),
    sa.Column("rework_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("return_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("triage_reason", sa.Text, comment="人工派遣: why routing could not place the case"),
    sa.Column("placement", sa.Text, comment="how the grid was found: named, or the point placed in it"),
    sa.Column("reopen_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column(
        "kind", sa.Text, nullable=False, server_default="report", comment="report, assisted (帮办代办), elderly (适老)"
    ),
    sa.Column("recorded_by", sa.Text, comment="the helper who recorded the request for a resident"),
    sa.UniqueConstraint("source_system", "source_id", name="cases_source_key"),
)
tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("case_id", UUID(as_uuid=True), sa.ForeignKey("dispatch.cases.id"), nullable=False, index=True),
    sa.Column("assignee_code", sa.Text, nullable=False, index=True),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("catalogue_version", sa.Integer, nullable=False),
    sa.Column("routing_reason", sa.Text, nullable=False),
    _at("assigned_at", nullable=False),
    sa.Column("time_limit", JSONB, comment="the limit of the item version in force at dispatch"),
    _at("due_at", index=True),
    sa.Column("calendar_warning", sa.Text),
    _at("paused_at", comment="缓办: the clock stopped here; due_at is shifted on resume"),
    _at("acknowledged_at"),
    _at("completed_at"),
    sa.Column("result", sa.Text),
    _at("overdue_at"),
    sa.Column("whistle_id", UUID(as_uuid=True)),
    _at("report_by", comment="吹哨: the summoned department must acknowledge (报到) by then"),
    _at("report_late_at"),
    _at("ack_by", comment="签收时限: a dispatched task must be acknowledged by then"),
    _at("ack_late_at"),
    sa.Column("returned_to", sa.Text),
    sa.Column("return_note", sa.Text),
)
timeline = sa.Table(
    "timeline",
    metadata,
    sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("case_id", UUID(as_uuid=True), sa.ForeignKey("dispatch.cases.id"), nullable=False, index=True),
    _at("at", nullable=False, server_default=sa.func.now()),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("trace_id", sa.Text),
)
whistles = sa.Table(
    "whistles",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("case_id", UUID(as_uuid=True), sa.ForeignKey("dispatch.cases.id"), nullable=False, index=True),
    sa.Column("street_code", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("departments", ARRAY(sa.Text), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    _at("report_by", nullable=False),
    _at("blown_at", nullable=False, server_default=sa.func.now()),
)
calendar_years = sa.Table(
    "calendar_years",
    metadata,
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("holidays", ARRAY(sa.Date), nullable=False),
    sa.Column("workdays", ARRAY(sa.Date), nullable=False),
    sa.Column("notice", sa.Text, nullable=False, comment="the State Council notice the dates come from"),
    sa.Column("loaded_by", sa.Text, nullable=False),
    _at("loaded_at", nullable=False, server_default=sa.func.now()),
)
deferrals = sa.Table(
    "deferrals",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("task_id", UUID(as_uuid=True), sa.ForeignKey("dispatch.tasks.id"), nullable=False, index=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("extension", JSONB, comment="延期 asked for: {value, unit}; null asks to pause the clock (缓办)"),
    sa.Column("requested_by", sa.Text, nullable=False),
    _at("requested_at", nullable=False),
    sa.Column("decided_by", sa.Text),
    _at("decided_at"),
    sa.Column("decision_note", sa.Text),
    _at("previous_due_at"),
    _at("new_due_at"),
    sa.Index("deferrals_one_pending_per_task", "task_id", unique=True, postgresql_where=sa.text("status = 'pending'")),
)
grid_workers = sa.Table(
    "grid_workers",
    metadata,
    sa.Column("worker_code", sa.Text, primary_key=True),
    sa.Column("grid_code", sa.Text, nullable=False, index=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("registered_by", sa.Text, nullable=False),
    _at("registered_at", nullable=False, server_default=sa.func.now()),
    comment="网格员: registered per grid; a worker dropped from the roster stays, inactive, with their tasks",
)
balancing = sa.Table(
    "balancing",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("rule", sa.Text, nullable=False),
    sa.Column("cap", sa.Integer, nullable=False),
    sa.Column("set_by", sa.Text, nullable=False),
    _at("set_at", nullable=False, server_default=sa.func.now()),
    sa.CheckConstraint("id = 1", name="balancing_one_row"),
    comment="派单规则: how a grid's case picks its worker; no row: the domain's default",
)
