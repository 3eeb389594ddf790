#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine, then runs every test
# (each store/HTTP test on SQLite and on PostgreSQL). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${CLAUSES_VENV:-.venv}"

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# 1. Python packages (the project and its test tools) in a virtual environment.
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[dev]"

# 2. The PostgreSQL server from Debian's packages when missing. The tests start a
#    throwaway cluster of their own in a temporary directory (as the postgres user).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "Installation de PostgreSQL (paquet Debian)…"
  sudo_if_needed apt-get update -q
  DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -q postgresql
fi

# 3. Debian's Chromium for the browser tests (Playwright drives it; never `playwright
#    install`) and LibreOffice Calc for the spreadsheets saved by LibreOffice.
apt_install() {
  echo "Installation de $* (paquets Debian)…"
  if [ -z "${APT_UPDATED:-}" ]; then sudo_if_needed apt-get update -q; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -q "$@"
}
[ -x /usr/bin/chromium ] || apt_install chromium
command -v soffice >/dev/null 2>&1 || apt_install --no-install-recommends libreoffice-calc-nogui

# 4. Lint and format checks, then the tests (PostgreSQL, Chromium and LibreOffice are
#    required there: never skipped).
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
CLAUSES_REQUIRE_PG=1 CLAUSES_REQUIRE_BROWSER=1 CLAUSES_REQUIRE_SOFFICE=1 \
  "$VENV/bin/python" -m pytest "$@"
