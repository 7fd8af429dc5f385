"""The catalogue's storage: tables in schema ``catalog`` and one repository per area."""

from services.catalog.store.tables import metadata, plumbing

__all__ = ["metadata", "plumbing"]
