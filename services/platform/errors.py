"""One error type the CLI can report without a traceback."""

from __future__ import annotations


class PlatformError(RuntimeError):
    """A server or service failed to start, get ready, migrate or stop; the message carries its log tail."""
