"""dead letters: kind, and the stream and sequence of the message they hold

Revision ID: 2ba1ce0ace73
Revises: 8b442820229d
Create Date: 2026-11-29 21:50:00
"""

from collections.abc import Sequence

from services.runtime.migrate import add_dead_letter_origin, drop_dead_letter_origin

revision: str = "2ba1ce0ace73"
down_revision: str | None = "8b442820229d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_dead_letter_origin("catalog")


def downgrade() -> None:
    drop_dead_letter_origin("catalog")
