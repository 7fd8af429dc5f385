"""JetStream streams: one per producer, plus INTAKE written by the smart-city platform."""

from __future__ import annotations

from dataclasses import dataclass

DUPLICATE_WINDOW_S = 300.0


@dataclass(frozen=True)
class StreamSpec:
    name: str
    prefix: str

    @property
    def subjects(self) -> list[str]:
        return [f"{self.prefix}.>"]


STREAMS: tuple[StreamSpec, ...] = (
    StreamSpec("INTAKE", "intake"),
    StreamSpec("CATALOG", "catalog"),
    StreamSpec("ADMISSION", "admission"),
    StreamSpec("DISPATCH", "dispatch"),
    StreamSpec("EVALUATION", "evaluation"),
    StreamSpec("ENFORCEMENT", "enforcement"),
)


def stream_for_subject(subject: str) -> StreamSpec:
    prefix = subject.split(".", 1)[0]
    for spec in STREAMS:
        if spec.prefix == prefix:
            return spec
    raise LookupError(f"no stream holds subject {subject!r}")
