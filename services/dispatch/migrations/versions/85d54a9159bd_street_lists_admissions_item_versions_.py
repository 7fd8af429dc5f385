"""street lists, admissions, item versions, deferrals, acknowledgement deadline

Revision ID: 85d54a9159bd
Revises: 9be19c877a06
Create Date: 2026-11-25 17:08:50.987724
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "85d54a9159bd"
down_revision: str | None = "9be19c877a06"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    "item_code, version, name, responsible_body, co_operating_units, street_codes, basis, retired, domain, "
    "list_kind, time_limit, effective_from"
)


def upgrade() -> None:
    op.create_table(
        "admissions",
        sa.Column("application_id", sa.UUID(), nullable=False),
        sa.Column("item_code", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("street_codes", postgresql.ARRAY(sa.Text()), nullable=False, comment="empty: a district-wide duty"),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("application_id"),
        schema="dispatch",
        comment="准入: approved applications that add or change an item for streets",
    )
    op.create_index(
        op.f("ix_dispatch_admissions_item_code"), "admissions", ["item_code"], unique=False, schema="dispatch"
    )
    op.create_table(
        "item_versions",
        sa.Column("item_code", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("responsible_body", sa.Text(), nullable=False),
        sa.Column("co_operating_units", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("street_codes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("retired", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("domain", sa.Text(), server_default="", nullable=False),
        sa.Column("list_kind", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "time_limit",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=True,
            comment="办理时限 of this version: {value, unit}",
        ),
        sa.Column(
            "effective_from", sa.Date(), nullable=True, comment="施行日期; null: in force at once (a retirement)"
        ),
        sa.PrimaryKeyConstraint("item_code", "version"),
        schema="dispatch",
        comment="Every catalogue version of every item dispatch has heard of; routing uses the one in force",
    )
    op.create_table(
        "street_lists",
        sa.Column("street_code", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("item_codes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("filing_no", sa.Text(), nullable=False, comment="备案号"),
        sa.Column("catalogue_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("street_code"),
        schema="dispatch",
        comment="一街一单: the newest published revision of each street's list",
    )
    op.create_table(
        "deferrals",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("task_id", sa.UUID(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "extension",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=True,
            comment="延期 asked for: {value, unit}; null asks to pause the clock (缓办)",
        ),
        sa.Column("requested_by", sa.Text(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("previous_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("new_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["dispatch.tasks.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        schema="dispatch",
    )
    op.create_index(
        "deferrals_one_pending_per_task",
        "deferrals",
        ["task_id"],
        unique=True,
        schema="dispatch",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(op.f("ix_dispatch_deferrals_task_id"), "deferrals", ["task_id"], unique=False, schema="dispatch")
    # the newest version each item had becomes its first kept version; later ones are kept beside it
    op.execute(f"INSERT INTO dispatch.item_versions ({COLUMNS}) SELECT {COLUMNS} FROM dispatch.routing_items")
    op.drop_table("routing_items", schema="dispatch")
    op.add_column(
        "tasks",
        sa.Column(
            "ack_by",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="签收时限: a dispatched task must be acknowledged by then",
        ),
        schema="dispatch",
    )
    op.add_column("tasks", sa.Column("ack_late_at", sa.DateTime(timezone=True), nullable=True), schema="dispatch")


def downgrade() -> None:
    op.drop_column("tasks", "ack_late_at", schema="dispatch")
    op.drop_column("tasks", "ack_by", schema="dispatch")
    op.create_table(
        "routing_items",
        sa.Column("item_code", sa.TEXT(), autoincrement=False, nullable=False),
        sa.Column("name", sa.TEXT(), autoincrement=False, nullable=False),
        sa.Column("responsible_body", sa.TEXT(), autoincrement=False, nullable=False),
        sa.Column("co_operating_units", postgresql.ARRAY(sa.TEXT()), autoincrement=False, nullable=False),
        sa.Column("street_codes", postgresql.ARRAY(sa.TEXT()), autoincrement=False, nullable=False),
        sa.Column("version", sa.INTEGER(), autoincrement=False, nullable=False),
        sa.Column("basis", sa.TEXT(), autoincrement=False, nullable=False),
        sa.Column("retired", sa.BOOLEAN(), server_default=sa.text("false"), autoincrement=False, nullable=False),
        sa.Column("domain", sa.TEXT(), server_default=sa.text("''::text"), autoincrement=False, nullable=False),
        sa.Column("list_kind", sa.TEXT(), server_default=sa.text("''::text"), autoincrement=False, nullable=False),
        sa.Column(
            "time_limit",
            postgresql.JSONB(astext_type=sa.Text()),
            autoincrement=False,
            nullable=True,
            comment="办理时限 of this version: {value, unit}",
        ),
        sa.Column("effective_from", sa.DATE(), autoincrement=False, nullable=True),
        sa.PrimaryKeyConstraint("item_code", name=op.f("routing_items_pkey")),
        schema="dispatch",
    )
    op.execute(
        f"INSERT INTO dispatch.routing_items ({COLUMNS}) SELECT DISTINCT ON (item_code) {COLUMNS} "
        "FROM dispatch.item_versions ORDER BY item_code, version DESC"
    )
    op.drop_index(op.f("ix_dispatch_deferrals_task_id"), table_name="deferrals", schema="dispatch")
    op.drop_index(
        "deferrals_one_pending_per_task",
        table_name="deferrals",
        schema="dispatch",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_table("deferrals", schema="dispatch")
    op.drop_table("street_lists", schema="dispatch")
    op.drop_table("item_versions", schema="dispatch")
    op.drop_index(op.f("ix_dispatch_admissions_item_code"), table_name="admissions", schema="dispatch")
    op.drop_table("admissions", schema="dispatch")
