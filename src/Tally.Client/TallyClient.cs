using Tally.Client.Resources;

namespace Tally.Client;

/// <summary>
/// Tally's API from .NET: one client per resource. Get it from DI after
/// <c>services.AddTallyClient(...)</c>, or construct it over an <see cref="HttpClient"/> whose
/// BaseAddress is the Tally server and whose Authorization header carries an API key.
/// </summary>
public sealed class TallyClient
{
    public TallyClient(HttpClient http)
    {
        var transport = new TallyTransport(http);
        Accounts = new AccountsClient(transport);
        Charges = new ChargesClient(transport);
        Grants = new GrantsClient(transport);
        Holds = new HoldsClient(transport);
        Entries = new EntriesClient(transport);
        Transfers = new TransfersClient(transport);
    }

    public AccountsClient Accounts { get; }
    public ChargesClient Charges { get; }
    public GrantsClient Grants { get; }
    public HoldsClient Holds { get; }
    public EntriesClient Entries { get; }
    public TransfersClient Transfers { get; }
}
