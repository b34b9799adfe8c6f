using Tally.Ledger.Commands;
using Tally.Server.Auth;
using Tally.Server.Contracts;
using Tally.Server.Http;

namespace Tally.Server.Features.Transfers;

/// <summary>POST /v1/transfers.</summary>
public sealed record TransferRequest(string? From, string? To, decimal? Amount, string? Unit, string? Description);

public static class TransferEndpoints
{
    public static void MapTransfers(this RouteGroupBuilder v1)
    {
        v1.MapPost("/transfers", TransferAsync).WithTags("Transfers").RequireAuthorization(Policies.Grant)
            .Accepts<TransferRequest>("application/json")
            .WithSummary("Move credits between two accounts: both entries or neither");
    }

    [Refusals(400, 402, 423)]
    private static async Task<CreatedAnswer<TransferResponse>> TransferAsync(HttpContext http, LedgerGateway gateway, CancellationToken ct)
    {
        var (body, problem) = await JsonBodyReader.ReadAsync<TransferRequest>(http);
        if (problem is not null)
        {
            return problem;
        }

        var request = body!.Value;
        var fields = new Fields(gateway.Ledger);
        if (string.IsNullOrEmpty(request.From))
        {
            fields.Add("from", "is required");
        }

        if (string.IsNullOrEmpty(request.To))
        {
            fields.Add("to", "is required");
        }

        var unit = await fields.UnitAsync(request.Unit, ct);
        var amount = fields.Amount(request.Amount, unit);
        fields.Text(request.Description, "description");
        if (!fields.Ok)
        {
            return fields.Problem(http);
        }

        var command = new Transfer(request.From!, request.To!, amount!.Value, unit!.Key, request.Description);
        return await gateway.RunAsync(http, command, Responses.Transferred, ct);
    }
}
