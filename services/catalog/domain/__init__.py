"""Catalogue rules, pure: items and versions, the basis library, organisations, street lists."""
