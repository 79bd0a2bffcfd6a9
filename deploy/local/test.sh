#!/usr/bin/env bash
# Runs every test. Installs PostgreSQL, RabbitMQ and Chromium from Debian's packages if missing; the test
# fixtures start throw-away servers on free loopback ports (or use ROC_TEST_POSTGRES and
# ROC_TEST_RABBITMQ when both are set) and remove them afterwards.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

"$root/deploy/local/servers.sh" install browser

# The Kubernetes manifests first: rendering and validating them takes seconds, and needs no cluster.
"$root/deploy/k8s/validate.sh"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT

status=0
# A test that hangs (a wait without a deadline, a lost message) fails the run after five minutes with a
# dump of the test host in TestResults/, instead of holding CI until its limit. A full dump: a hang is
# nearly always an await that never completes, which only the heap shows (dotnet-dump's dumpasync).
dotnet test RocRouting.sln -c Release --logger "console;verbosity=normal" \
  --blame-hang-timeout 5m --blame-hang-dump-type full --results-directory "$root/TestResults" "$@" 2>&1 | tee "$log" || status=$?

# A runner that keeps only the tail of the log still sees which test failed and why.
if grep -q '^  Failed ' "$log"; then
  echo "Failed tests, repeated from above:"
  grep -A 12 '^  Failed ' "$log" | cut -c1-400
fi

# One closing line for any runner that reads it: "N passed, N failed", summed over the test projects.
awk '
  /^ +Passed: +[0-9]+ *$/ { p += $2 }
  /^ +Failed: +[0-9]+ *$/ { f += $2 }
  END { printf "%d passed, %d failed\n", p, f }' "$log"
exit $status
