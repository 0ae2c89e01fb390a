#!/bin/sh
# Runs once, as the superuser, when the PostgreSQL container starts on an empty data
# directory (the image runs /docker-entrypoint-initdb.d/*.sh). It makes infocap's two
# roles and gives the database to the first:
#   INFOCAP_DB_OWNER_USER (infocap_owner)  owns the database and its schema; the migration
#                                          job connects as it
#   INFOCAP_DB_APP_USER (infocap_app)      the service's role. It owns nothing: `infocap
#                                          migrate` grants it what the service needs, and
#                                          never UPDATE, DELETE or TRUNCATE on the
#                                          append-only tables.
# Neither is a superuser; the superuser's password is used by nothing of infocap's.
set -eu
owner="${INFOCAP_DB_OWNER_USER:-infocap_owner}"
app="${INFOCAP_DB_APP_USER:-infocap_app}"
database="${POSTGRES_DB:?set POSTGRES_DB}"

psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:?set POSTGRES_USER}" --dbname "$database" \
    --set owner="$owner" --set owner_password="${INFOCAP_DB_OWNER_PASSWORD:?set INFOCAP_DB_OWNER_PASSWORD}" \
    --set app="$app" --set app_password="${INFOCAP_DB_APP_PASSWORD:?set INFOCAP_DB_APP_PASSWORD}" \
    --set database="$database" <<'SQL'
CREATE ROLE :"owner" LOGIN PASSWORD :'owner_password';
CREATE ROLE :"app" LOGIN PASSWORD :'app_password';
ALTER DATABASE :"database" OWNER TO :"owner";
ALTER SCHEMA public OWNER TO :"owner";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"database" TO :"app";
SQL
