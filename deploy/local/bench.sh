#!/usr/bin/env bash
# The end-to-end benchmark: Release build, throw-away PostgreSQL and RabbitMQ (as the tests start
# them, but with fsync on, as in production), then in one run: the database's and broker's own
# limits, latency at 50 cases/s, the highest sustained rate, a 10,000-case backlog drain, peak
# memory and a loss check. Prints a summary table; writes bench/results/<timestamp>.json,
# latest.json and PNG charts (git-ignored). About 13 minutes.
#
# Knobs (environment): ROC_BENCH_WARMUP_S (60), ROC_BENCH_STEADY_RATE (50), ROC_BENCH_STEADY_S (30), ROC_BENCH_TRIAL_S (60),
# ROC_BENCH_FIRST_RATE (250, x1.5 until a trial fails, halved while the first fails, then bisected to within 15 %), ROC_BENCH_DRAIN
# (10000), ROC_BENCH_LIMIT_S (15), ROC_PG_FAST=1 (fsync off, like the tests),
# ROC_BENCH_PHASES (limits,latency,consoles,throughput,overload,drain: a subset for a quick loop on one figure),
# ROC_BENCH_OVERLOAD_S (60: three times the sustained rate),
# ROC_BENCH_CONSOLES (20), ROC_BENCH_CONSOLE_RATE (7: not a divisor of the feed's poll, or the two lock in phase), ROC_BENCH_CONSOLE_S (30).
# ROC_BENCH_POOL (the service's database connections per process; unset: its default).
# ROC_BENCH_R2R=false publishes the services without ReadyToRun (the images ship with it).
# ROC_BENCH_ON_DUTY=false stores no rosters and registers no browsers (as runs before 2026-12-06: every notification
# then fails for want of a channel and becomes an operator alert); by default the people on duty get a push each.
# ROC_BENCH_SMS=true gives the people on duty a mobile number each at an SMS gateway inside the benchmark (urgent steps are then
# followed by an SMS ROC_BENCH_SMS_AFTER later, 00:00:05 by default; nobody takes a case); off by default.
# ROC_BENCH_HOME=none submits every case without a home municipality, so the socialjour takes each one at any hour
# (the night's load on its ten consoles, by day); a four-digit code sends every case from that municipality; unset, a
# random participating municipality per case, so the hour decides who takes it.
# Only a run of every phase writes bench/results/latest.json; a subset writes its own <timestamp>.json.
# ROC_PG_OPTIONS="-c shared_preload_libraries=pg_stat_statements" adds the statements per case of the latency phase and the drain.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

"$root/deploy/local/servers.sh" install
command -v pgbench >/dev/null || { echo "[bench] pgbench is missing (Debian: postgresql-contrib or postgresql-client)" >&2; exit 1; }

work=$(mktemp -d /tmp/roc-bench-XXXXXX)
chmod 755 "$work" # PostgreSQL runs as its own user and must reach its data folder
read -r pg amqp dist epmd http < <(python3 - <<'PY'
import socket
socks = [socket.socket() for _ in range(5)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
)
cleanup() {
  # The load generator starts the services; if it was killed, they outlive it, and would take CPU
  # beside the next run's pair.
  pkill -9 -f "$work/publish/" 2>/dev/null || true
  ROC_PG_PORT=$pg ROC_AMQP_PORT=$amqp "$root/deploy/local/servers.sh" stop "$work/servers" || true
  [ "${ROC_BENCH_KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo "[bench] building (Release) and publishing the API and the worker as the containers do (ReadyToRun)"
dotnet build RocRouting.sln -c Release -v quiet -nologo
for app in Api Worker; do
  dotnet publish "src/RocRouting.$app/RocRouting.$app.csproj" -c Release -r linux-x64 --self-contained false \
    -p:PublishReadyToRun=${ROC_BENCH_R2R:-true} -o "$work/publish/$app" -v quiet -nologo
  # Published builds leave the development settings out (their keys are public); the benchmark runs
  # the services in Development on this machine's throw-away servers, so it puts them back.
  cp "src/RocRouting.$app/appsettings.Development.json" "$work/publish/$app/"
done
ROC_PG_PORT=$pg ROC_AMQP_PORT=$amqp ROC_RABBIT_DIST_PORT=$dist ROC_EPMD_PORT=$epmd \
  "$root/deploy/local/servers.sh" start "$work/servers"

ROC_BENCH_API_DLL=$work/publish/Api/RocRouting.Api.dll ROC_BENCH_WORKER_DLL=$work/publish/Worker/RocRouting.Worker.dll \
ROC_BENCH_ROOT=$root ROC_BENCH_WORK=$work ROC_BENCH_PG_PORT=$pg ROC_BENCH_AMQP_PORT=$amqp ROC_BENCH_HTTP_PORT=$http \
  dotnet "bench/RocRouting.Bench/bin/Release/net10.0/RocRouting.Bench.dll"
