using System.Globalization;
using Tally.Server.Http;

namespace Tally.Server.Ui.Admin;

/// <summary>
/// Reads the admin ops forms' text fields into numbers: a value that is not a number becomes a
/// field error (never a 500); an empty one is null, so the domain rule reports it as required.
/// </summary>
internal static class OpsFormValues
{
    /// <summary>A whole number, or null (empty, or not a number: then <paramref name="field"/> gets an error).</summary>
    public static long? Long(Fields fields, string field, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        fields.Add(field, "must be a whole number");
        return null;
    }

    /// <summary>A whole number that fits an int (see <see cref="Long"/>).</summary>
    public static int? Int(Fields fields, string field, string? text)
    {
        var value = Long(fields, field, text);
        if (value is { } v && (v < int.MinValue || v > int.MaxValue))
        {
            fields.Add(field, "is too large");
            return null;
        }

        return (int?)value;
    }

    /// <summary>A decimal number (invariant: a dot for decimals), or null (see <see cref="Long"/>).</summary>
    public static decimal? Decimal(Fields fields, string field, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (decimal.TryParse(text.Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        fields.Add(field, "must be a number (use a dot for decimals)");
        return null;
    }

    /// <summary>A checkbox: present with any value when checked.</summary>
    public static bool Checked(string? value) => !string.IsNullOrEmpty(value);

    /// <summary>Empty text as null, other text trimmed.</summary>
    public static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
