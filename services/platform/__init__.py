"""The ``linkage`` launcher: embedded NATS and Postgres, the five services as processes, and the CLI."""
