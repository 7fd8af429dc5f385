"""dead letters: kind, and the stream and sequence of the message they hold

Revision ID: c62a5a00f081
Revises: 85d54a9159bd
Create Date: 2026-11-29 21:50:00
"""

from collections.abc import Sequence

from services.runtime.migrate import add_dead_letter_origin, drop_dead_letter_origin

revision: str = "c62a5a00f081"
down_revision: str | None = "85d54a9159bd"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_dead_letter_origin("dispatch")


def downgrade() -> None:
    drop_dead_letter_origin("dispatch")
