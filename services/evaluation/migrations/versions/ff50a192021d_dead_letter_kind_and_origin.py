"""dead letters: kind, and the stream and sequence of the message they hold

Revision ID: ff50a192021d
Revises: ce95b3210937
Create Date: 2026-11-29 21:50:00
"""

from collections.abc import Sequence

from services.runtime.migrate import add_dead_letter_origin, drop_dead_letter_origin

revision: str = "ff50a192021d"
down_revision: str | None = "ce95b3210937"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_dead_letter_origin("evaluation")


def downgrade() -> None:
    drop_dead_letter_origin("evaluation")
