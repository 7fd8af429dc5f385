"""The process's heap, tuned once start-up is done."""

from __future__ import annotations

import gc

GC_YOUNG_THRESHOLD = 20_000
"""Allocations between young-generation passes (Python's default is 700)."""


def settle_heap() -> None:
    """Start-up's objects (models, metadata, routes) leave the collector's sight, which collects less often.

    Python's cyclic collector otherwise walks every start-up object on each full pass and runs a young
    pass every 700 allocations; under flat-out load that was 14% of a consumer's CPU (bench/README.md).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 20)
