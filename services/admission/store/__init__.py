"""Admission's tables (schema ``admission``) and its repositories."""

from services.admission.store.tables import metadata, plumbing

__all__ = ["metadata", "plumbing"]
