using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace Tally.Server.Hosting;

/// <summary>
/// Validates <see cref="TallyOptions"/>: each property's data annotations, reported under the
/// setting's own name (its <see cref="ConfigurationKeyNameAttribute"/>, not the C# property), then
/// what no annotation can say — the database string, the bootstrap key's form, the ledger's
/// cross-field rules.
/// </summary>
public sealed class TallyOptionsValidator : IValidateOptions<TallyOptions>
{
    private static readonly PropertyInfo[] Properties = typeof(TallyOptions).GetProperties()
        .Where(p => p.GetCustomAttribute<ConfigurationKeyNameAttribute>() is not null)
        .ToArray();

    public ValidateOptionsResult Validate(string? name, TallyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var property in Properties)
        {
            var key = property.GetCustomAttribute<ConfigurationKeyNameAttribute>()!.Name;
            var context = new ValidationContext(options) { MemberName = property.Name, DisplayName = key };
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateProperty(property.GetValue(options), context, results))
            {
                failures.AddRange(results.Select(r => r.ErrorMessage ?? $"{key} is invalid"));
            }
        }

        try
        {
            StoreFactory.Validate(options.Database, options.DatabaseRead, options.DatabaseListen);
        }
        catch (SettingsException e)
        {
            failures.Add(e.Message);
        }

        if (options.BootstrapApiKey is { Length: > 0 } bootstrap && !Auth.ApiKeys.IsWellFormed(bootstrap))
        {
            failures.Add("TALLY_BOOTSTRAP_API_KEY must be tally_sk_ followed by at least 32 URL-safe characters (A–Z, a–z, 0–9, - and _)");
        }

        if (string.IsNullOrEmpty(options.AdminEmail) != string.IsNullOrEmpty(options.AdminPassword))
        {
            failures.Add("TALLY_ADMIN_EMAIL and TALLY_ADMIN_PASSWORD go together: set both to create the first admin user at start, or neither");
        }

        if (options.InitialAmount > options.MaxPerOperation)
        {
            failures.Add($"CREDIT_INITIAL_AMOUNT must not exceed CREDIT_MAX_PER_OPERATION ({options.MaxPerOperation})");
        }

        if (options.DodoApiKey is { Length: > 0 } && string.IsNullOrWhiteSpace(options.DodoWebhookSecret))
        {
            failures.Add("DODO_WEBHOOK_SECRET is required with DODO_API_KEY (the webhook endpoint's whsec_… secret from the DodoPayments dashboard)");
        }

        if (options.DodoWebhookSecret is { Length: > 0 } secret && !IsWellFormedSecret(secret))
        {
            failures.Add("DODO_WEBHOOK_SECRET must be whsec_ followed by base64");
        }

        foreach (var origin in options.CorsOriginList)
        {
            // An origin is scheme://host[:port] — no path, no trailing slash, no wildcard.
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.GetLeftPart(UriPartial.Authority) != origin)
            {
                failures.Add($"TALLY_CORS_ORIGINS: '{origin}' is not an origin (scheme://host[:port], e.g. https://app.example.com)");
            }
        }

        if (options.Pricing.Problem() is { } pricing)
        {
            failures.Add(pricing);
        }

        failures.AddRange(RuleProblems(options.Rules));

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Each rule's first problem, named as its configuration path (<c>Rules:3:percent</c>).</summary>
    public static IEnumerable<string> RuleProblems(IReadOnlyList<Tally.Ledger.Rules.RuleDefinition> rules)
    {
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var stateful = new Dictionary<(string?, string?), int>();
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            if (rule.Validate() is { } problem)
            {
                yield return $"Rules:{i}:{problem.Field} {problem.Problem}";
                continue;
            }

            if (!names.TryAdd(rule.Name!, i))
            {
                yield return $"Rules:{i}:name '{rule.Name}' is taken by Rules:{names[rule.Name!]}";
            }
            else if (Tally.Ledger.Rules.RuleKinds.IsPerFeature(rule.Kind)
                && !stateful.TryAdd((rule.Kind, rule.Feature), i))
            {
                yield return $"Rules:{i}:feature '{rule.Feature}' already has a {rule.Kind} rule (Rules:{stateful[(rule.Kind, rule.Feature)]})";
            }
        }
    }

    private static bool IsWellFormedSecret(string secret)
    {
        try
        {
            return Payments.Dodo.Webhooks.StandardWebhooks.DecodeSecret(secret).Length > 0;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
