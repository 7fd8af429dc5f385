"""Evaluation's storage: tables in schema ``evaluation`` and the repositories over them."""

from services.evaluation.store.tables import metadata, plumbing

__all__ = ["metadata", "plumbing"]
