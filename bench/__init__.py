"""Benchmarks (not tests): the case pipeline end to end against a bare NATS + Postgres pipeline, one run.

``python -m bench`` (or ``linkage bench``) starts its own NATS and Postgres, runs the bare baseline, starts
the five services as ``linkage up`` does, drives cases through intake to department consumers, measures
catalogue lookups, prints a table and writes JSON. Targets live in the output, never in tests.
"""
