using Shouldly;
using Xunit;
using Tally.TestSupport.Server;

namespace Tally.Server.Tests;

/// <summary>Every endpoint and error of docs/api.md against a real server, once per store (see the subclasses).</summary>
public abstract partial class ApiTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    protected TFixture Server { get; } = fixture;

    protected HttpClient Admin => Server.Client();

    protected async Task ShouldHoldInvariantsAsync()
    {
        var report = await Server.Ledger.VerifyAsync();
        report.Violations.Select(v => v.Describe()).ShouldBeEmpty();
    }
}

public sealed class SqliteApiTests(SqliteServerFixture fixture) : ApiTests<SqliteServerFixture>(fixture);

public sealed class PostgresApiTests(PostgresServerFixture fixture) : ApiTests<PostgresServerFixture>(fixture);
