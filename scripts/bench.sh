#!/usr/bin/env bash
# The published benchmark: builds the server in Release, then runs the standard load suite (connect
# 10,000 users; 1-1 chat at 4,000 msgs/s and at saturation; reconnect) with simulated users on this
# machine, each step against a fresh embedded server on a free loopback port. Stops by itself within
# 10 minutes and writes bench/results/<date>.json, <date>.md (summary) and <date>.svg (latency chart).
# Extra arguments go to the suite, e.g. `scripts/bench.sh --only=chat-1to1-4000`.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# 10,000 connections need 10,000 descriptors in the generator and as many in the server.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt 12000 ]; then
  echo "warning: open files limit is $(ulimit -n); the connect step needs more than 10,000" >&2
fi

dotnet build src/Api -c Release -nologo -clp:ErrorsOnly
if [ ! -d bench/Load/node_modules/@microsoft/signalr ] || [ bench/Load/package-lock.json -nt bench/Load/node_modules/.package-lock.json ]; then
  (cd bench/Load && npm ci --no-audit --no-fund --loglevel=error)
fi

exec node bench/Load/suite.mjs --preset=standard --out-dir=bench/results "$@"
