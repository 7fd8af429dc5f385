"""Checked-in JSON-Schema snapshots and the AsyncAPI document, regenerated from the registry.

Review a contract change, then run ``python -m contracts.snapshots --write``; a test fails while the
checked-in files differ from what the code generates.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from contracts.base import IntegrationEvent
from contracts.envelope import CloudEvent
from contracts.registry import CONTRACTS
from contracts.streams import stream_for_subject

HERE = Path(__file__).parent
SCHEMAS = HERE / "schemas"
ASYNCAPI = HERE / "asyncapi.json"


def event_schema(contract: type[IntegrationEvent]) -> dict[str, Any]:
    return CloudEvent[contract].model_json_schema()  # type: ignore[valid-type]


def asyncapi_document() -> dict[str, Any]:
    """FastStream's AsyncAPI 3.0 document with one documented publisher per contract."""
    from faststream.nats import NatsBroker
    from faststream.specification import AsyncAPI

    broker = NatsBroker()
    for contract in CONTRACTS:
        token = "{routing}" if contract.ROUTED else None
        broker.publisher(
            contract.subject(token),
            stream=stream_for_subject(contract.TYPE).name,
            title=contract.TYPE,
            description=(contract.__doc__ or "").strip(),
            schema=CloudEvent[contract],  # type: ignore[valid-type]
        )
    spec = AsyncAPI(broker, title="Linkage integration events", version="1")
    document: dict[str, Any] = json.loads(spec.to_specification().to_json())
    return document


def rendered() -> dict[Path, str]:
    files = {SCHEMAS / f"{c.TYPE}.json": _dump(event_schema(c)) for c in CONTRACTS}
    files[ASYNCAPI] = _dump(asyncapi_document())
    return files


def _dump(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the checked-in snapshots")
    args = parser.parse_args()
    stale = [path for path, text in rendered().items() if not path.exists() or path.read_text() != text]
    if args.write:
        SCHEMAS.mkdir(exist_ok=True)
        for path, text in rendered().items():
            path.write_text(text)
        print(f"wrote {len(stale)} changed file(s)")
    elif stale:
        raise SystemExit("stale contract snapshots: " + ", ".join(p.name for p in stale))


if __name__ == "__main__":
    main()
