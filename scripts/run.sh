#!/usr/bin/env bash
# Installs the service and runs it on its embedded default (a SQLite file under ./var/)
# with demo data, on http://127.0.0.1:5000/.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${CLAUSES_VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e .
"$VENV/bin/clauses" db upgrade
"$VENV/bin/clauses" demo
exec "$VENV/bin/clauses" serve --host "${CLAUSES_HOST:-127.0.0.1}" --port "${CLAUSES_PORT:-5000}"
