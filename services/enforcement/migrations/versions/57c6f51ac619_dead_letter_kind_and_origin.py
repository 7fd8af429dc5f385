"""dead letters: kind, and the stream and sequence of the message they hold

Revision ID: 57c6f51ac619
Revises: da29ffb3e22c
Create Date: 2026-11-29 21:50:00
"""

from collections.abc import Sequence

from services.runtime.migrate import add_dead_letter_origin, drop_dead_letter_origin

revision: str = "57c6f51ac619"
down_revision: str | None = "da29ffb3e22c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_dead_letter_origin("enforcement")


def downgrade() -> None:
    drop_dead_letter_origin("enforcement")
