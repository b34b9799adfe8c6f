using System.Globalization;
using Tally.Ledger;

namespace Tally.Cli;

/// <summary>A configuration value that cannot be used; the message names the setting.</summary>
public sealed class SettingException(string message) : Exception(message)
{
    public SettingException()
        : this("invalid setting")
    {
    }

    public SettingException(string message, Exception inner)
        : this(message + ": " + inner.Message)
    {
    }
}

/// <summary>Ledger rules from the environment, under the seed's names (SPEC §12).</summary>
public static class LedgerSettings
{
    public static LedgerOptions FromEnvironment()
    {
        var options = new LedgerOptions
        {
            InitialAmount = Long("CREDIT_INITIAL_AMOUNT", 100),
            MaxBalance = Long("CREDIT_MAX_BALANCE", 1_000_000),
            MaxPerOperation = Long("CREDIT_MAX_PER_OPERATION", 1_000_000),
            AutoCreateAccounts = Bool("TALLY_AUTO_CREATE_ACCOUNTS", true),
        };
        if (options.Validate() is { } invalid)
        {
            throw new SettingException($"{invalid.Setting} {invalid.Problem}");
        }

        return options;
    }

    private static long Long(string name, long fallback)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return long.TryParse(text.Trim().Replace("_", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new SettingException($"{name} must be a whole number, not '{text}'");
    }

    private static bool Bool(string name, bool fallback)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return bool.TryParse(text.Trim(), out var value)
            ? value
            : throw new SettingException($"{name} must be true or false, not '{text}'");
    }
}
