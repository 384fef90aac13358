#!/usr/bin/env bash
# One command: install everything, build the demo warehouse if absent (or built by an older importer),
# start the dashboard.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -z "${WAREHOUSE_URL:-}" ] && \
   ! .venv/bin/python -c "from queries.db import connect; connect('var/demo.duckdb')" 2>/dev/null; then
  echo "==> 生成示范县数据 var/demo-extracts（首次运行约 20 秒）"
  .venv/bin/python -m data.generate var/demo-extracts
  echo "==> 导入数据仓库 var/demo.duckdb"
  .venv/bin/python -m data.importer var/demo-extracts --warehouse var/demo.duckdb
fi
export DEMO_MODE="${DEMO_MODE:-1}"  # the public demo: signed in as a read-only analyst, said on screen
exec .venv/bin/python scripts/serve.py "$@"
