#!/usr/bin/env bash
# The fault matrix: under an open-loop load of police submissions (retried with the same
# Idempotency-Key, as a real client must) and staff acknowledgements, with every recipient's webhook
# pointed at a receiver it controls (port 5190), injects each fault into the cluster of cluster.sh,
# lets it recover, and accounts for every case (lost, duplicated, recovery time, peak memory, what
# the client saw). Writes bench/results/faults.json and prints the README's table.
#
#   deploy/local/cluster.sh up && deploy/local/faults.sh
#   ROC_FAULTS=pg-primary-kill,worker-kill deploy/local/faults.sh     only these rows
#   ROC_FAULTS_RATE=10 ROC_FAULTS_OVERLOAD_RATE=60                     the load (cases/s)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
eval "$("$root/deploy/local/cluster.sh" env)"
curl -fs -o /dev/null "$ROC_URL/health/live" || { echo "[faults] the cluster is not up: run deploy/local/cluster.sh up" >&2; exit 1; }
dotnet build bench/RocRouting.Bench -c Release -v quiet -nologo
exec dotnet bench/RocRouting.Bench/bin/Release/net10.0/RocRouting.Bench.dll faults
