#!/usr/bin/env bash
# Checks what release/build.sh made, as a user would meet it:
#  1. the single-file tally serves /healthz from a fresh, empty directory (no .NET installed needed);
#  2. a scratch ASP.NET Core host app, outside this repository, restores Tally.Server and
#     Tally.Client from artifacts/packages (a local feed; their dependencies from nuget.org),
#     embeds Tally with AddTally()/UseTally()/MapTally(), and answers a grant and a balance;
#  3. a scratch Node project installs the packed @tally/client and imports it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' src/Directory.Build.props)
scratch=$(mktemp -d)
pids=()
# (exec in the subshells, so these are the servers themselves and not shells around them)
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; rm -rf "$scratch"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_healthy() {
  for _ in $(seq 1 300); do
    if curl -fsS "$1/healthz" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  echo "no answer from $1/healthz" >&2
  return 1
}

echo "== single-file tally on a fresh directory"
mkdir "$scratch/fresh"
port=$(free_port)
(cd "$scratch/fresh" && TALLY_DATABASE="sqlite:$scratch/fresh/tally.db" exec "$root/artifacts/tally-linux-x64/tally" serve --urls "http://127.0.0.1:$port" >"$scratch/fresh.log" 2>&1) &
pids+=($!)
wait_healthy "http://127.0.0.1:$port" || { cat "$scratch/fresh.log"; exit 1; }
if grep -q '"LogLevel":"\(Error\|Critical\)"' "$scratch/fresh.log"; then cat "$scratch/fresh.log"; exit 1; fi
echo "ok: $(curl -fsS "http://127.0.0.1:$port/healthz")"

echo "== a host app from the packages"
mkdir "$scratch/host"
cat >"$scratch/host/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="tally" value="$root/artifacts/packages" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
XML
cat >"$scratch/host/Host.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk.Web">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Tally.Server" Version="$version" />
    <PackageReference Include="Tally.Client" Version="$version" />
  </ItemGroup>
</Project>
XML
cat >"$scratch/host/Program.cs" <<'CS'
using Tally.Client;
using Tally.Server.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddTally(builder.Configuration);
var app = builder.Build();
app.UseTally();
app.MapTally();
app.MapGet("/", () => "a host app with Tally inside");
await app.StartAsync();

// The SDK against the embedded Tally: a grant, then the balance.
using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
http.DefaultRequestHeaders.Authorization = new("Bearer", builder.Configuration["TALLY_BOOTSTRAP_API_KEY"]);
var tally = new TallyClient(http);
await tally.Grants.CreateAsync("packaged-user", new Tally.Client.Models.GrantRequest(Amount: 42));
var balance = await tally.Accounts.GetBalanceAsync("packaged-user");
Console.WriteLine($"balance {balance.For().Total}");
await app.StopAsync();
CS
key="tally_sk_$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')"
(cd "$scratch/host" && dotnet run -c Release -- --urls "http://127.0.0.1:0" \
  --TALLY_DATABASE="sqlite:$scratch/host/tally.db" --TALLY_BOOTSTRAP_API_KEY="$key" --TALLY_PAYMENTS_SANDBOX=false \
  --Logging:LogLevel:Default=Warning >"$scratch/host.log" 2>&1) || { cat "$scratch/host.log"; exit 1; }
grep -q "^balance 142$\|^balance 42$" "$scratch/host.log" || { cat "$scratch/host.log"; exit 1; }
echo "ok: $(grep '^balance' "$scratch/host.log")"

echo "== @tally/client from npm pack"
mkdir "$scratch/node"
(cd "$scratch/node" && npm init -y >/dev/null && npm install --no-audit --no-fund "$root"/artifacts/npm/*.tgz >/dev/null \
  && node --input-type=module -e "import { TallyClient, formatCredits } from '@tally/client'; if (typeof TallyClient !== 'function' || formatCredits(1250) !== '1.2K') process.exit(1); console.log('ok: @tally/client imports, formatCredits(1250) =', formatCredits(1250));")
