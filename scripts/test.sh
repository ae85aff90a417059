#!/usr/bin/env bash
# Runs every test of Orleans.Chat on a fresh machine: installs what the tests need (idempotently),
# starts a throwaway PostgreSQL and Azurite (the Azure Storage emulator), builds once in Release, runs the .NET suites,
# the end-to-end tests against the real server process with the official SignalR client, and the load generator at
# tiny scale.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log_dir=$(mktemp -d)
started=$(date +%s)
step() { printf '\n== %s (%ss)\n' "$1" "$(( $(date +%s) - started ))"; }

step "PostgreSQL"
eval "$(scripts/postgres.sh start)"
trap 'scripts/postgres.sh stop >/dev/null 2>&1 || true; rm -rf "$log_dir"' EXIT

step "Azurite"
# Not `eval "$(...)"` directly: a failed start must stop the run here (the Azure Storage tests need it).
azurite_env=$(scripts/azurite.sh start)
eval "$azurite_env"
trap 'scripts/azurite.sh stop >/dev/null 2>&1 || true; scripts/postgres.sh stop >/dev/null 2>&1 || true; rm -rf "$log_dir"' EXIT

step "npm packages"
for dir in tests/EndToEnd bench/Load; do
  [ -f "$dir/package.json" ] || continue
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done

step "build"
dotnet build Orleans.Chat.sln -c Release -nologo -clp:ErrorsOnly

passed=0 failed=0 skipped=0
count() { # adds the totals that one runner printed to the grand total
  passed=$((passed + ${1:-0})); failed=$((failed + ${2:-0})); skipped=$((skipped + ${3:-0}))
}

status=0
for project in tests/*/*.csproj; do
  name=$(basename "$project" .csproj)
  step "dotnet test $name"
  out="$log_dir/$name.log"
  if ! dotnet test "$project" -c Release --no-build -nologo >"$out" 2>&1; then status=1; fi
  # The failures, each with its message (the line after "Error Message:") and the test's own stack lines.
  awk 'after { print; after = 0 } /^[[:space:]]*(Failed |Error Message|Passed!|Failed!)|^[[:space:]]+at .*:line|error/ { print; after = /Error Message/ }' "$out"
  line=$(grep -E '(Passed|Failed)! +- +Failed: ' "$out" | tail -1 || true)
  if [ -z "$line" ]; then echo "no test result from $name"; status=1; continue; fi
  count "$(sed -E 's/.*Passed: *([0-9]+).*/\1/' <<<"$line")" \
        "$(sed -E 's/.*Failed: *([0-9]+).*/\1/' <<<"$line")" \
        "$(sed -E 's/.*Skipped: *([0-9]+).*/\1/' <<<"$line")"
done

step "end-to-end (node --test, @microsoft/signalr)"
out="$log_dir/e2e.log"
if ! (cd tests/EndToEnd && node --test --test-concurrency=1 ./*.test.mjs) >"$out" 2>&1; then status=1; fi
cat "$out"
count "$(grep -E '^# pass ' "$out" | awk '{print $3}')" "$(grep -E '^# fail ' "$out" | awk '{print $3}')" \
      "$(grep -E '^# skipped ' "$out" | awk '{print $3}')"

if [ -f bench/Load/smoke.sh ]; then
  step "load generator smoke run (every workload, tiny scale)"
  out="$log_dir/load.log"
  if ! bash bench/Load/smoke.sh >"$out" 2>&1; then status=1; fi
  cat "$out"
  count "$(grep -cE '^smoke ok ' "$out" || true)" "$(grep -cE '^smoke FAILED ' "$out" || true)" 0
fi

step "done"
[ "$failed" -eq 0 ] || status=1
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
