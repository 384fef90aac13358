#!/usr/bin/env bash
# Start N dashboard processes on 127.0.0.1:BASE..BASE+N-1 (default 8501) with the production config,
# for deploy/nginx.conf's upstream; stops them all on Ctrl-C / SIGTERM. Usage: scripts/serve_many.sh N [BASE]
# Extra settings come from the environment (WAREHOUSE_URL, USERS_FILE, AUDIT_LOG, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:?usage: scripts/serve_many.sh N [BASE_PORT]}
base=${2:-8501}
[[ "$n" =~ ^[1-9][0-9]*$ && "$base" =~ ^[0-9]+$ ]] || { echo "usage: scripts/serve_many.sh N [BASE_PORT]" >&2; exit 2; }
PY=${PYTHON:-.venv/bin/python}
mapfile -t flags < <("$PY" scripts/config_flags.py deploy/streamlit-production.toml)
# Extra flags for every process, e.g. SERVE_FLAGS="--server.allowedHosts dash.local" (word-split on spaces).
read -r -a extra <<< "${SERVE_FLAGS:-}"
# nginx on this machine is the only way in: believe its X-Forwarded-For for the audit log's client address and
# the sign-in limits per address (set TRUSTED_PROXIES to nginx's address if it runs elsewhere).
export TRUSTED_PROXIES=${TRUSTED_PROXIES:-127.0.0.1}

pids=()
stop() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait; }
trap stop EXIT INT TERM
for ((i = 0; i < n; i++)); do
  port=$((base + i))
  "$PY" scripts/serve.py "${flags[@]}" "${extra[@]}" --server.port "$port" &
  pids+=($!)
  echo "==> dashboard process $((i + 1))/$n on 127.0.0.1:$port (pid $!)"
done
wait
