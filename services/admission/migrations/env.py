from services.admission.store.tables import metadata
from services.runtime.migrate import run_migrations

run_migrations(metadata)
