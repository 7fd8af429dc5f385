"""Plumbing every service shares: settings, database, bus, outbox, inbox, telemetry, auth, health.

No domain logic and no shared tables live here: each service gets its own copy of the plumbing tables
in its own schema.
"""
