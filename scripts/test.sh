#!/usr/bin/env bash
# One command: install everything, then lint and run every test (PostgreSQL is started by the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "==> ruff"
.venv/bin/ruff check .
echo "==> pytest"
# Two workers, a file each at a time: servers, browsers and PostgreSQL wait as much as they compute, and a
# file's module fixtures (its servers) stay in one worker. TEST_WORKERS=0 runs them in one process.
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" --dist loadfile "$@"
