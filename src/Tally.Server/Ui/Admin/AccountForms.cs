namespace Tally.Server.Ui.Admin;

/// <summary>The account page's adjustment form: a signed amount, its unit, a mandatory reason, and the form's idempotency key.</summary>
public sealed class AdjustForm
{
    public string? Amount { get; set; }

    public string? Unit { get; set; }

    public string? Reason { get; set; }

    /// <summary>"true" when the credits added are paid for (a correction of a purchase), from a checkbox.</summary>
    public string? Paid { get; set; }

    /// <summary>Take the credits from this lot only (the lots table's Void button).</summary>
    public string? LotId { get; set; }

    /// <summary>A GUID rendered into the form: a second submit of the same form replays the first instead of adjusting twice.</summary>
    public string? IdempotencyKey { get; set; }
}

/// <summary>The freeze and unfreeze forms: an optional reason.</summary>
public sealed class FreezeForm
{
    public string? Reason { get; set; }
}

/// <summary>The account settings form (the API's PUT /v1/accounts/{id}): tier, overdraft limit, low-balance threshold (empty clears it).</summary>
public sealed class AccountSettingsForm
{
    public string? Tier { get; set; }

    public string? OverdraftLimit { get; set; }

    public string? LowBalanceThreshold { get; set; }
}

/// <summary>What the account page shows of a form that was refused: the values sent back, the errors by field, a general error.</summary>
public sealed record AccountFormState(
    AdjustForm? Adjust = null,
    AccountSettingsForm? Settings = null,
    IReadOnlyDictionary<string, string>? Errors = null,
    string? AdjustError = null)
{
    public static readonly AccountFormState None = new();

    public string? Error(string field) => Errors is not null && Errors.TryGetValue(field, out var message) ? message : null;
}
