"""Admission use cases: one transaction each, through the unit of work."""
