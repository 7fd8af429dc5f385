"""``python -m services.enforcement.verify RECORD``: recompute a draw from its public record (a file, ``-`` for
stdin, or the URL of ``GET /draws/{id}/record``) and say whether it matches. Exit 0 when it does, 1 when not."""

from __future__ import annotations

import json
import sys
import urllib.request
from collections.abc import Sequence
from typing import Any

from services.enforcement.domain.record import verified, verify


def read_record(source: str) -> dict[str, Any]:
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=60) as response:
            data: dict[str, Any] = json.load(response)
            return data
    with sys.stdin if source == "-" else open(source, encoding="utf-8") as file:
        loaded: dict[str, Any] = json.load(file)
        return loaded


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: linkage enforcement verify RECORD (a file, - or the record's URL)", file=sys.stderr)
        return 2
    try:
        record = read_record(args[0])
    except (OSError, ValueError) as error:
        print(f"cannot read the record: {error}", file=sys.stderr)
        return 2
    checks = verify(record)
    for check in checks:
        print(f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
    ok = verified(checks)
    print("the draw matches its record (复算一致)" if ok else "the draw does NOT match its record (复算不一致)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
