"""dead letters: kind, and the stream and sequence of the message they hold

Revision ID: 26302d7dd707
Revises: e23d26ec61c5
Create Date: 2026-11-29 21:50:00
"""

from collections.abc import Sequence

from services.runtime.migrate import add_dead_letter_origin, drop_dead_letter_origin

revision: str = "26302d7dd707"
down_revision: str | None = "e23d26ec61c5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_dead_letter_origin("admission")


def downgrade() -> None:
    drop_dead_letter_origin("admission")
