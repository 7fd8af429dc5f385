"""Public randomness for the draw (双随机): canonical JSON, its SHA-256 commitment, and the seeded stream every
random choice comes from. Pure and standard-library only, so that anyone can copy it to check a draw.

- Canonical JSON: keys sorted, UTF-8 (Chinese kept as is, not ``\\u`` escaped), no whitespace, integers and
  text only (no floats: ratios are in per-mille, ‰).
- Commitment: the lowercase hex SHA-256 of the canonical JSON.
- Stream: the ``k``-th number (k = 0, 1, 2, ...) of the stream named ``purpose`` is the first 8 bytes, big-endian,
  of HMAC-SHA256(key = seed as UTF-8, message = ``purpose|k`` as UTF-8). A number below ``n`` is taken by
  rejection: numbers at or above the largest multiple of ``n`` under 2**64 are skipped (so every value below
  ``n`` is equally likely), the rest give ``number % n``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

_SPAN = 1 << 64


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def commitment_of(value: Any) -> str:
    """承诺值: the hash published before the seed is known."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


class RandomStream:
    """The numbers of one named stream (``purpose``) under one seed, in order."""

    def __init__(self, seed: str, purpose: str) -> None:
        self._key = seed.encode("utf-8")
        self._purpose = purpose
        self._counter = 0

    def _next(self) -> int:
        message = f"{self._purpose}|{self._counter}".encode()
        self._counter += 1
        return int.from_bytes(hmac.digest(self._key, message, "sha256")[:8], "big")

    def below(self, n: int) -> int:
        """A number in ``0..n-1``, each equally likely."""
        if n <= 0:
            raise ValueError("n must be positive")
        limit = _SPAN - _SPAN % n
        while (number := self._next()) >= limit:
            continue
        return number % n
