#!/usr/bin/env bash
# A local Orleans.Chat cluster on loopback: the store, N silos, M API hosts (cluster clients) and HAProxy in front.
#
#   eval "$(scripts/cluster.sh up [--store postgres|azure] [--silos 3] [--apis 2] [--dir DIR] [--no-build])"
#       builds (unless --no-build), starts the store (PostgreSQL via scripts/postgres.sh, or Azurite via
#       scripts/azurite.sh; an already exported ORLEANS_CHAT_TEST_POSTGRES / ORLEANS_CHAT_TEST_AZURITE is reused with
#       a fresh schema / cluster id), the silos and API hosts on free ports, and HAProxy (Debian's package, installed
#       if missing) on one address; waits until all answer /health and prints
#       `export ORLEANS_CHAT_CLUSTER_URL=... ORLEANS_CHAT_CLUSTER_DIR=... ORLEANS_CHAT_CLUSTER_ADMIN_KEY=...` (the admin
#       key is ORLEANS_CHAT_CLUSTER_ADMIN_KEY when set, else random; ORLEANS_CHAT_CLUSTER_ARGS is appended to every
#       process's command line).
#   scripts/cluster.sh start-silo N | start-api N   (re)starts one process with the same name, ports and settings
#   scripts/cluster.sh down [--dir DIR]             stops everything it started (default: the last cluster's folder)
#
# Everything lives in one folder (default a new temp dir): per process NAME.pid, NAME.log, NAME.cmd (its command line,
# which start-silo/start-api rerun) and NAME.url; haproxy.cfg; cluster.env. Only the export line goes to stdout.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
last_file="${TMPDIR:-/tmp}/orleans-chat-cluster-$(printf '%s' "$repo" | cksum | cut -d' ' -f1).dir"
silo_dll="$repo/src/Silo/bin/Release/net10.0/Orleans.Chat.Silo.dll"
api_dll="$repo/src/Api/bin/Release/net10.0/Orleans.Chat.Api.dll"

log() { printf 'cluster.sh: %s\n' "$*" >&2; }

free_port() {
  local port
  for _ in $(seq 1 200); do
    # Below the kernel's ephemeral range: a port there can be the local end of an outgoing connection, which a
    # connect probe does not see and which makes the bind fail.
    port=$(( 10000 + RANDOM % ($(cut -f1 /proc/sys/net/ipv4/ip_local_port_range) - 10000) ))
    # Not one this script handed out already (nothing listens there until its process starts).
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && ! grep -qx "$port" "$dir/ports" 2>/dev/null; then
      echo "$port" >>"$dir/ports"
      printf '%s\n' "$port"
      return 0
    fi
  done
  log "no free port found"
  return 1
}

wait_healthy() { # name url
  for _ in $(seq 1 300); do
    if curl -fsS -m 2 "$2/health" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; then
      log "$1 exited; last lines of $dir/$1.log:"; tail -20 "$dir/$1.log" >&2; return 1
    fi
    sleep 0.2
  done
  log "$1 did not become healthy at $2"; return 1
}

launch() { # name: runs NAME.cmd in the background, logging to NAME.log
  local name=$1
  # shellcheck disable=SC2046
  (cd "$dir" && exec setsid bash "$dir/$name.cmd" >>"$dir/$name.log" 2>&1) &
  echo $! >"$dir/$name.pid"
}

start_process() { # name
  launch "$1"
  wait_healthy "$1" "$(cat "$dir/$1.url")"
  log "$1 up at $(cat "$dir/$1.url") (pid $(cat "$dir/$1.pid"))"
}

load_dir() {
  dir=${dir:-${ORLEANS_CHAT_CLUSTER_DIR:-$(cat "$last_file" 2>/dev/null || true)}}
  [ -n "$dir" ] && [ -f "$dir/cluster.env" ] || { log "no cluster (no cluster.env in '${dir:-}')"; exit 1; }
  # shellcheck disable=SC1091
  source "$dir/cluster.env"
}

up() {
  local store=postgres silos=3 apis=2 build=1
  while [ $# -gt 0 ]; do
    case "$1" in
      --store) store=$2; shift 2 ;;
      --silos) silos=$2; shift 2 ;;
      --apis) apis=$2; shift 2 ;;
      --dir) dir=$2; shift 2 ;;
      --no-build) build=0; shift ;;
      *) log "unknown option $1"; exit 2 ;;
    esac
  done
  dir=${dir:-$(mktemp -d "${TMPDIR:-/tmp}/orleans-chat-cluster.XXXXXX")}
  mkdir -p "$dir"
  printf '%s\n' "$dir" >"$last_file"
  command -v haproxy >/dev/null || { log "installing haproxy"; { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy; } >&2; }
  if [ "$build" = 1 ]; then
    log "building"
    dotnet build "$repo/src/Silo" -c Release -nologo -clp:ErrorsOnly >&2
    dotnet build "$repo/src/Api" -c Release -nologo -clp:ErrorsOnly >&2
  fi

  local id started_store="" admin_key settings
  id="c$(date +%s)$RANDOM"
  admin_key=${ORLEANS_CHAT_CLUSTER_ADMIN_KEY:-cluster-admin-$RANDOM$RANDOM}
  case "$store" in
    postgres)
      if [ -z "${ORLEANS_CHAT_TEST_POSTGRES:-}" ]; then eval "$("$repo/scripts/postgres.sh" start)"; started_store=postgres; fi
      settings="--Storage:Provider=Postgres --Cluster:Provider=Postgres --ConnectionStrings:Postgres='$ORLEANS_CHAT_TEST_POSTGRES' --Storage:Postgres:Schema=$id" ;;
    azure)
      if [ -z "${ORLEANS_CHAT_TEST_AZURITE:-}" ]; then eval "$("$repo/scripts/azurite.sh" start)"; started_store=azure; fi
      settings="--Storage:Provider=AzureStorage --Cluster:Provider=AzureStorage --ConnectionStrings:AzureStorage='$ORLEANS_CHAT_TEST_AZURITE' --Storage:Azure:MessageTableName=m$id --Storage:Azure:ReminderTableName=r$id --Storage:Azure:RosterTableName=u$id --Storage:Azure:GrainStateContainerName=g$id" ;;
    *) log "--store must be postgres or azure"; exit 2 ;;
  esac
  settings="$settings --Cluster:ClusterId=$id --Cluster:ServiceId=$id --Silo:AdvertisedAddress=127.0.0.1 --Logging:LogLevel:Default=Warning --Logging:LogLevel:Microsoft.Hosting.Lifetime=Information --Logging:Console:FormatterOptions:TimestampFormat='HH:mm:ss.fff ' --Logging:Console:FormatterOptions:UseUtcTimestamp=true ${ORLEANS_CHAT_CLUSTER_ARGS:-}"

  local lb_port
  lb_port=$(free_port)
  cat >"$dir/cluster.env" <<EOF
ORLEANS_CHAT_CLUSTER_URL=http://127.0.0.1:$lb_port
ORLEANS_CHAT_CLUSTER_DIR=$dir
ORLEANS_CHAT_CLUSTER_ADMIN_KEY=$admin_key
ORLEANS_CHAT_CLUSTER_STORE=$store
ORLEANS_CHAT_CLUSTER_STARTED_STORE=$started_store
ORLEANS_CHAT_CLUSTER_SILOS=$silos
ORLEANS_CHAT_CLUSTER_APIS=$apis
ORLEANS_CHAT_PG_DATA=${ORLEANS_CHAT_PG_DATA:-}
ORLEANS_CHAT_AZURITE_DIR=${ORLEANS_CHAT_AZURITE_DIR:-}
EOF

  local i http
  for i in $(seq 1 "$silos"); do
    http=$(free_port)
    echo "http://127.0.0.1:$http" >"$dir/silo-$i.url"
    echo "exec dotnet '$silo_dll' $settings --Silo:Name=silo-$i --Silo:Port=$(free_port) --Silo:GatewayPort=$(free_port) --urls=http://127.0.0.1:$http" >"$dir/silo-$i.cmd"
    start_process "silo-$i"
  done

  local servers=""
  for i in $(seq 1 "$apis"); do
    http=$(free_port)
    echo "http://127.0.0.1:$http" >"$dir/api-$i.url"
    echo "exec dotnet '$api_dll' $settings --Api:Mode=Client --Admin:ApiKey=$admin_key --RateLimits:SignInPerMinute=1000000 --urls=http://127.0.0.1:$http" >"$dir/api-$i.cmd"
    start_process "api-$i"
    servers="$servers    server api-$i 127.0.0.1:$http check\n"
  done

  # HTTP mode for REST, and WebSocket upgrades become tunnels; an API host that fails /health twice is taken out.
  printf '%b' "global
    maxconn 9000
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
    retries 3
    option redispatch
frontend chat
    bind 127.0.0.1:$lb_port
    default_backend apis
backend apis
    balance leastconn
    option httpchk GET /health
    default-server inter 1s fall 2 rise 1
$servers" >"$dir/haproxy.cfg"
  haproxy -f "$dir/haproxy.cfg" -D -p "$dir/haproxy.pid"
  for _ in $(seq 1 100); do curl -fsS -m 2 "http://127.0.0.1:$lb_port/health" >/dev/null 2>&1 && break; sleep 0.1; done
  log "cluster up behind http://127.0.0.1:$lb_port ($silos silos, $apis API hosts, $store; files in $dir)"
  grep -E '^ORLEANS_CHAT_CLUSTER_(URL|DIR|ADMIN_KEY)=' "$dir/cluster.env" | sed 's/^/export /'
}

down() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --dir) dir=$2; shift 2 ;;
      *) log "unknown option $1"; exit 2 ;;
    esac
  done
  load_dir
  local pid_file
  for pid_file in "$dir"/*.pid; do
    [ -f "$pid_file" ] || continue
    kill -TERM -- "-$(cat "$pid_file")" 2>/dev/null || kill -TERM "$(cat "$pid_file")" 2>/dev/null || true
  done
  sleep 1
  for pid_file in "$dir"/*.pid; do
    [ -f "$pid_file" ] || continue
    kill -KILL -- "-$(cat "$pid_file")" 2>/dev/null || kill -KILL "$(cat "$pid_file")" 2>/dev/null || true
    rm -f "$pid_file"
  done
  case "${ORLEANS_CHAT_CLUSTER_STARTED_STORE:-}" in
    postgres) ORLEANS_CHAT_PG_DATA=$ORLEANS_CHAT_PG_DATA "$repo/scripts/postgres.sh" stop ;;
    azure) ORLEANS_CHAT_AZURITE_DIR=$ORLEANS_CHAT_AZURITE_DIR "$repo/scripts/azurite.sh" stop ;;
  esac
  log "cluster in $dir stopped"
}

command=${1:-}
shift || true
dir=""
case "$command" in
  up) up "$@" ;;
  down) down "$@" ;;
  start-silo) load_dir; start_process "silo-$1" ;;
  start-api) load_dir; start_process "api-$1" ;;
  *) echo "usage: $0 up [--store postgres|azure] [--silos N] [--apis M] [--dir DIR] [--no-build] | down [--dir DIR] | start-silo N | start-api N" >&2; exit 2 ;;
esac
