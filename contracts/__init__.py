"""Integration events exchanged over NATS JetStream: the only thing services share.

Each event is a frozen pydantic model that names its subject once (``TYPE``). The CloudEvents envelope,
the stream layout and the registry of every contract live beside it.
"""

from contracts.base import IntegrationEvent, TimeLimit
from contracts.envelope import CloudEvent, decode, encode
from contracts.registry import CONTRACTS, contract_for_subject
from contracts.streams import STREAMS, StreamSpec, stream_for_subject

__all__ = [
    "CONTRACTS",
    "STREAMS",
    "CloudEvent",
    "IntegrationEvent",
    "StreamSpec",
    "TimeLimit",
    "contract_for_subject",
    "decode",
    "encode",
    "stream_for_subject",
]
