#!/usr/bin/env bash
# The backup and restore procedure, tried for real and timed: a PostgreSQL server of its own (as
# servers.sh starts them, fsync on) with a database of ROC_DRILL_SCALE x ~15 MB (pgbench's tables),
# a base backup with its WAL (pg_basebackup, compressed tar: what CloudNativePG's Barman backups hold
# too), a write after the backup, then a restore into an empty directory, recovery, and a check that
# every row is there. Prints the sizes and the times; removes everything afterwards.
# Usage: deploy/local/backup-drill.sh   (ROC_DRILL_SCALE=40 by default: about 0.75 GB)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
scale=${ROC_DRILL_SCALE:-40}
work=$(mktemp -d /tmp/roc-drill.XXXXXX)
chmod 755 "$work"
[ "$(id -u)" -eq 0 ] && chown postgres "$work"
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
source_port=$(free_port)
restore_port=$(free_port)
cleanup() {
  as_pg "$bin/pg_ctl" -D "$work/restored" -m immediate stop >/dev/null 2>&1 || true
  ROC_SERVERS=postgres "$root/deploy/local/servers.sh" stop "$work/source" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(now)"; }
log() { echo "[drill] $*"; }

ROC_SERVERS=postgres ROC_PG_PORT=$source_port "$root/deploy/local/servers.sh" start "$work/source" >/dev/null
export PGPASSWORD
PGPASSWORD=$(cat "$work/source/postgres-password")
psql_at() { psql -h 127.0.0.1 -p "$1" -U postgres -d drill -qtAc "$2"; }
psql -h 127.0.0.1 -p "$source_port" -U postgres -d postgres -qc "CREATE DATABASE drill"
t=$(now)
pgbench -h 127.0.0.1 -p "$source_port" -U postgres -i -s "$scale" -q drill >/dev/null 2>&1
# pgbench's rows are mostly blanks, which compress to nothing; cases are not: add text that does not.
psql_at "$source_port" "CREATE TABLE noise AS SELECT g, md5(random()::text) || md5(random()::text) || md5(random()::text) AS t
  FROM generate_series(1, $scale * 25000) g"
log "loaded $(psql_at "$source_port" "SELECT pg_size_pretty(pg_database_size('drill'))") in $(since "$t") s"

t=$(now)
pg_basebackup -h 127.0.0.1 -p "$source_port" -U postgres -D "$work/backup" -Ft -z -Xstream --checkpoint=fast 2>&1 \
  | grep -v 'skipping special file' || true
log "base backup (compressed tar with its WAL): $(du -sh "$work/backup" | cut -f1) in $(since "$t") s"
# Written after the backup: the restore must not have it (the point in time is the backup's end).
psql_at "$source_port" "CREATE TABLE after_backup (id int)"
expected=$(psql_at "$source_port" "SELECT count(*) FROM pgbench_accounts")

t=$(now)
mkdir -p "$work/restored"
tar -xzf "$work/backup/base.tar.gz" -C "$work/restored"
tar -xzf "$work/backup/pg_wal.tar.gz" -C "$work/restored/pg_wal"
chmod 700 "$work/restored"
[ "$(id -u)" -eq 0 ] && chown -R postgres "$work/restored"
as_pg "$bin/pg_ctl" -D "$work/restored" -l "$work/restored.log" -w -t 300 \
  -o "-p $restore_port -c listen_addresses=127.0.0.1 -k $work/restored" start >/dev/null
restored=$(psql_at "$restore_port" "SELECT count(*) FROM pgbench_accounts")
after=$(psql_at "$restore_port" "SELECT count(*) FROM pg_class WHERE relname = 'after_backup'")
log "restored, recovered and answering in $(since "$t") s"
if [ "$restored" != "$expected" ] || [ "$after" != 0 ]; then
  log "MISMATCH: $restored of $expected rows; a table written after the backup: $after"
  exit 1
fi
log "every row there ($restored accounts), nothing written after the backup"
