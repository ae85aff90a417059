#!/usr/bin/env bash
# WAL bytes per message before and after the feed (bench/results/2026-11-29-feed.md): two Release builds of src/Api,
# each case run on one throwaway PostgreSQL, the builds interleaved `rounds` times. Prints one JSON line per run.
#   bash bench/Load/feed-wal.sh BEFORE_API_DLL AFTER_API_DLL [rounds=2] [cases="direct group forum"]
set -euo pipefail
cd "$(dirname "$0")/../.."
before=$1 after=$2 rounds=${3:-2} cases=${4:-"direct group forum"}
started_pg=
if [ -z "${ORLEANS_CHAT_TEST_POSTGRES:-}" ]; then eval "$(scripts/postgres.sh start)"; started_pg=1; fi
trap 'if [ -n "$started_pg" ]; then scripts/postgres.sh stop >/dev/null 2>&1 || true; fi' EXIT
declare -A messages=([direct]=500 [group]=300 [forum]=100)
for case in $cases; do
  for round in $(seq 1 "$rounds"); do
    for build in before after; do
      dll=$before; [ "$build" = after ] && dll=$after
      if ! line=$(node bench/Load/tools/wal-per-message.mjs --case="$case" --messages="${messages[$case]}" --api-dll="$dll" 2>"/tmp/feed-wal-$build-$case-$round.log"); then
        printf '{"build":"%s","round":%s,"case":"%s","failed":"see /tmp/feed-wal-%s-%s-%s.log"}\n' "$build" "$round" "$case" "$build" "$case" "$round"
        continue
      fi
      printf '{"build":"%s","round":%s,%s\n' "$build" "$round" "${line#\{}"
    done
  done
done
