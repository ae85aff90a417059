#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests.
#
#   eval "$(scripts/postgres.sh start)"   installs the Debian package `postgresql` if its server binaries are missing,
#                                         initdb's a cluster in a temporary directory, starts it on 127.0.0.1 only, on a
#                                         free port, with fsync and synchronous_commit on, creates a database and prints
#                                         `export ORLEANS_CHAT_TEST_POSTGRES=...` (and the data directory, for stop).
#   scripts/postgres.sh stop              stops that cluster and removes its data directory.
#
# Both are idempotent: start in a shell that already started one (ORLEANS_CHAT_PG_DATA set, cluster running) prints the
# same lines again; stop with nothing running does nothing. Each start from a fresh shell gets its own cluster, and stop
# stops the one named by ORLEANS_CHAT_PG_DATA (else the last one started from this checkout), so two test runs in the
# same tree never stop each other's server. Everything except the export lines goes to stderr: stdout is safe to eval.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
state_file="${TMPDIR:-/tmp}/orleans-chat-postgres-$(printf '%s' "$repo" | cksum | cut -d' ' -f1).env"
database=orleans_chat_test

log() { printf 'postgres.sh: %s\n' "$*" >&2; }

find_bin_dir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
    printf '%s\n' "$dir"
  fi
}

# Runs a server binary as the postgres user when we are root (PostgreSQL refuses to run as root).
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  local port
  for _ in $(seq 1 200); do
    # Below the kernel's ephemeral range: a port there can be the local end of an outgoing connection, which a
    # connect probe does not see and which makes the bind fail.
    port=$(( 10000 + RANDOM % ($(cut -f1 /proc/sys/net/ipv4/ip_local_port_range) - 10000) ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      printf '%s\n' "$port"
      return 0
    fi
  done
  log "no free port found"
  return 1
}

running() { # data dir
  local bin_dir
  bin_dir=$(find_bin_dir)
  [ -n "$bin_dir" ] && [ -d "$1" ] && as_postgres "$bin_dir/pg_ctl" -D "$1" status >/dev/null 2>&1
}

start() {
  if [ -n "${ORLEANS_CHAT_PG_DATA:-}" ] && [ -f "$ORLEANS_CHAT_PG_DATA.env" ] && running "$ORLEANS_CHAT_PG_DATA"; then
    log "already running ($ORLEANS_CHAT_PG_DATA)"
    cat "$ORLEANS_CHAT_PG_DATA.env"
    return 0
  fi

  local bin_dir
  bin_dir=$(find_bin_dir)
  if [ -z "$bin_dir" ]; then
    log "installing the postgresql package"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update && apt-get install -y postgresql; } >&2
    bin_dir=$(find_bin_dir)
    if [ -z "$bin_dir" ]; then
      log "PostgreSQL server binaries not found after installing the package"
      return 1
    fi
  fi
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    log "user postgres is missing"
    return 1
  fi

  local data_dir port password
  data_dir=$(mktemp -d "${TMPDIR:-/tmp}/orleans-chat-pg.XXXXXX")
  chmod 0700 "$data_dir"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$data_dir"
  password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  port=$(free_port)

  printf '%s\n' "$password" >"$data_dir.pw"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$data_dir.pw"
  as_postgres "$bin_dir/initdb" -D "$data_dir" -U postgres -E UTF8 --locale=C \
    --auth-local=peer --auth-host=scram-sha-256 --pwfile="$data_dir.pw" >&2
  rm -f "$data_dir.pw"

  cat >>"$data_dir/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$data_dir'
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = 300
CONF

  if ! as_postgres "$bin_dir/pg_ctl" -D "$data_dir" -l "$data_dir/server.log" -w -t 60 start >&2; then
    log "the server did not start; its log:"
    cat "$data_dir/server.log" >&2 || true
    return 1
  fi
  as_postgres "$bin_dir/createdb" -h "$data_dir" -p "$port" -U postgres "$database" >&2

  {
    printf "export ORLEANS_CHAT_TEST_POSTGRES='Host=127.0.0.1;Port=%s;Username=postgres;Password=%s;Database=%s'\n" "$port" "$password" "$database"
    printf "export ORLEANS_CHAT_PG_DATA='%s'\n" "$data_dir"
  } >"$data_dir.env"
  cp "$data_dir.env" "$state_file"
  log "PostgreSQL $("$bin_dir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, data in $data_dir"
  cat "$data_dir.env"
}

stop() {
  local data_dir="${ORLEANS_CHAT_PG_DATA:-}"
  if [ -z "$data_dir" ] && [ -f "$state_file" ]; then
    # shellcheck disable=SC1090
    data_dir=$(. "$state_file" && printf '%s' "${ORLEANS_CHAT_PG_DATA:-}")
  fi
  if [ -n "$data_dir" ] && [ -d "$data_dir" ]; then
    if running "$data_dir"; then
      as_postgres "$(find_bin_dir)/pg_ctl" -D "$data_dir" -m fast -w stop >&2 || true
    fi
    rm -rf "$data_dir"
    log "stopped and removed $data_dir"
  fi
  if [ -n "$data_dir" ]; then
    rm -f "$data_dir.env"
    if [ -f "$state_file" ] && grep -qF "'$data_dir'" "$state_file"; then
      rm -f "$state_file"
    fi
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
