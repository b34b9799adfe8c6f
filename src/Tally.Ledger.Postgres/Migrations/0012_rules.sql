-- Pricing rules (SPEC §9, docs/rules.md). An entry records the rules that changed its amount as
-- a JSON array ([{"rule","kind","before","after"}], amounts in minor units); NULL when no rule
-- did, so the column costs nothing on the common path (a nullable column without a default is
-- a catalog-only change).
ALTER TABLE entries ADD COLUMN rules text;

-- What rules used per account: a first-use marker per feature (period 0) and the allowance used
-- per feature and period (period = Unix seconds of the period's start, UTC). Read with the
-- account under its lock and written in the same statement as the entry, so "once per account
-- and feature" holds however many charges race. No foreign key, like the other hot rows (0003).
CREATE TABLE rule_usage (
    account_id uuid   NOT NULL,
    rule_key   text   NOT NULL,
    period     bigint NOT NULL,
    used       bigint NOT NULL CHECK (used >= 0),
    PRIMARY KEY (account_id, rule_key, period)
);

-- The loader's generic plan for this table is only as good as its statistics: analyzed while
-- empty, a whole-table scan looks free and stays cached. Analyze after every 1,000 changed rows
-- (not 10 % of the table), so the index lookup is chosen within an autovacuum nap of the first use.
ALTER TABLE rule_usage SET (autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 1000);
