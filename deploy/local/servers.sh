#!/usr/bin/env bash
# PostgreSQL and RabbitMQ as this project's own processes, with their data in one folder.
# Used by run.sh (a persistent folder, fixed ports) and by the test fixtures (a temp folder, free ports).
#
#   servers.sh install                 install the Debian packages if they are missing
#   servers.sh start DIR               start both servers (initialising DIR on first use)
#   servers.sh stop DIR                stop both servers started in DIR
#
# Ports come from ROC_PG_PORT, ROC_AMQP_PORT, ROC_RABBIT_DIST_PORT, ROC_EPMD_PORT; start records them
# in DIR/ports.env so that stop finds the same processes.
set -euo pipefail

log() { printf '[servers] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] || { log "PostgreSQL is not installed (run: $0 install)"; exit 1; }
  echo "$dir"
}

# PostgreSQL refuses to run as root: as root, run it as the postgres system user on a folder it owns.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install() {
  local missing=()
  # "install browser": the console's browser tests also need Debian's Chromium (Playwright drives it).
  if [ "${1:-}" = browser ]; then [ -x /usr/bin/chromium ] || missing+=(chromium); fi
  ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || missing+=(postgresql)
  [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
  command -v curl >/dev/null || missing+=(curl)
  command -v openssl >/dev/null || missing+=(openssl)
  if [ ${#missing[@]} -eq 0 ]; then return 0; fi
  log "installing ${missing[*]} (Debian packages; the system services are not used)"
  # The packages would start system-wide services we never use (and that fail where there is no init
  # system); a temporary policy-rc.d asks them not to, and goes away afterwards.
  local policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d'
  fi
  local status=0
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || status=$?
  [ $status -eq 0 ] && { as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || status=$?; }
  [ -n "$policy" ] && as_root rm -f "$policy"
  return $status
}

load_ports() {
  local dir=$1
  if [ -f "$dir/ports.env" ]; then
    # shellcheck disable=SC1091
    . "$dir/ports.env"
  fi
  PG_PORT=${ROC_PG_PORT:-${PG_PORT:-55432}}
  AMQP_PORT=${ROC_AMQP_PORT:-${AMQP_PORT:-55672}}
  DIST_PORT=${ROC_RABBIT_DIST_PORT:-${DIST_PORT:-$((AMQP_PORT + 1))}}
  EPMD_PORT=${ROC_EPMD_PORT:-${EPMD_PORT:-$((AMQP_PORT + 2))}}
}

rabbit_env() {
  local dir=$1
  export HOME="$dir/rabbitmq"
  export RABBITMQ_NODENAME="roc${AMQP_PORT}@localhost"
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT=$AMQP_PORT
  export RABBITMQ_DIST_PORT=$DIST_PORT
  export ERL_EPMD_PORT=$EPMD_PORT
  export ERL_EPMD_ADDRESS=127.0.0.1
  export RABBITMQ_MNESIA_BASE="$dir/rabbitmq/mnesia"
  export RABBITMQ_LOG_BASE="$dir/rabbitmq/log"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/rabbitmq/enabled_plugins"
  export RABBITMQ_CONFIG_FILE="$dir/rabbitmq/rabbitmq"
  export RABBITMQ_PID_FILE="$dir/rabbitmq/rabbitmq.pid"
}

wait_for_port() {
  local port=$1 what=$2 deadline=$((SECONDS + ${3:-60}))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then log "$what did not open port $port in time"; return 1; fi
    sleep 0.2
  done
}

# ROC_SERVERS="rabbitmq" (or "postgres") limits start and stop to one server: tests stop and restart
# a broker of their own to see the service recover.
wants() { [[ " ${ROC_SERVERS:-postgres rabbitmq} " == *" $1 "* ]]; }

start() {
  local dir=$1
  if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then
    log "PostgreSQL or RabbitMQ is not installed: run '$0 install' first"
    exit 1
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  load_ports "$dir"
  printf 'PG_PORT=%s\nAMQP_PORT=%s\nDIST_PORT=%s\nEPMD_PORT=%s\n' "$PG_PORT" "$AMQP_PORT" "$DIST_PORT" "$EPMD_PORT" > "$dir/ports.env"

  if wants postgres; then start_postgres "$dir"; fi
  if wants rabbitmq; then start_rabbitmq "$dir"; fi
  log "PostgreSQL on 127.0.0.1:$PG_PORT, RabbitMQ on 127.0.0.1:$AMQP_PORT (data in $dir; started: ${ROC_SERVERS:-postgres rabbitmq})"
}

start_postgres() {
  local dir=$1 bin
  bin=$(pg_bin)
  if [ ! -f "$dir/postgres/PG_VERSION" ]; then
    mkdir -p "$dir/postgres"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir" "$dir/postgres"
    # SCRAM passwords, not trust: with trust any local user is a superuser on this port. The
    # superuser's password is generated here and kept beside the data (postgres-password, mode 600),
    # where run.sh, the tests and the benchmark read it.
    (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$dir/postgres-password")
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir/postgres-password"
    as_pg "$bin/initdb" -D "$dir/postgres" -U postgres --auth-local=scram-sha-256 --auth-host=scram-sha-256 \
      --pwfile="$dir/postgres-password" -E UTF8 --no-locale >/dev/null
  fi
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  if ! as_pg "$bin/pg_ctl" -D "$dir/postgres" status >/dev/null 2>&1; then
    # fsync stays on unless asked: ROC_PG_FAST=1 is for throw-away test servers only. ROC_PG_OPTIONS adds
    # server settings, e.g. "-c shared_preload_libraries=pg_stat_statements" to see where a benchmark's time goes.
    local fast=""
    [ "${ROC_PG_FAST:-0}" = 1 ] && fast="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    as_pg "$bin/pg_ctl" -D "$dir/postgres" -l "$dir/postgres.log" -w -t 60 \
      -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $dir/postgres -c max_connections=200 $fast ${ROC_PG_OPTIONS:-}" start >/dev/null
  fi
}

start_rabbitmq() {
  local dir=$1
  rabbit_env "$dir"
  mkdir -p "$RABBITMQ_MNESIA_BASE" "$RABBITMQ_LOG_BASE"
  [ -f "$RABBITMQ_ENABLED_PLUGINS_FILE" ] || echo "[${ROC_RABBIT_PLUGINS:-}]." > "$RABBITMQ_ENABLED_PLUGINS_FILE"
  [ -f "$RABBITMQ_CONFIG_FILE.conf" ] || printf 'loopback_users.guest = true\nlisteners.tcp.default = 127.0.0.1:%s\n' "$AMQP_PORT" > "$RABBITMQ_CONFIG_FILE.conf"
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$AMQP_PORT") 2>/dev/null; then
    nohup /usr/lib/rabbitmq/bin/rabbitmq-server > "$dir/rabbitmq/server.out" 2>&1 &
    echo $! > "$dir/rabbitmq/launcher.pid"
    wait_for_port "$AMQP_PORT" RabbitMQ 90 || { tail -n 30 "$dir/rabbitmq/server.out" >&2; exit 1; }
    # RabbitMQ before 3.12.13 (Debian 12 ships 3.10.8; the Compose file runs 3.13) makes sure of epmd
    # once a minute by booting a whole Erlang VM (rabbitmq-server#10457): a burst of CPU that, on two
    # cores, delayed the cases in flight (README, Performance). This node started its epmd itself, so
    # the check is stopped; if epmd ever dies, `stop` below still ends the node.
    /usr/lib/rabbitmq/bin/rabbitmqctl eval 'supervisor:terminate_child(rabbit_sup, rabbit_epmd_monitor_sup).' >/dev/null 2>&1 \
      || log "RabbitMQ's epmd monitor is still running (an Erlang VM is started once a minute)"
  fi
}

stop() {
  local dir=$1
  [ -d "$dir" ] || return 0
  dir=$(cd "$dir" && pwd)
  load_ports "$dir"
  rabbit_env "$dir"
  if wants rabbitmq && [ -f "$RABBITMQ_PID_FILE" ]; then
    /usr/lib/rabbitmq/bin/rabbitmqctl stop "$RABBITMQ_PID_FILE" >/dev/null 2>&1 \
      || kill -9 "$(cat "$RABBITMQ_PID_FILE")" 2>/dev/null || true
  fi
  if wants rabbitmq; then epmd -kill >/dev/null 2>&1 || true; fi
  local bin
  bin=$(pg_bin)
  if wants postgres && [ -f "$dir/postgres/postmaster.pid" ]; then
    as_pg "$bin/pg_ctl" -D "$dir/postgres" -m fast -w -t 30 stop >/dev/null 2>&1 || true
  fi
}

cmd=${1:-}
case "$cmd" in
  install) install "${2:-}" ;;
  start) [ $# -eq 2 ] || { echo "usage: $0 start DIR" >&2; exit 2; }; start "$2" ;;
  stop) [ $# -eq 2 ] || { echo "usage: $0 stop DIR" >&2; exit 2; }; stop "$2" ;;
  *) echo "usage: $0 install [browser] | start DIR | stop DIR" >&2; exit 2 ;;
esac
