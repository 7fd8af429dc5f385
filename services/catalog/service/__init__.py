"""Catalogue use cases, one module per area; one transaction each."""
