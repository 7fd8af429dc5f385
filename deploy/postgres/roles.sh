#!/bin/sh
# Run once by the postgres image when its volume is first initialised (/docker-entrypoint-initdb.d), as the
# superuser: per service an owner that owns its schema and runs its migrations, and a run-time role the
# service connects as, which secure_schema grants at each migration (deploy/README.md, "Who may do what on
# Postgres"). Passwords come from the container's environment (PG_<SERVICE>_OWNER_PASSWORD, PG_<SERVICE>_PASSWORD).
set -eu
for service in catalog admission dispatch evaluation enforcement; do
  upper=$(echo "$service" | tr '[:lower:]' '[:upper:]')
  owner_password=$(printenv "PG_${upper}_OWNER_PASSWORD")
  password=$(printenv "PG_${upper}_PASSWORD")
  psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" \
    -v owner="linkage_${service}_owner" -v runtime="linkage_${service}" -v schema="$service" \
    -v owner_password="$owner_password" -v password="$password" <<'SQL'
CREATE ROLE :"owner" LOGIN PASSWORD :'owner_password';
CREATE ROLE :"runtime" LOGIN PASSWORD :'password';
CREATE SCHEMA :"schema" AUTHORIZATION :"owner";
-- migrate's env.py starts with CREATE SCHEMA IF NOT EXISTS, which Postgres checks against CREATE on the database.
SELECT current_database() AS dbname \gset
GRANT CREATE ON DATABASE :"dbname" TO :"owner";
SQL
done
