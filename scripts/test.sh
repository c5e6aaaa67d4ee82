#!/usr/bin/env bash
# Runs every test: the engine's (rules, parameters, properties) and the application's (loaders on
# SQLite and a throwaway PostgreSQL, conformance cases of the project and of ../shared/cases, demo,
# runs). Ends with the plain line "N passed, M failed" for the whole run.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

log="$(mktemp)"
if ! dotnet build Gongji.slnx -c Release --nologo -v quiet -clp:ErrorsOnly 2>&1 | tee "$log"; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi
if grep -q " error " "$log"; then
  echo "0 passed, 1 failed"
  exit 1
fi

dotnet test Gongji.slnx -c Release --no-build --nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# One summary line per test assembly: "Passed!  - Failed: 0, Passed: 53, Skipped: 0, Total: 53 …"
passed=$(grep -E '^(Passed|Failed)!' "$log" | sed -E 's/.*Passed: *([0-9]+).*/\1/' | awk '{s+=$1} END {print s+0}')
failed=$(grep -E '^(Passed|Failed)!' "$log" | sed -E 's/.*Failed: *([0-9]+),.*/\1/' | awk '{s+=$1} END {print s+0}')
assemblies=$(grep -cE '^(Passed|Failed)!' "$log")
passed=${passed:-0}
failed=${failed:-0}
if [ "$assemblies" -lt 2 ] || { [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; }; then
  failed=$((failed + 1)) # a test assembly that did not report is a failure, not a pass
fi
rm -f "$log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
