"""What counts as a weak secret, refused at start-up by every service (issue 11: roles that mean one thing).

A placeholder is a value shipped in the repository for people to replace: every ``change-me…`` of
``deploy/.env.example`` and ``deploy/k8s/secret.example.yaml``, and the usual stand-ins (``secret``,
``password``, ``test``…). The JWT secret signs every bearer token, so it must also be long (32 bytes: HS256's
own key size) and not low-entropy: fewer than 10 distinct characters, or a run of one repeated chunk
(``abcabcabc…``), is refused however long. ``linkage up`` never meets this: it mints a random secret of its own
(``secrets.token_urlsafe(32)``, kept in its data directory) unless ``LINKAGE_JWT_SECRET`` is set.

Passwords inside ``LINKAGE_NATS_URL`` / ``LINKAGE_DATABASE_URL`` are refused only as placeholders: their length
is the servers' business, and a test database reached with a throwaway password stays usable.
"""

from __future__ import annotations

MIN_SECRET_BYTES = 32
MIN_DISTINCT = 10
PLACEHOLDER_MARKS = ("change-me", "changeme", "change_me", "replace-me", "placeholder", "example", "<", "$")
PLACEHOLDERS = frozenset({"secret", "password", "passwd", "linkage", "admin", "default", "xxx", "todo"})


def is_placeholder(value: str) -> bool:
    lowered = value.strip().lower()
    return lowered in PLACEHOLDERS or any(mark in lowered for mark in PLACEHOLDER_MARKS)


def low_entropy(value: str) -> bool:
    """Few distinct characters, or one chunk repeated (``abab…``, ``0123401234…``)."""
    if len(set(value)) < MIN_DISTINCT:
        return True
    return any(
        len(value) % size == 0 and value == value[:size] * (len(value) // size)
        for size in range(1, len(value) // 2 + 1)
    )


def refuse_weak_secret(value: str, *, variable: str) -> None:
    """Raises ``ValueError`` naming ``variable`` for a placeholder, short or low-entropy secret."""
    if is_placeholder(value):
        raise ValueError(f"{variable} is a placeholder; set a random one: openssl rand -hex 32")
    if len(value.encode()) < MIN_SECRET_BYTES:
        raise ValueError(f"{variable} is shorter than {MIN_SECRET_BYTES} bytes; set a random one: openssl rand -hex 32")
    if low_entropy(value):
        raise ValueError(f"{variable} is low-entropy (repeated or too few distinct characters): openssl rand -hex 32")


def refuse_placeholder_password(value: str, *, variable: str) -> None:
    if is_placeholder(value):
        raise ValueError(f"{variable} carries a placeholder password; replace it (openssl rand -hex 24)")
