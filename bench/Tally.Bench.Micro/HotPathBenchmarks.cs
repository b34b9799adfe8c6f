using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Engine;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Storage;
using Tally.Server.Contracts;
using Tally.Server.Features.Charges;
using Tally.Server.Http;

namespace Tally.Bench.Micro;

/// <summary>
/// The in-process work of one charge, without the database: the engine deciding it against
/// loaded rows, the HTTP edge reading its body, and rendering its answer. Per-operation time and
/// allocations come from BenchmarkDotNet's memory diagnoser.
/// </summary>
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    private const int ChargesPerSnapshot = 100;
    private readonly LedgerEngine _engine = new(new LedgerOptions { InitialAmount = 0 }, new Units());
    private readonly byte[] _body = Encoding.UTF8.GetBytes("""{"amount": 1, "description": "an image"}""");
    private readonly DefaultHttpContext _http = new();
    private EntryResult _result = null!;

    private sealed class Units : IUnitCatalog
    {
        public UnitInfo? Find(string key) => key == UnitInfo.DefaultKey ? UnitInfo.Default : null;
    }

    [GlobalSetup]
    public void Setup()
    {
        var snapshot = Snapshot();
        _result = (EntryResult)_engine.Run(LedgerRequest.Of(new Charge("acct", Price.Of(new Credits(1)))), snapshot).Single;
    }

    /// <summary>One account with one lot, loaded as a store would hand it to the engine.</summary>
    private static LedgerSnapshot Snapshot()
    {
        var now = DateTimeOffset.UtcNow;
        var id = Guid.CreateVersion7();
        var account = new AccountRow { Id = id, ExternalId = "acct", CreatedAt = now, Seq = 1 };
        account.Balances[UnitInfo.DefaultKey] = new BalanceRow { AccountId = id, Unit = UnitInfo.DefaultKey, Balance = new Credits(1_000_000) };
        account.Lots.Add(new LotRow
        {
            Id = Guid.CreateVersion7(), AccountId = id, Unit = UnitInfo.DefaultKey, Source = LotSource.Purchase,
            Amount = new Credits(1_000_000), Remaining = new Credits(1_000_000), Priority = 100, EffectiveAt = now, CreatedAt = now,
        });
        var snapshot = new LedgerSnapshot(now);
        snapshot.Add(account);
        return snapshot;
    }

    /// <summary>Deciding charges against one snapshot (as a group-committed batch does), per charge.</summary>
    [Benchmark(OperationsPerInvoke = ChargesPerSnapshot)]
    public int DecideCharge()
    {
        var snapshot = Snapshot();
        var request = LedgerRequest.Of(new Charge("acct", Price.Of(new Credits(1))));
        var ok = 0;
        for (var i = 0; i < ChargesPerSnapshot; i++)
        {
            ok += _engine.Run(request, snapshot).Single.Succeeded ? 1 : 0;
        }

        return ok;
    }

    /// <summary>Reading and checking a charge body at the HTTP edge.</summary>
    [Benchmark]
    public object? ReadChargeBody() => JsonBodyReader.Parse<ChargeRequest>(_http, _body).Body;

    /// <summary>Rendering a charge's 201 answer.</summary>
    [Benchmark]
    public int RenderChargeAnswer() =>
        BytesResult.Json(201, new MutationResponse(EntryDto.From(_result.Entry), BalanceDto.From(_result.Balance))).Body.Length;
}
