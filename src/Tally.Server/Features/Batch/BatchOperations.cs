using System.Text.Json.Serialization;
using Tally.Ledger.Commands;
using Tally.Server.Auth;
using Tally.Server.Contracts;
using Tally.Server.Features.Charges;
using Tally.Server.Features.Grants;
using Tally.Server.Features.Holds;
using Tally.Server.Http;

namespace Tally.Server.Features.Batch;

/// <summary>
/// One operation of a batch: <c>op</c> names its kind, then come the members of its single
/// endpoint's body and what that endpoint takes from its path (<c>account</c> or <c>holdId</c>) —
/// nothing else (the serializer refuses unknown members).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "op")]
[JsonDerivedType(typeof(GrantOperation), "grant")]
[JsonDerivedType(typeof(ChargeOperation), "charge")]
[JsonDerivedType(typeof(ReserveOperation), "reserve")]
[JsonDerivedType(typeof(CaptureOperation), "capture")]
[JsonDerivedType(typeof(ReleaseOperation), "release")]
public interface IBatchOperation
{
    /// <summary>The API-key scope the operation needs (<see cref="Scopes"/>).</summary>
    string RequiredScope();

    /// <summary>How its success answers, as the single endpoint would.</summary>
    SuccessResponse Response();

    /// <summary>The command, or null with the field errors added to <paramref name="fields"/>.</summary>
    ValueTask<LedgerCommand?> ToCommandAsync(Fields fields, CancellationToken ct);
}

public sealed record GrantOperation(string? Account) : GrantRequest(null, null, null, null, null, null, null, null, null, null), IBatchOperation
{
    public string RequiredScope() => Scopes.Grant;

    public SuccessResponse Response() => Responses.Entry;

    public async ValueTask<LedgerCommand?> ToCommandAsync(Fields fields, CancellationToken ct) =>
        fields.Required(Account, "account") is { } account ? await ToCommandAsync(account, fields, ct) : null;
}

public sealed record ChargeOperation(string? Account) : ChargeRequest(null, null, null, null, null, null, null), IBatchOperation
{
    public string RequiredScope() => Scopes.Charge;

    public SuccessResponse Response() => Responses.Entry;

    public async ValueTask<LedgerCommand?> ToCommandAsync(Fields fields, CancellationToken ct) =>
        fields.Required(Account, "account") is { } account ? await ToCommandAsync(account, fields, ct) : null;
}

public sealed record ReserveOperation(string? Account) : HoldRequest(null, null, null, null, null, null), IBatchOperation
{
    public string RequiredScope() => Scopes.Charge;

    public SuccessResponse Response() => Responses.Reserved;

    public async ValueTask<LedgerCommand?> ToCommandAsync(Fields fields, CancellationToken ct) =>
        fields.Required(Account, "account") is { } account ? await ToCommandAsync(account, fields, ct) : null;
}

public sealed record CaptureOperation(string? HoldId) : CaptureRequest((decimal?)null), IBatchOperation
{
    public string RequiredScope() => Scopes.Charge;

    public SuccessResponse Response() => Responses.HoldChanged;

    public ValueTask<LedgerCommand?> ToCommandAsync(Fields fields, CancellationToken ct) =>
        ValueTask.FromResult<LedgerCommand?>(fields.Hold(HoldId) is { } hold ? new Capture(hold, Amount) : null);
}

public sealed record ReleaseOperation(string? HoldId) : ReleaseRequest, IBatchOperation
{
    public string RequiredScope() => Scopes.Charge;

    public SuccessResponse Response() => Responses.HoldChanged;

    public ValueTask<LedgerCommand?> ToCommandAsync(Fields fields, CancellationToken ct) =>
        ValueTask.FromResult<LedgerCommand?>(fields.Hold(HoldId) is { } hold ? new Release(hold) : null);
}
