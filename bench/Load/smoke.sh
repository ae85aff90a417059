#!/usr/bin/env bash
# Runs every workload of the load generator once at a tiny scale (a few users, a few seconds), each
# against its own fresh server on a free loopback port, so the generator never rots. Prints
# `smoke ok <workload>` or `smoke FAILED <workload>` per workload (scripts/test.sh counts them) and
# exits non-zero on any failure, including a single lost or duplicated message.
set -uo pipefail
cd "$(dirname "$0")"
repo=$(cd ../.. && pwd)

# Each connection is a file descriptor; the larger workloads need thousands.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

if [ ! -d node_modules/@microsoft/signalr ]; then
  npm ci --no-audit --no-fund --loglevel=error || { echo "smoke FAILED npm-ci"; exit 1; }
fi
if [ -z "${ORLEANS_CHAT_API_DLL:-}" ] && [ ! -f "$repo/src/Api/bin/Release/net10.0/Orleans.Chat.Api.dll" ]; then
  dotnet build "$repo/src/Api" -c Release -nologo -clp:ErrorsOnly || { echo "smoke FAILED build"; exit 1; }
fi

status=0
if node --test test/ >/tmp/load-histogram-test.$$ 2>&1; then
  echo "smoke ok histogram"
else
  cat /tmp/load-histogram-test.$$
  echo "smoke FAILED histogram"
  status=1
fi
rm -f /tmp/load-histogram-test.$$

node suite.mjs --preset=smoke || status=1
exit $status
