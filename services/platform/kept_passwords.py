"""Passwords ``linkage up`` generates once and keeps in its data directory, so that servers and clients agree
across restarts: a JSON object by name, readable by its owner only (like the JWT secret beside it)."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from services.platform.errors import PlatformError


def kept_passwords(path: Path, names: Iterable[str]) -> dict[str, str]:
    """The password of each of ``names``: the one kept in ``path``, or a new random one (then written back).

    Hex, so that it travels unquoted inside ``nats://user:password@…`` and ``postgresql://…`` URLs.
    """
    kept = _read(path)
    wanted = list(dict.fromkeys(names))
    missing = [name for name in wanted if name not in kept]
    if missing:
        kept |= {name: secrets.token_hex(24) for name in missing}
        write_private(path, json.dumps(kept, indent=1, sort_keys=True) + "\n")
    return {name: kept[name] for name in wanted}


def write_private(path: Path, text: str) -> None:
    """Writes ``text`` readable by its owner only, replacing the file in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as file:
        file.write(text)
    partial.replace(path)


def _read(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise PlatformError(f"{path} is not the JSON object linkage up wrote: {error}") from error
    if not isinstance(loaded, dict) or not all(isinstance(value, str) for value in loaded.values()):
        raise PlatformError(f"{path} is not the JSON object of passwords linkage up wrote")
    return {str(name): value for name, value in loaded.items()}
