"""assignments folded into task_facts: the projection keeps each dispatched task once, and counts it from there

Every task the old table holds is merged into ``task_facts`` first (columns the facts lack are filled, none
overwritten), so no count changes. The downgrade rebuilds the table from the facts; the item and street
codes, which the facts do not keep, come back as the case's street and an empty item code.

Revision ID: b7d41f0e9c22
Revises: a13e0c5d2f01
Create Date: 2026-11-30 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7d41f0e9c22"
down_revision: str | None = "a13e0c5d2f01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "evaluation"


def upgrade() -> None:
    op.execute(
        """
        INSERT INTO evaluation.task_facts AS f (task_id, case_id, assignee_code, role, assigned_at)
        SELECT task_id, case_id, assignee_code, role, assigned_at FROM evaluation.assignments
        ON CONFLICT (task_id) DO UPDATE SET
            case_id = coalesce(f.case_id, excluded.case_id),
            assignee_code = coalesce(f.assignee_code, excluded.assignee_code),
            role = coalesce(f.role, excluded.role),
            assigned_at = coalesce(f.assigned_at, excluded.assigned_at)
        """
    )
    op.drop_table("assignments", schema=S)


def downgrade() -> None:
    op.create_table(
        "assignments",
        sa.Column("task_id", sa.UUID(), primary_key=True),
        sa.Column("case_id", sa.UUID(), nullable=False),
        sa.Column("assignee_code", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("item_code", sa.Text(), nullable=False),
        sa.Column("street_code", sa.Text(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        schema=S,
    )
    op.create_index("ix_assignments_assigned_at", "assignments", ["assigned_at"], schema=S)
    op.create_index("ix_assignments_assignee_assigned_at", "assignments", ["assignee_code", "assigned_at"], schema=S)
    op.execute(
        """
        INSERT INTO evaluation.assignments (task_id, case_id, assignee_code, role, item_code, street_code, assigned_at)
        SELECT t.task_id, t.case_id, t.assignee_code, t.role, '', coalesce(c.street_code, ''), t.assigned_at
        FROM evaluation.task_facts t LEFT JOIN evaluation.case_facts c USING (case_id)
        WHERE t.case_id IS NOT NULL AND t.assignee_code IS NOT NULL AND t.role IS NOT NULL
          AND t.assigned_at IS NOT NULL
        """
    )
