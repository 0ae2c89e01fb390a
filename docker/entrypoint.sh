#!/bin/sh
# The image's entrypoint.
#   serve (the default)  run `infocap check`, then the service; a FAIL stops the start
#   migrate              bring the database to the current schema as its owner
#                        (INFOCAP_MIGRATION_DATABASE_URL) and grant the service's role
#                        (the one in INFOCAP_DATABASE_URL) what it needs, nothing more
#   check, policy, ledger, schema, import, settings   that infocap command
#   anything else        run it as given (a shell, for instance)
set -eu

command="${1:-serve}"
if [ "$#" -gt 0 ]; then
    shift
fi

case "$command" in
    serve)
        exec infocap serve --check "$@"
        ;;
    migrate)
        case "${INFOCAP_DATABASE_URL:-}" in
            postgresql*)
                if [ -z "${INFOCAP_MIGRATION_DATABASE_URL:-}" ]; then
                    echo "infocap-entrypoint: migrate runs as the schema owner:" \
                        "set INFOCAP_MIGRATION_DATABASE_URL" >&2
                    exit 2
                fi
                ;;
        esac
        exec infocap migrate "$@"
        ;;
    check | policy | ledger | schema | import | settings)
        exec infocap "$command" "$@"
        ;;
    *)
        exec "$command" "$@"
        ;;
esac
