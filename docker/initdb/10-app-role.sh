#!/bin/sh
# The role the service connects as. It owns nothing: `infocap migrate` (as the owner)
# grants it what the service needs, and never UPDATE, DELETE or TRUNCATE on the
# append-only tables.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    --set app_password="$INFOCAP_DB_APP_PASSWORD" <<'SQL'
CREATE ROLE infocap_app LOGIN PASSWORD :'app_password';
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
