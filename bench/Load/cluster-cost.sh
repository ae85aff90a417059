#!/usr/bin/env bash
# What the cluster costs per message: the same chat-1to1 load (a fixed rate every layout carries on 2 cores) against
# an embedded server, 1 silo + 1 API host, and 2 silos + 2 API hosts, all on one PostgreSQL, interleaved `rounds` times.
# Server CPU counts every silo and API host process (not PostgreSQL, not HAProxy). Prints one line per run.
#   bash bench/Load/cluster-cost.sh [rounds=2] [extra load.mjs options, e.g. --rate=1000]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-2}
shift || true
ulimit -n "$(ulimit -Hn)"
load=(chat-1to1 --users=400 --rate=1000 --duration=40 --warmup=15 --verify-history=false "$@")
started_pg=""
if [ -z "${ORLEANS_CHAT_TEST_POSTGRES:-}" ]; then eval "$(scripts/postgres.sh start)"; started_pg=1; fi
trap '[ -n "$started_pg" ] && scripts/postgres.sh stop >/dev/null 2>&1 || true' EXIT
out=$(mktemp -d)

summary() { # label json
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
    console.log(`${process.argv[1].padEnd(22)} delivered/s=${r.throughput.deliveredPerSec} cpuUs/msg=${r.server.cpuUsPerDelivered} cores=${r.server.cpuCores} e2e p99 ms=${(r.latencyUs.e2e.p99 / 1000).toFixed(1)} lost=${r.verification?.lost ?? "-"}`);
  ' "$1" "$2"
}

for round in $(seq 1 "$rounds"); do
  json="$out/embedded-$round.json"
  node bench/Load/load.mjs "${load[@]}" --out="$json" \
    --server-args="--Storage:Provider=Postgres --ConnectionStrings:Postgres=$ORLEANS_CHAT_TEST_POSTGRES --Storage:Postgres:Schema=embedded$round$RANDOM" >/dev/null 2>"$out/embedded-$round.log"
  summary "embedded (round $round)" "$json"

  for layout in "1 1" "2 2"; do
    read -r silos apis <<<"$layout"
    dir="$out/cluster-$silos-$apis-$round"
    # The same cheap password hash as the embedded load server (lib/server.mjs): provisioning is not what is measured.
    eval "$(ORLEANS_CHAT_CLUSTER_ADMIN_KEY=bench-admin-key-1 ORLEANS_CHAT_CLUSTER_ARGS=--Silo:PasswordHasher:IterationCount=1000 scripts/cluster.sh up --store postgres --silos "$silos" --apis "$apis" --no-build --dir "$dir" 2>"$dir.log")"
    pids=$(cat "$dir"/silo-*.pid "$dir"/api-*.pid | paste -sd, -)
    json="$dir.json"
    node bench/Load/load.mjs "${load[@]}" --url="$ORLEANS_CHAT_CLUSTER_URL" --admin-key=bench-admin-key-1 --server-pid="$pids" --out="$json" >/dev/null 2>>"$dir.log" || true
    scripts/cluster.sh down --dir "$dir" 2>>"$dir.log"
    summary "$silos silo + $apis API (round $round)" "$json"
  done
done
echo "(files in $out)"
