#!/bin/sh
# Migrate the database, then run the given linli command (default: serve).
set -eu
if [ "${LINLI_SKIP_MIGRATE:-0}" != "1" ]; then
    linli db upgrade
fi
if [ "$#" -eq 0 ]; then
    set -- serve --host 0.0.0.0 --port 8080
fi
exec linli "$@"
