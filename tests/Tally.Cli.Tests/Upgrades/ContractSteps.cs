using System.Text;
using System.Text.RegularExpressions;

namespace Tally.Cli.Tests.Upgrades;

/// <summary>One statement of a migration that the previous release, still running on the migrated schema, may trip over.</summary>
internal sealed record ContractStep(int Line, string What, string Statement)
{
    public override string ToString() => $"line {Line}: {What}: {Statement}";
}

/// <summary>
/// Reads a migration's SQL for contract steps: what removes, renames, retypes or tightens something
/// that already exists (docs/operations.md, "Upgrades"). Expand steps — new tables, nullable or
/// defaulted columns, indexes, constraints on new tables — pass. Comments, string literals and
/// dollar-quoted bodies are not read. Conservative: a step it flags may be safe, and then the
/// migration says so with the <see cref="Marker"/>; data changes (UPDATE, DELETE) are for review.
/// </summary>
internal static partial class ContractSteps
{
    /// <summary>
    /// A line starting with this, followed by why the previous release no longer needs what the
    /// migration removes or changes, marks the whole migration as a reviewed contract step.
    /// </summary>
    public const string Marker = "-- contract:";

    /// <summary>The reason after <see cref="Marker"/>, or null when the migration is not marked (a marker without a reason does not count).</summary>
    public static string? MarkedReason(string sql) =>
        sql.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith(Marker, StringComparison.Ordinal))
            .Select(l => l[Marker.Length..].Trim()).FirstOrDefault(reason => reason.Length > 0);

    /// <summary>The contract steps in <paramref name="sql"/>; <paramref name="earlier"/> are the store's earlier migrations (to tell a replaced object from a new one).</summary>
    public static IReadOnlyList<ContractStep> Find(string sql, IEnumerable<string> earlier)
    {
        var code = Blank(sql);
        var statements = Statements(code).ToList();
        var createdHere = statements.Select(s => CreatedTable().Match(s.Text)).Where(m => m.Success).Select(m => Name(m.Groups["name"].Value)).ToHashSet();
        var earlierCode = string.Join('\n', earlier.Select(Blank));
        var steps = new List<ContractStep>();
        foreach (var (line, text) in statements)
        {
            var statement = Whitespace().Replace(text, " ").Trim();
            var altered = AlteredTable().Match(statement) is { Success: true } a ? Name(a.Groups["name"].Value) : null;
            var onExisting = altered is null || !createdHere.Contains(altered);
            void Add(string what) => steps.Add(new ContractStep(line, what, statement.Length > 160 ? statement[..160] + "…" : statement));

            foreach (Match drop in Drop().Matches(statement))
            {
                Add($"drops {drop.Groups["what"].Value.ToLowerInvariant()}");
            }

            if (Rename().IsMatch(statement))
            {
                Add("renames");
            }

            if (ColumnType().IsMatch(statement))
            {
                Add("changes a column's type");
            }

            if (SetSchema().IsMatch(statement) || Detach().IsMatch(statement))
            {
                Add("moves a table or partition out of reach");
            }

            if (Truncate().IsMatch(statement))
            {
                Add("empties a table");
            }

            if (onExisting && SetNotNull().IsMatch(statement))
            {
                Add("makes an existing column NOT NULL");
            }

            if (onExisting && altered is not null && Clauses(statement).Any(IsRequiredColumn))
            {
                Add("adds a NOT NULL column without a default (the previous release's inserts leave it out)");
            }

            if (onExisting && altered is not null && AddConstraint().IsMatch(statement))
            {
                Add("adds a constraint to an existing table");
            }

            if (UniqueIndex().Match(statement) is { Success: true } unique && !createdHere.Contains(Name(unique.Groups["name"].Value)))
            {
                Add("adds a unique index to an existing table");
            }

            if (Replace().Match(statement) is { Success: true } replaced && Regex.IsMatch(earlierCode, $@"\b{Regex.Escape(Name(replaced.Groups["name"].Value))}\b", RegexOptions.IgnoreCase))
            {
                Add($"replaces the existing {replaced.Groups["what"].Value.ToLowerInvariant()} {Name(replaced.Groups["name"].Value)}");
            }
        }

        return steps;
    }

    private static bool IsRequiredColumn(string clause) =>
        AddColumn().IsMatch(clause) && !AddConstraint().IsMatch(clause) &&
        NotNull().IsMatch(clause) && !Default().IsMatch(clause) && !Generated().IsMatch(clause);

    /// <summary>An identifier without quotes or schema, lower case.</summary>
    private static string Name(string name) => name.Split('.')[^1].Trim('"').ToLowerInvariant();

    /// <summary>
    /// The SQL with comments, string literals and dollar-quoted bodies replaced by spaces (line
    /// breaks kept, so line numbers still hold).
    /// </summary>
    private static string Blank(string sql)
    {
        var text = new StringBuilder(sql);
        var i = 0;
        while (i < text.Length)
        {
            if (At(text, i, "--"))
            {
                i = BlankUntil(text, i, j => text[j] == '\n', 0);
            }
            else if (At(text, i, "/*"))
            {
                i = BlankUntil(text, i, j => At(text, j, "*/"), 2);
            }
            else if (text[i] == '\'')
            {
                i = BlankUntil(text, i + 1, j => text[j] == '\'' && !At(text, j, "''"), 1, skipDoubled: true);
            }
            else if (text[i] == '$' && DollarTag().Match(sql, i) is { Success: true } tag && tag.Index == i)
            {
                var close = sql.IndexOf(tag.Value, i + tag.Length, StringComparison.Ordinal);
                var end = close < 0 ? text.Length : close + tag.Length;
                Spaces(text, i, end);
                i = end;
            }
            else
            {
                i++;
            }
        }

        return text.ToString();
    }

    private static bool At(StringBuilder text, int i, string what) =>
        i + what.Length <= text.Length && text.ToString(i, what.Length) == what;

    /// <summary>Blanks from <paramref name="start"/> until <paramref name="stop"/> holds (plus <paramref name="including"/> characters of it); returns the index after.</summary>
    private static int BlankUntil(StringBuilder text, int start, Func<int, bool> stop, int including, bool skipDoubled = false)
    {
        var j = start;
        while (j < text.Length && !stop(j))
        {
            j += skipDoubled && At(text, j, "''") ? 2 : 1;
        }

        var end = Math.Min(text.Length, j + including);
        Spaces(text, start, end);
        return end;
    }

    private static void Spaces(StringBuilder text, int start, int end)
    {
        for (var k = start; k < end; k++)
        {
            if (text[k] != '\n')
            {
                text[k] = ' ';
            }
        }
    }

    /// <summary>The statements (split at semicolons; a trigger body's pieces come out as statements of their own) and the line each starts on.</summary>
    private static IEnumerable<(int Line, string Text)> Statements(string code)
    {
        var line = 1;
        var start = 0;
        for (var i = 0; i <= code.Length; i++)
        {
            if (i == code.Length || code[i] == ';')
            {
                var text = code[start..i];
                var offset = text.Length - text.TrimStart().Length;
                if (text.Trim().Length > 0)
                {
                    yield return (line + text[..offset].Count(c => c == '\n'), text);
                }

                line += text.Count(c => c == '\n');
                start = i + 1;
            }
        }
    }

    /// <summary>The top-level comma-separated parts of an ALTER TABLE (each ADD, ALTER, DROP …).</summary>
    private static IEnumerable<string> Clauses(string statement)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < statement.Length; i++)
        {
            depth += statement[i] switch { '(' => 1, ')' => -1, _ => 0 };
            if (statement[i] == ',' && depth == 0)
            {
                yield return statement[start..i];
                start = i + 1;
            }
        }

        yield return statement[start..];
    }

    private const RegexOptions Sql = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;
    private const string Identifier = @"(?:""[^""]+""|[\w.]+)";

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"\$\w*\$")]
    private static partial Regex DollarTag();

    [GeneratedRegex(@"^\s*CREATE\s+(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?<name>" + Identifier + ")", Sql)]
    private static partial Regex CreatedTable();

    [GeneratedRegex(@"^\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?<name>" + Identifier + ")", Sql)]
    private static partial Regex AlteredTable();

    [GeneratedRegex(@"\bDROP\s+(?!NOT\s+NULL\b)(?<what>MATERIALIZED\s+VIEW|\w+)", Sql)]
    private static partial Regex Drop();

    [GeneratedRegex(@"\bRENAME\b", Sql)]
    private static partial Regex Rename();

    [GeneratedRegex(@"\bALTER\s+(?:COLUMN\s+)?" + Identifier + @"\s+(?:SET\s+DATA\s+)?TYPE\b", Sql)]
    private static partial Regex ColumnType();

    [GeneratedRegex(@"\bSET\s+SCHEMA\b", Sql)]
    private static partial Regex SetSchema();

    [GeneratedRegex(@"\bDETACH\s+PARTITION\b", Sql)]
    private static partial Regex Detach();

    [GeneratedRegex(@"^\s*TRUNCATE\b", Sql)]
    private static partial Regex Truncate();

    [GeneratedRegex(@"\bSET\s+NOT\s+NULL\b", Sql)]
    private static partial Regex SetNotNull();

    [GeneratedRegex(@"^\s*(?:ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?" + Identifier + @"\s+)?ADD\s+", Sql)]
    private static partial Regex AddColumn();

    [GeneratedRegex(@"\bADD\s+(?:CONSTRAINT|PRIMARY\s+KEY|UNIQUE|CHECK|FOREIGN\s+KEY|EXCLUDE)\b", Sql)]
    private static partial Regex AddConstraint();

    [GeneratedRegex(@"\bNOT\s+NULL\b", Sql)]
    private static partial Regex NotNull();

    [GeneratedRegex(@"\bDEFAULT\b", Sql)]
    private static partial Regex Default();

    [GeneratedRegex(@"\bGENERATED\b", Sql)]
    private static partial Regex Generated();

    [GeneratedRegex(@"^\s*CREATE\s+UNIQUE\s+INDEX\b.*?\bON\s+(?:ONLY\s+)?(?<name>" + Identifier + ")", Sql)]
    private static partial Regex UniqueIndex();

    [GeneratedRegex(@"^\s*CREATE\s+OR\s+REPLACE\s+(?:(?:TEMP|TEMPORARY|RECURSIVE|CONSTRAINT)\s+)*(?<what>FUNCTION|PROCEDURE|VIEW|TRIGGER|RULE)\s+(?<name>" + Identifier + ")", Sql)]
    private static partial Regex Replace();
}
