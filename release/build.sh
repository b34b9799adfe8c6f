#!/usr/bin/env bash
# Builds what Tally ships, into artifacts/ (ignored by git):
#   artifacts/packages/   NuGet packages (+ symbols): Tally.Ledger, .Relational, .Sqlite, .Postgres,
#                         Tally.Access, Tally.Payments, .Dodo, Tally.Server, Tally.Client,
#                         Tally.Testing, and the tally .NET tool (Tally.Cli); one version, set in
#                         src/Directory.Build.props
#   artifacts/tally-linux-x64/tally   the tally command as one self-contained executable
#   artifacts/npm/        @tally/client as npm pack makes it
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
rm -rf artifacts
projects=(Tally.Ledger Tally.Ledger.Relational Tally.Access Tally.Ledger.Sqlite Tally.Ledger.Postgres
  Tally.Payments Tally.Payments.Dodo Tally.Server Tally.Client Tally.Testing Tally.Cli)
for project in "${projects[@]}"; do
  dotnet pack "src/$project" -c Release -o artifacts/packages -p:ContinuousIntegrationBuild=true --nologo -v quiet
done

dotnet publish src/Tally.Cli -c Release -r linux-x64 --self-contained -o artifacts/tally-linux-x64 --nologo -v quiet \
  -p:PublishSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true -p:IncludeAllContentForSelfExtract=true \
  -p:DebugType=none -p:ContinuousIntegrationBuild=true
# appsettings.json is inside the executable (IncludeAllContentForSelfExtract); the copies beside it go.
find artifacts/tally-linux-x64 -type f ! -name tally -delete

(
  cd clients/js
  [ -d node_modules ] || npm ci --no-audit --no-fund
  npm run build
  mkdir -p ../../artifacts/npm
  npm pack --pack-destination ../../artifacts/npm
)
ls -l artifacts/packages artifacts/tally-linux-x64 artifacts/npm
