#!/usr/bin/env bash
# A cluster you can break, on one machine, as this project's own processes (like servers.sh):
#   - RabbitMQ: three nodes clustered (roc1..roc3), quorum queues for every queue the service declares;
#   - PostgreSQL: two instances managed by Patroni 3 (etcd as its store), synchronous replication,
#     automatic failover;
#   - HAProxy: one front for the two APIs (HTTP) and one for the three RabbitMQ nodes (AMQP);
#   - two API instances and two workers.
#
#   cluster.sh up                 install what is missing, build, start everything (data in .cluster/)
#   cluster.sh down               stop everything (the data stays; "down --purge" deletes it)
#   cluster.sh status             what runs, which PostgreSQL is the primary, the RabbitMQ cluster
#   cluster.sh kill NAME          kill -9 one process: rabbit1|rabbit2|rabbit3|pg1|pg2|pg-primary|api1|api2|worker1|worker2
#   cluster.sh start NAME         start it again
#   cluster.sh env                the connection settings, for a shell or a load generator (eval "$(cluster.sh env)")
#
# Why these choices: the application reaches PostgreSQL through a multi-host connection string with
# Target Session Attributes=primary (Npgsql asks each host whether it is the primary; no extra hop or
# process to fail), and RabbitMQ through HAProxy (one address, the broker's nodes behind it; a client
# cut off by a dead node reconnects to a live one). Synchronous replication with Patroni's
# synchronous_mode: a commit is acknowledged only once the standby has it, and Patroni promotes only
# the synchronous standby, so a failover loses no acknowledged commit.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${ROC_CLUSTER_DIR:-$root/.cluster}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log() { printf '[cluster] %s\n' "$*" >&2; }

# Ports (all on 127.0.0.1).
ETCD_CLIENT=52379 ETCD_PEER=52380
PG_PORTS=(55441 55442) PATRONI_PORTS=(58441 58442)
AMQP_PORTS=(56721 56722 56723) DIST_PORTS=(56731 56732 56733) EPMD_PORT=56700
AMQP_FRONT=56720 HTTP_FRONT=${ROC_CLUSTER_HTTP_PORT:-5100} API_PORTS=(5101 5102) HAPROXY_STATS=5199

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

install_packages() {
  "$root/deploy/local/servers.sh" install
  local missing=()
  command -v patroni >/dev/null || missing+=(patroni)
  command -v etcd >/dev/null || missing+=(etcd-server)
  command -v haproxy >/dev/null || missing+=(haproxy)
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} (Debian packages; the system services are not used)"
  local policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy"
  fi
  local status=0
  DEBIAN_FRONTEND=noninteractive apt-get update -qq || status=$?
  [ $status -eq 0 ] && { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || status=$?; }
  [ -n "$policy" ] && rm -f "$policy"
  return $status
}

wait_for_port() {
  local port=$1 what=$2 deadline=$((SECONDS + ${3:-60}))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then log "$what did not open port $port in time"; return 1; fi
    sleep 0.3
  done
}

running() { [ -f "$dir/pids/$1" ] && kill -0 "$(cat "$dir/pids/$1")" 2>/dev/null; }

# Starts a command in the background with its output in logs/NAME.log and its pid in pids/NAME.
launch() {
  local name=$1; shift
  if running "$name"; then return 0; fi
  setsid nohup "$@" >>"$dir/logs/$name.log" 2>&1 </dev/null &
  echo $! > "$dir/pids/$name"
}

secrets() {
  if [ ! -f "$dir/secrets.env" ]; then
    umask 077
    {
      printf 'PG_SUPERUSER_PASSWORD=%s\n' "$(openssl rand -hex 16)"
      printf 'PG_REPLICATION_PASSWORD=%s\n' "$(openssl rand -hex 16)"
      printf 'PG_REWIND_PASSWORD=%s\n' "$(openssl rand -hex 16)"
      printf 'PG_APP_PASSWORD=%s\n' "$(openssl rand -hex 16)"
    } > "$dir/secrets.env"
  fi
  # shellcheck disable=SC1091
  . "$dir/secrets.env"
  if [ -z "${PG_OWNER_PASSWORD:-}" ]; then
    PG_OWNER_PASSWORD=$(openssl rand -hex 16)
    printf 'PG_OWNER_PASSWORD=%s\n' "$PG_OWNER_PASSWORD" >> "$dir/secrets.env"
  fi
  if [ -z "${WEBHOOK_SECRET:-}" ]; then
    WEBHOOK_SECRET=$(openssl rand -hex 24)
    printf 'WEBHOOK_SECRET=%s\n' "$WEBHOOK_SECRET" >> "$dir/secrets.env"
  fi
}

# Four service processes and the fault client, 50 connections each at most, stay below the servers'
# max_connections (300) with room for Patroni and replication: at Npgsql's default of 100 the pools
# outgrew the server under load, and connection attempts failed instead of waiting for a connection.
# The services connect as rocrouting_app; `connection_string owner` is the schema owner, for migrate.
connection_string() {
  local user=rocrouting_app password=$PG_APP_PASSWORD
  if [ "${1:-}" = owner ]; then user=rocrouting password=$PG_OWNER_PASSWORD; fi
  echo "Host=127.0.0.1:${PG_PORTS[0]},127.0.0.1:${PG_PORTS[1]};Database=rocrouting;Username=$user;Password=$password;Target Session Attributes=primary;Timeout=5;Command Timeout=15;Maximum Pool Size=50"
}

# --- etcd (Patroni's store) ---------------------------------------------------------------------
start_etcd() {
  mkdir -p "$dir/etcd"
  launch etcd etcd --name roc-etcd --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT" --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" \
    --initial-cluster "roc-etcd=http://127.0.0.1:$ETCD_PEER" --initial-cluster-state new
  wait_for_port "$ETCD_CLIENT" etcd 30
}

# --- PostgreSQL under Patroni -------------------------------------------------------------------
patroni_config() {
  local i=$1 name="pg$(( $1 + 1 ))"
  local home="$dir/$name"
  mkdir -p "$home"
  cat > "$home/patroni.yml" <<YAML
scope: rocrouting
name: $name
restapi:
  listen: 127.0.0.1:${PATRONI_PORTS[$i]}
  connect_address: 127.0.0.1:${PATRONI_PORTS[$i]}
etcd3:
  hosts: 127.0.0.1:$ETCD_CLIENT
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 2
    retry_timeout: 5
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      parameters:
        max_connections: 300
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        password_encryption: scram-sha-256
  initdb:
    - encoding: UTF8
    - no-locale
  pg_hba:
    - local all postgres peer
    - host replication replicator 127.0.0.1/32 scram-sha-256
    - host all all 127.0.0.1/32 scram-sha-256
postgresql:
  listen: 127.0.0.1:${PG_PORTS[$i]}
  connect_address: 127.0.0.1:${PG_PORTS[$i]}
  data_dir: $home/data
  bin_dir: $(pg_bin)
  pgpass: $home/pgpass
  authentication:
    superuser: {username: postgres, password: "$PG_SUPERUSER_PASSWORD"}
    replication: {username: replicator, password: "$PG_REPLICATION_PASSWORD"}
    rewind: {username: rewinder, password: "$PG_REWIND_PASSWORD"}
  parameters:
    unix_socket_directories: "$home"
YAML
  chown -R postgres "$home"
  chmod 700 "$home"
}

start_pg() {
  local i=$1 name="pg$(( $1 + 1 ))"
  patroni_config "$i"
  # PostgreSQL refuses to run as root: Patroni runs it as the postgres system user.
  launch "$name" runuser -u postgres -- patroni "$dir/$name/patroni.yml"
}

primary() {
  local i
  for i in 0 1; do
    if curl -fsS -o /dev/null "http://127.0.0.1:${PATRONI_PORTS[$i]}/primary" 2>/dev/null; then echo "pg$((i + 1))"; return 0; fi
  done
  return 1
}

primary_port() { local p; p=$(primary) || return 1; echo "${PG_PORTS[$(( ${p#pg} - 1 ))]}"; }

wait_for_primary() {
  local deadline=$((SECONDS + ${1:-90}))
  until primary >/dev/null; do
    if [ $SECONDS -ge $deadline ]; then log "no PostgreSQL primary in time (see $dir/logs/pg*.log)"; return 1; fi
    sleep 1
  done
}

create_app_database() {
  local port
  port=$(primary_port)
  psql_su() { PGPASSWORD=$PG_SUPERUSER_PASSWORD psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtAc "$1"; }
  # rocrouting owns the schema (the migrate step only); rocrouting_app is granted data access by migrate.
  if [ "$(psql_su "SELECT 1 FROM pg_roles WHERE rolname = 'rocrouting'")" != 1 ]; then
    psql_su "CREATE ROLE rocrouting LOGIN"
  fi
  psql_su "ALTER ROLE rocrouting PASSWORD '$PG_OWNER_PASSWORD'"
  if [ "$(psql_su "SELECT 1 FROM pg_roles WHERE rolname = 'rocrouting_app'")" != 1 ]; then
    psql_su "CREATE ROLE rocrouting_app LOGIN"
  fi
  psql_su "ALTER ROLE rocrouting_app PASSWORD '$PG_APP_PASSWORD'"
  if [ "$(psql_su "SELECT 1 FROM pg_database WHERE datname = 'rocrouting'")" != 1 ]; then
    psql_su "CREATE DATABASE rocrouting OWNER rocrouting"
  fi
}

# --- RabbitMQ: three clustered nodes --------------------------------------------------------------
rabbit_env() {
  local i=$1 home="$dir/rabbit$(( $1 + 1 ))"
  export HOME="$home"
  export RABBITMQ_NODENAME="roc$(( i + 1 ))@localhost"
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT=${AMQP_PORTS[$i]}
  export RABBITMQ_DIST_PORT=${DIST_PORTS[$i]}
  export ERL_EPMD_PORT=$EPMD_PORT
  export ERL_EPMD_ADDRESS=127.0.0.1
  export RABBITMQ_MNESIA_BASE="$home/mnesia"
  export RABBITMQ_LOG_BASE="$home/log"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$home/enabled_plugins"
  export RABBITMQ_CONFIG_FILE="$home/rabbitmq"
  export RABBITMQ_PID_FILE="$home/rabbitmq.pid"
}

start_rabbit() {
  local i=$1 name="rabbit$(( $1 + 1 ))"
  (
    rabbit_env "$i"
    mkdir -p "$RABBITMQ_MNESIA_BASE" "$RABBITMQ_LOG_BASE"
    # One Erlang cookie for the three nodes: they may talk to each other.
    [ -f "$dir/erlang.cookie" ] || { openssl rand -hex 20 > "$dir/erlang.cookie"; chmod 400 "$dir/erlang.cookie"; }
    install -m 400 "$dir/erlang.cookie" "$HOME/.erlang.cookie"
    echo "[]." > "$RABBITMQ_ENABLED_PLUGINS_FILE"
    printf 'listeners.tcp.default = 127.0.0.1:%s\nloopback_users.guest = true\ncluster_partition_handling = pause_minority\n' \
      "${AMQP_PORTS[$i]}" > "$RABBITMQ_CONFIG_FILE.conf"
    launch "$name" /usr/lib/rabbitmq/bin/rabbitmq-server
    [ "${2:-wait}" = nowait ] || wait_for_port "${AMQP_PORTS[$i]}" "$name" 120
  )
}

rabbitmqctl_on() {
  local i=$1; shift
  (rabbit_env "$i"; /usr/lib/rabbitmq/bin/rabbitmqctl -n "$RABBITMQ_NODENAME" "$@")
}

join_rabbit_cluster() {
  local i
  for i in 1 2; do
    if rabbitmqctl_on "$i" cluster_status 2>/dev/null | grep -q "roc1@localhost"; then continue; fi
    log "joining roc$((i + 1)) to roc1"
    rabbitmqctl_on "$i" stop_app >/dev/null
    rabbitmqctl_on "$i" join_cluster roc1@localhost >/dev/null
    rabbitmqctl_on "$i" start_app >/dev/null
  done
}

# --- HAProxy --------------------------------------------------------------------------------------
start_haproxy() {
  cat > "$dir/haproxy.cfg" <<CFG
global
  maxconn 4096
defaults
  timeout connect 2s
  timeout client 1h
  timeout server 1h
  timeout check 2s
listen api
  bind 127.0.0.1:$HTTP_FRONT
  mode http
  option httpchk GET /health/live
  balance roundrobin
  retries 2
  option redispatch
  server api1 127.0.0.1:${API_PORTS[0]} check inter 1s fall 2 rise 2
  server api2 127.0.0.1:${API_PORTS[1]} check inter 1s fall 2 rise 2
listen amqp
  bind 127.0.0.1:$AMQP_FRONT
  mode tcp
  option tcpka
  balance leastconn
  server roc1 127.0.0.1:${AMQP_PORTS[0]} check inter 1s fall 2 rise 2
  server roc2 127.0.0.1:${AMQP_PORTS[1]} check inter 1s fall 2 rise 2
  server roc3 127.0.0.1:${AMQP_PORTS[2]} check inter 1s fall 2 rise 2
listen stats
  bind 127.0.0.1:$HAPROXY_STATS
  mode http
  stats enable
  stats uri /
CFG
  launch haproxy haproxy -db -f "$dir/haproxy.cfg"
  wait_for_port "$HTTP_FRONT" haproxy 10
}

# --- The service ----------------------------------------------------------------------------------
# Every recipient's webhook goes to faults.sh's receiver, which counts what arrives (nothing listens
# there otherwise: deliveries then wait on their durable schedule, as with any receiver that is away).
WEBHOOK_URL="http://127.0.0.1:5190/roc"
RECIPIENTS=(social-emergency-service:stockholm)
for code in 0114 0115 0117 0120 0123 0125 0126 0127 0128 0136 0138 0139 0140 \
            0160 0162 0163 0180 0181 0182 0183 0184 0186 0187 0188 0191 0192; do
  RECIPIENTS+=("home-municipality:$code")
done

service_env() {
  export DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development
  export MALLOC_ARENA_MAX=2 # as the images set it (deploy/docker)
  export ConnectionStrings__Postgres
  ConnectionStrings__Postgres=$(connection_string)
  export RabbitMq__Url="amqp://guest:guest@127.0.0.1:$AMQP_FRONT/"
  # The memory ceiling: a GC heap of at most 256 MB per process (in a container the runtime takes 75%
  # of the container's memory limit instead). The overload row shows it holds.
  export DOTNET_GCHeapHardLimit=0x10000000
  # A one-minute immediate window, so the fault matrix sees deadlines fall due within a row.
  export Routing__ImmediateWindow=00:01:00
  local i=0 recipient
  for recipient in "${RECIPIENTS[@]}"; do
    export "Delivery__Webhooks__${i}__Recipient=$recipient" "Delivery__Webhooks__${i}__Url=$WEBHOOK_URL" \
      "Delivery__Webhooks__${i}__Secret=$WEBHOOK_SECRET"
    i=$((i + 1))
  done
}

bin=Release/net10.0

start_api() {
  local i=$1 name="api$(( $1 + 1 ))"
  (service_env; cd "$root/src/RocRouting.Api" && launch "$name" dotnet "bin/$bin/RocRouting.Api.dll" --urls "http://127.0.0.1:${API_PORTS[$i]}")
}

start_worker() {
  local name="worker$(( $1 + 1 ))"
  (service_env; cd "$root/src/RocRouting.Worker" && launch "$name" dotnet "bin/$bin/RocRouting.Worker.dll")
}

start_one() {
  case "$1" in
    etcd) start_etcd ;;
    pg1) start_pg 0 ;;
    pg2) start_pg 1 ;;
    rabbit1) start_rabbit 0 ;;
    rabbit2) start_rabbit 1 ;;
    rabbit3) start_rabbit 2 ;;
    haproxy) start_haproxy ;;
    api1) start_api 0 ;;
    api2) start_api 1 ;;
    worker1) start_worker 0 ;;
    worker2) start_worker 1 ;;
    *) log "unknown process: $1"; exit 2 ;;
  esac
}

up() {
  install_packages
  mkdir -p "$dir/pids" "$dir/logs"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  secrets
  log "building"
  (cd "$root" && dotnet build RocRouting.sln -c Release -v quiet -nologo)
  start_etcd
  start_pg 0
  start_pg 1
  wait_for_primary 120
  create_app_database
  # All three at once: a clustered node that restarts waits for its peers before it opens its port.
  start_rabbit 0 nowait
  start_rabbit 1 nowait
  start_rabbit 2 nowait
  for i in 0 1 2; do wait_for_port "${AMQP_PORTS[$i]}" "rabbit$((i + 1))" 180; done
  join_rabbit_cluster
  start_haproxy
  log "migrating the database and declaring the broker topology (quorum queues, replicated on the three nodes)"
  (service_env; cd "$root/src/RocRouting.Worker" && ConnectionStrings__Postgres=$(connection_string owner) Database__ApplicationRole=rocrouting_app \
    dotnet "bin/$bin/RocRouting.Worker.dll" migrate)
  start_worker 0
  start_worker 1
  start_api 0
  start_api 1
  local deadline=$((SECONDS + 120))
  until curl -fs -o /dev/null "http://127.0.0.1:$HTTP_FRONT/health/ready"; do
    if [ $SECONDS -ge $deadline ]; then log "the service is not ready (see $dir/logs/)"; status; exit 1; fi
    sleep 1
  done
  status
  log "RocRouting runs at http://127.0.0.1:$HTTP_FRONT (HAProxy stats at http://127.0.0.1:$HAPROXY_STATS/)"
}

kill_one() {
  local name=$1
  if [ "$name" = pg-primary ]; then name=$(primary) || { log "no primary"; exit 1; }; fi
  case "$name" in
    pg1|pg2)
      # The PostgreSQL server itself (the postmaster), not only Patroni: as a crashed machine would be.
      local data="$dir/$name/data" pid
      pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)
      [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
      ;;
    rabbit1|rabbit2|rabbit3)
      local i=$(( ${name#rabbit} - 1 ))
      (rabbit_env "$i"; [ -f "$RABBITMQ_PID_FILE" ] && kill -9 "$(cat "$RABBITMQ_PID_FILE")" 2>/dev/null || true)
      ;;
  esac
  if [ -f "$dir/pids/$name" ]; then
    kill -9 -- "-$(cat "$dir/pids/$name")" 2>/dev/null || kill -9 "$(cat "$dir/pids/$name")" 2>/dev/null || true
    rm -f "$dir/pids/$name"
  fi
  log "killed $name"
}

stop_one() {
  local name=$1 pid
  [ -f "$dir/pids/$name" ] || return 0
  pid=$(cat "$dir/pids/$name")
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -9 -- "-$pid" 2>/dev/null || true
  rm -f "$dir/pids/$name"
}

down() {
  [ -d "$dir/pids" ] || return 0
  local name
  for name in api1 api2 worker1 worker2 haproxy; do stop_one "$name"; done
  for i in 0 1 2; do
    rabbitmqctl_on "$i" stop >/dev/null 2>&1 || true
    stop_one "rabbit$((i + 1))"
  done
  (ERL_EPMD_PORT=$EPMD_PORT epmd -kill >/dev/null 2>&1 || true)
  for name in pg1 pg2 etcd; do stop_one "$name"; done
  if [ "${1:-}" = --purge ]; then rm -rf "$dir"; log "deleted $dir"; fi
}

status() {
  local name
  for name in etcd pg1 pg2 rabbit1 rabbit2 rabbit3 haproxy api1 api2 worker1 worker2; do
    printf '%-8s %s\n' "$name" "$(running "$name" && echo running || echo stopped)"
  done
  printf 'primary  %s\n' "$(primary || echo none)"
  rabbitmqctl_on 0 cluster_status --formatter json 2>/dev/null \
    | python3 -c 'import json,sys; s=json.load(sys.stdin); print("rabbit   running nodes:", ", ".join(s.get("running_nodes", [])))' 2>/dev/null || true
}

print_env() {
  secrets
  echo "export ConnectionStrings__Postgres='$(connection_string)'"
  echo "export RabbitMq__Url='amqp://guest:guest@127.0.0.1:$AMQP_FRONT/'"
  echo "export ROC_URL='http://127.0.0.1:$HTTP_FRONT'"
}

case "${1:-}" in
  up) up ;;
  down) down "${2:-}" ;;
  status) status ;;
  kill) [ $# -eq 2 ] || { echo "usage: $0 kill NAME" >&2; exit 2; }; kill_one "$2" ;;
  start) [ $# -eq 2 ] || { echo "usage: $0 start NAME" >&2; exit 2; }; secrets; start_one "$2" ;;
  env) print_env ;;
  *) sed -n '2,20p' "$0" >&2; exit 2 ;;
esac
