#!/usr/bin/env bash
# Runs RocRouting locally: installs PostgreSQL and RabbitMQ from Debian's packages if missing,
# starts them as this project's own processes (data in .local/, ports 55432 and 55672), applies
# migrations, then builds and runs the API and the worker. Ctrl-C stops everything it started.
# Running it again reuses the data.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

data=${ROC_DATA_DIR:-$root/.local}
http_port=${ROC_HTTP_PORT:-8080}
export ROC_PG_PORT=${ROC_PG_PORT:-55432} ROC_AMQP_PORT=${ROC_AMQP_PORT:-55672}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "[run] stopping"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  "$root/deploy/local/servers.sh" stop "$data" || true
}
trap cleanup INT TERM EXIT

"$root/deploy/local/servers.sh" install
"$root/deploy/local/servers.sh" start "$data"

# The superuser's password servers.sh generated (a data folder made before it used trust and has none).
pg_password=$(cat "$data/postgres-password" 2>/dev/null || true)
psql_admin() { PGPASSWORD=$pg_password psql -h 127.0.0.1 -p "$ROC_PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtAc "$1"; }
# Two roles: rocrouting owns the schema and runs only the migrate step; rocrouting_app is what the
# API and the worker connect as, granted data access by migrate (no DDL, no TRUNCATE, no rewriting
# the audit trail).
for role in rocrouting rocrouting_app; do
  if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname = '$role'")" != 1 ]; then
    psql_admin "CREATE ROLE $role LOGIN PASSWORD '$role'"
  fi
done
if [ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname = 'rocrouting'")" != 1 ]; then
  psql_admin "CREATE DATABASE rocrouting OWNER rocrouting"
fi

echo "[run] building"
dotnet build RocRouting.sln -c Release -v quiet -nologo

export DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development
export MALLOC_ARENA_MAX=2 # as the images set it (deploy/docker)
export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$ROC_PG_PORT;Database=rocrouting;Username=rocrouting_app;Password=rocrouting_app"
export RabbitMq__Url="amqp://guest:guest@127.0.0.1:$ROC_AMQP_PORT/"
bin=Release/net10.0

echo "[run] migrating the database and declaring the broker topology"
ConnectionStrings__Postgres="Host=127.0.0.1;Port=$ROC_PG_PORT;Database=rocrouting;Username=rocrouting;Password=rocrouting" \
  Database__ApplicationRole=rocrouting_app dotnet "src/RocRouting.Worker/bin/$bin/RocRouting.Worker.dll" migrate

(cd src/RocRouting.Worker && exec dotnet "bin/$bin/RocRouting.Worker.dll") &
pids+=($!)
(cd src/RocRouting.Api && exec dotnet "bin/$bin/RocRouting.Api.dll" --urls "http://127.0.0.1:$http_port") &
pids+=($!)

for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$http_port/health/ready" >/dev/null 2>&1 && break
  sleep 0.2
done

cat <<MSG

[run] RocRouting is running at http://127.0.0.1:$http_port  (Ctrl-C stops the API, the worker and the servers)
      token:   TOKEN=\$(deploy/local/token.sh police-officer)
      submit:  curl -s -X POST http://127.0.0.1:$http_port/api/v1/cases -H "Authorization: Bearer \$TOKEN" \\
                 -H "Content-Type: application/json" -H "Idempotency-Key: \$(cat /proc/sys/kernel/random/uuid)" \\
                 -d @deploy/local/example-case.json
      follow:  curl -s http://127.0.0.1:$http_port/api/v1/cases/CASE_ID -H "Authorization: Bearer \$TOKEN"

MSG
wait -n "${pids[@]}"
