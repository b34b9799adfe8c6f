namespace Tally.Ledger.Postgres;

/// <summary>Accepts both keyword connection strings and postgres:// URLs (as hosting platforms hand them out).</summary>
public static class PgConnectionString
{
    public static string Normalize(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        if (!value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) && !value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return value;
        }

        var uri = new Uri(value);
        var builder = new Npgsql.NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
        };
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                builder.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            if (kv.Length == 2 && kv[0].Equals("sslmode", StringComparison.OrdinalIgnoreCase))
            {
                builder.SslMode = Enum.Parse<Npgsql.SslMode>(kv[1], ignoreCase: true);
            }
        }

        return builder.ConnectionString;
    }

    /// <summary>
    /// Whether the connection string itself sets <c>Max Auto Prepare</c> to 0 (the builder cannot
    /// tell an explicit 0 from its default, which the store raises to 64).
    /// </summary>
    public static bool TurnsOffAutoPrepare(string value)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = Normalize(value) };
        foreach (var keyword in (string[])["Max Auto Prepare", "MaxAutoPrepare"])
        {
            if (given.TryGetValue(keyword, out var setting) && Convert.ToString(setting, System.Globalization.CultureInfo.InvariantCulture)?.Trim() == "0")
            {
                return true;
            }
        }

        return false;
    }
}
