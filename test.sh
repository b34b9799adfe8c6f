#!/usr/bin/env bash
# Builds everything with warnings as errors and runs every test project (unit, both stores'
# conformance suites, CLI). PostgreSQL tests start their own throwaway cluster from
# /usr/lib/postgresql/15/bin (or use TALLY_TEST_PG when set); nothing needs to be running.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Tally.slnx -c Release -warnaserror
dotnet test Tally.slnx -c Release --no-build "$@"
