using Shouldly;
using Xunit;

namespace Tally.Cli.Tests.Upgrades;

/// <summary>What <see cref="ContractSteps"/> flags in a migration and what it lets pass.</summary>
public sealed class ContractStepsTests
{
    private static readonly string[] Earlier =
    [
        "CREATE TABLE entries (id uuid PRIMARY KEY, amount bigint NOT NULL, note text);",
        "CREATE VIEW account_seqs AS SELECT id AS account_id, seq FROM accounts;",
    ];

    [Theory]
    [InlineData("ALTER TABLE entries DROP COLUMN note;", "drops column")]
    [InlineData("ALTER TABLE entries DROP note;", "drops note")]
    [InlineData("DROP TABLE IF EXISTS entries;", "drops table")]
    [InlineData("DROP INDEX entries_account;", "drops index")]
    [InlineData("ALTER TABLE entries DROP CONSTRAINT entries_amount_check;", "drops constraint")]
    [InlineData("ALTER TABLE entries ALTER COLUMN note DROP DEFAULT;", "drops default")]
    [InlineData("ALTER TABLE entries RENAME TO journal;", "renames")]
    [InlineData("ALTER TABLE entries RENAME COLUMN note TO description;", "renames")]
    [InlineData("ALTER TABLE entries ALTER COLUMN amount TYPE numeric;", "changes a column's type")]
    [InlineData("ALTER TABLE entries ALTER amount SET DATA TYPE numeric;", "changes a column's type")]
    [InlineData("ALTER TABLE entries ALTER COLUMN note SET NOT NULL;", "makes an existing column NOT NULL")]
    [InlineData("ALTER TABLE entries ADD COLUMN kind text NOT NULL;", "adds a NOT NULL column without a default")]
    [InlineData("ALTER TABLE entries ADD COLUMN a text, ADD COLUMN kind text NOT NULL;", "adds a NOT NULL column without a default")]
    [InlineData("ALTER TABLE entries ADD CONSTRAINT positive CHECK (amount > 0);", "adds a constraint to an existing table")]
    [InlineData("CREATE UNIQUE INDEX entries_note ON entries (note);", "adds a unique index to an existing table")]
    [InlineData("TRUNCATE entries;", "empties a table")]
    [InlineData("ALTER TABLE entries DETACH PARTITION entries_2026;", "moves a table or partition out of reach")]
    [InlineData("CREATE OR REPLACE VIEW account_seqs AS SELECT 1;", "replaces the existing view account_seqs")]
    public void A_contract_step_is_found(string sql, string what)
    {
        var steps = ContractSteps.Find($"-- a migration\n\n{sql}\n", Earlier);

        steps.ShouldNotBeEmpty();
        steps[0].What.ShouldStartWith(what);
        steps[0].Line.ShouldBe(3);
    }

    [Theory]
    [InlineData("CREATE TABLE rules (id uuid PRIMARY KEY, name text NOT NULL UNIQUE);")]
    [InlineData("ALTER TABLE entries ADD COLUMN rules text;")]
    [InlineData("ALTER TABLE entries ADD COLUMN paid boolean NOT NULL DEFAULT false;")]
    [InlineData("ALTER TABLE entries ADD COLUMN cents bigint GENERATED ALWAYS AS (amount * 100) STORED;")]
    [InlineData("ALTER TABLE entries ALTER COLUMN note DROP NOT NULL;")]
    [InlineData("ALTER TABLE entries SET (autovacuum_analyze_scale_factor = 0);")]
    [InlineData("CREATE INDEX entries_note ON entries (note) WHERE note IS NOT NULL;")]
    [InlineData("CREATE TABLE payments (id text, provider text);\nCREATE UNIQUE INDEX payments_provider ON payments (provider);\nALTER TABLE payments ADD CONSTRAINT one CHECK (id <> '');")]
    [InlineData("CREATE OR REPLACE FUNCTION tally_new() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;")]
    [InlineData("CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $body$ BEGIN DROP TABLE x; END $body$;")]
    [InlineData("INSERT INTO units (key) VALUES ('drop table entries; rename');")]
    [InlineData("-- we used to DROP TABLE here\n/* RENAME nothing */ SELECT 1;")]
    public void An_expand_step_passes(string sql) => ContractSteps.Find(sql, Earlier).ShouldBeEmpty();

    [Fact]
    public void The_marker_counts_only_with_a_reason()
    {
        ContractSteps.MarkedReason("-- contract: release 0.3 stopped reading entries.note\nALTER TABLE entries DROP COLUMN note;")
            .ShouldBe("release 0.3 stopped reading entries.note");
        ContractSteps.MarkedReason("-- contract:\nALTER TABLE entries DROP COLUMN note;").ShouldBeNull();
        ContractSteps.MarkedReason("ALTER TABLE entries DROP COLUMN note; -- contract: not at the start of a line").ShouldBeNull();
    }
}
