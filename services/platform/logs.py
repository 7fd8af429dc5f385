"""Log tails for error messages: the reason a process failed is nearly always in its last lines."""

from __future__ import annotations

from pathlib import Path

# Only the end matters, and a long-running server's log can be large.
_TAIL_BYTES = 64 * 1024


def tail(path: Path, lines: int = 30) -> str:
    try:
        with path.open("rb") as file:
            size = file.seek(0, 2)
            file.seek(max(0, size - _TAIL_BYTES))
            text = file.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


def with_tail(message: str, path: Path, lines: int = 30) -> str:
    return f"{message}\n--- last lines of {path} ---\n{tail(path, lines)}"
