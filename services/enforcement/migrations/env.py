from services.enforcement.store import metadata
from services.runtime.migrate import run_migrations

run_migrations(metadata)
