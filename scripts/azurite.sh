#!/usr/bin/env bash
# A throwaway Azurite (the Azure Storage emulator: blob, queue and table services) for the tests.
#
#   eval "$(scripts/azurite.sh start)"   installs the npm package `azurite` (the version pinned in
#                                        tools/azurite/package-lock.json) into tools/azurite/node_modules when missing or
#                                        outdated, starts it on 127.0.0.1 only, on free ports, in memory (nothing on disk
#                                        outlives it), waits until all three services answer and prints
#                                        `export ORLEANS_CHAT_TEST_AZURITE=<connection string>` (and its state directory, for stop).
#   scripts/azurite.sh stop              stops that Azurite and removes its state directory.
#
# Both are idempotent: start in a shell that already started one (ORLEANS_CHAT_AZURITE_DIR set, process running) prints
# the same lines again; stop with nothing running does nothing. Each start from a fresh shell gets its own Azurite, and
# stop stops the one named by ORLEANS_CHAT_AZURITE_DIR (else the last one started from this checkout), so two test runs
# in the same tree never stop each other's emulator. Everything except the export lines goes to stderr: stdout is safe
# to eval.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
tool_dir="$repo/tools/azurite"
state_file="${TMPDIR:-/tmp}/orleans-chat-azurite-$(printf '%s' "$repo" | cksum | cut -d' ' -f1).env"

# Azurite's well-known development account (public, documented by Microsoft; it only ever works against the emulator).
account=devstoreaccount1
account_key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

log() { printf 'azurite.sh: %s\n' "$*" >&2; }

free_port() { # prints a port nothing listens on and that is not among the arguments
  local port
  for _ in $(seq 1 200); do
    # Below the kernel's ephemeral range: a port there can be the local end of an outgoing connection, which a
    # connect probe does not see and which makes the bind fail.
    port=$(( 10000 + RANDOM % ($(cut -f1 /proc/sys/net/ipv4/ip_local_port_range) - 10000) ))
    case " $* " in *" $port "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      printf '%s\n' "$port"
      return 0
    fi
  done
  log "no free port found"
  return 1
}

running() { # state dir
  [ -f "$1/azurite.pid" ] && kill -0 "$(cat "$1/azurite.pid")" 2>/dev/null
}

answers() { # port
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

install() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    log "node and npm are needed to run Azurite"
    return 1
  fi
  if [ ! -x "$tool_dir/node_modules/.bin/azurite" ] || [ "$tool_dir/package-lock.json" -nt "$tool_dir/node_modules/.package-lock.json" ]; then
    log "installing azurite into tools/azurite/node_modules"
    (cd "$tool_dir" && npm ci --no-audit --no-fund --loglevel=error) >&2
  fi
}

start() {
  if [ -n "${ORLEANS_CHAT_AZURITE_DIR:-}" ] && [ -f "$ORLEANS_CHAT_AZURITE_DIR/azurite.env" ] && running "$ORLEANS_CHAT_AZURITE_DIR"; then
    log "already running ($ORLEANS_CHAT_AZURITE_DIR)"
    cat "$ORLEANS_CHAT_AZURITE_DIR/azurite.env"
    return 0
  fi

  install

  local state_dir blob_port queue_port table_port pid
  state_dir=$(mktemp -d "${TMPDIR:-/tmp}/orleans-chat-azurite.XXXXXX")
  blob_port=$(free_port)
  queue_port=$(free_port "$blob_port")
  table_port=$(free_port "$blob_port" "$queue_port")

  # Started in the background with every stream redirected, so `$(scripts/azurite.sh start)` returns; from the state
  # directory, so nothing it might write lands in the checkout.
  (cd "$state_dir" && exec "$tool_dir/node_modules/.bin/azurite" \
    --blobHost 127.0.0.1 --blobPort "$blob_port" \
    --queueHost 127.0.0.1 --queuePort "$queue_port" \
    --tableHost 127.0.0.1 --tablePort "$table_port" \
    --inMemoryPersistence --skipApiVersionCheck --disableTelemetry --silent \
    </dev/null >"$state_dir/azurite.log" 2>&1) &
  pid=$!
  printf '%s\n' "$pid" >"$state_dir/azurite.pid"

  local waited=0
  until answers "$blob_port" && answers "$queue_port" && answers "$table_port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "Azurite exited while starting; its log:"
      cat "$state_dir/azurite.log" >&2 || true
      rm -rf "$state_dir"
      return 1
    fi
    if [ "$waited" -ge 600 ]; then
      log "Azurite did not answer within 60 s; its log:"
      cat "$state_dir/azurite.log" >&2 || true
      kill "$pid" 2>/dev/null || true
      rm -rf "$state_dir"
      return 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done

  local connection_string
  connection_string="DefaultEndpointsProtocol=http;AccountName=$account;AccountKey=$account_key"
  connection_string+=";BlobEndpoint=http://127.0.0.1:$blob_port/$account"
  connection_string+=";QueueEndpoint=http://127.0.0.1:$queue_port/$account"
  connection_string+=";TableEndpoint=http://127.0.0.1:$table_port/$account;"
  {
    printf "export ORLEANS_CHAT_TEST_AZURITE='%s'\n" "$connection_string"
    printf "export ORLEANS_CHAT_AZURITE_DIR='%s'\n" "$state_dir"
  } >"$state_dir/azurite.env"
  cp "$state_dir/azurite.env" "$state_file"
  log "Azurite $("$tool_dir/node_modules/.bin/azurite" --version 2>/dev/null || echo '?') on 127.0.0.1 (blob $blob_port, queue $queue_port, table $table_port), pid $pid"
  cat "$state_dir/azurite.env"
}

stop() {
  local state_dir="${ORLEANS_CHAT_AZURITE_DIR:-}"
  if [ -z "$state_dir" ] && [ -f "$state_file" ]; then
    # shellcheck disable=SC1090
    state_dir=$(. "$state_file" && printf '%s' "${ORLEANS_CHAT_AZURITE_DIR:-}")
  fi
  if [ -n "$state_dir" ] && [ -d "$state_dir" ]; then
    if running "$state_dir"; then
      local pid
      pid=$(cat "$state_dir/azurite.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -rf "$state_dir"
    log "stopped and removed $state_dir"
  fi
  if [ -n "$state_dir" ] && [ -f "$state_file" ] && grep -qF "'$state_dir'" "$state_file"; then
    rm -f "$state_file"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
