"""Dispatch's tables (schema ``dispatch``) and its repository."""

from services.dispatch.store.repository import DispatchStore
from services.dispatch.store.tables import metadata, plumbing

__all__ = ["DispatchStore", "metadata", "plumbing"]
