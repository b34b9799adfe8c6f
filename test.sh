#!/usr/bin/env bash
# Builds everything with warnings as errors and runs every test project (unit, both stores'
# conformance suites, CLI), then the JS client's tests (clients/js: Node >= 20 and npm) against
# a server started from this build. PostgreSQL tests start their own throwaway cluster from
# /usr/lib/postgresql/15/bin (or use TALLY_TEST_PG when set); nothing needs to be running.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Tally.slnx -c Release -warnaserror
dotnet test Tally.slnx -c Release --no-build "$@"

# The JS client: install exactly the locked packages, type-check and build it with tsc, then run
# its tests (each test file starts one Tally server from the Release build above).
(
  cd clients/js
  npm ci --no-audit --no-fund
  npm run build
  node --test test/*.test.mjs
)
