"""The catalogue's tables, schema ``catalog``."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from services.runtime.db import plumbing_tables

metadata = sa.MetaData(schema="catalog")
plumbing = plumbing_tables(metadata)

versions = sa.Table(
    "versions",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("diff", JSONB, nullable=False),
)
item_states = sa.Table(
    "item_states",
    metadata,
    sa.Column("item_code", sa.Text, primary_key=True),
    sa.Column("version", sa.Integer, sa.ForeignKey("catalog.versions.version"), primary_key=True),
    sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
    sa.Column("state", JSONB, nullable=False),
    sa.Column("retired", sa.Boolean, nullable=False, server_default=sa.false()),
)
item_clauses = sa.Table(
    "item_clauses",
    metadata,
    sa.Column("item_code", sa.Text, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("task_no", sa.Integer, primary_key=True, comment="0: the item's own basis; n: its n-th task"),
    sa.Column("law_id", sa.Text, primary_key=True),
    sa.Column("article", sa.Text, primary_key=True),
    sa.Column("paragraph", sa.Text, primary_key=True, comment="'' when the article is cited whole"),
    sa.ForeignKeyConstraint(["item_code", "version"], ["catalog.item_states.item_code", "catalog.item_states.version"]),
)
sa.Index("item_clauses_by_clause", item_clauses.c.law_id, item_clauses.c.article, item_clauses.c.paragraph)

grids = sa.Table(
    "grids",
    metadata,
    sa.Column("grid_code", sa.Text, primary_key=True),
    sa.Column("street_code", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("geometry", JSONB, comment="GeoJSON Polygon, WGS84"),
)


laws = sa.Table(
    "laws",
    metadata,
    sa.Column("law_id", sa.Text, primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("issuer", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("effective_from", sa.Date, nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
)
law_revisions = sa.Table(
    "law_revisions",
    metadata,
    sa.Column("law_id", sa.Text, sa.ForeignKey("catalog.laws.law_id"), primary_key=True),
    sa.Column("revision", sa.Integer, primary_key=True),
    sa.Column("change", sa.Text, nullable=False),
    sa.Column("effective_on", sa.Date, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("detail", JSONB, nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)
clauses = sa.Table(
    "clauses",
    metadata,
    sa.Column("law_id", sa.Text, sa.ForeignKey("catalog.laws.law_id"), primary_key=True),
    sa.Column("article", sa.Text, primary_key=True),
    sa.Column("paragraph", sa.Text, primary_key=True, comment="'' for a whole article"),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("in_force", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("revision", sa.Integer, nullable=False),
)
organisations = sa.Table(
    "organisations",
    metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("parent_code", sa.Text),
)
street_lists = sa.Table(
    "street_lists",
    metadata,
    sa.Column("street_code", sa.Text, primary_key=True),
    sa.Column("revision", sa.Integer, primary_key=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("item_codes", ARRAY(sa.Text), nullable=False),
    sa.Column("catalogue_version", sa.Integer),
    sa.Column("comments", sa.Text),
    sa.Column("filing_no", sa.Text),
    sa.Column("updated_by", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("published_at", sa.DateTime(timezone=True)),
)
adjustments = sa.Table(
    "adjustments",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("law_id", sa.Text, nullable=False, index=True),
    sa.Column("law_revision", sa.Integer, nullable=False),
    sa.Column("item_code", sa.Text, nullable=False, index=True),
    sa.Column("change", sa.Text, nullable=False),
    sa.Column("clause_diff", JSONB, nullable=False),
    sa.Column("street_codes", ARRAY(sa.Text), nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("resolved_at", sa.DateTime(timezone=True)),
    sa.Column("resolved_version", sa.Integer),
    sa.Column("resolution", sa.Text),
)
approvals = sa.Table(
    "approvals",
    metadata,
    sa.Column("application_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("item_code", sa.Text, nullable=False, index=True),
    sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("item", JSONB, comment="The item as approved; null for a removal"),
)
