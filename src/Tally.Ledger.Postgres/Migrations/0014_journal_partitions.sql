-- The journal, range-partitioned by month of created_at (UTC), so a history query bounded in time
-- reads only the months it names and an old month can be detached whole (docs/operations.md,
-- "Journal partitions"). Native partitioning and plpgsql only; no extension.
--
-- In place, without copying history: the existing table becomes one partition, entries_legacy,
-- for everything before the first month start after its newest entry (and at least the current
-- month's start). A CHECK constraint proves that bound, so attaching it does not scan again. Every
-- later month gets a partition of its own, created ahead of need by tally_ensure_entry_partitions
-- (this migration, then the server's maintenance step, with the server's clock); entries_default
-- takes any row no month partition covers, so an insert never fails, and the next maintenance run
-- moves such rows into their month's partition.
--
-- A unique key of a partitioned table must include the partition key: the keys become
-- (id, created_at) and (account_id, seq, created_at). What they no longer enforce across months,
-- the engine guarantees (random UUID ids; seq assigned under the account's row lock, from
-- balances.seq) and `tally verify` checks (journal check: duplicate entry ids, duplicate or missing
-- seqs per account).

-- Months are UTC calendar months whatever the session's time zone.
CREATE FUNCTION tally_month_start(at timestamptz) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS
$$ SELECT date_trunc('month', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' $$;

CREATE FUNCTION tally_next_month(at timestamptz) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS
$$ SELECT (date_trunc('month', at AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC' $$;

-- TRUNCATE triggers are per table (PostgreSQL does not clone statement triggers to partitions):
-- every partition gets its own, so truncating one month directly is refused too.
CREATE FUNCTION tally_guard_entry_partition(partition regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        -- Citus/distribute.sql sets it for the same triggers on the distributed journal.
        PERFORM set_config('citus.enable_unsafe_triggers', 'on', true);
    END IF;

    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = partition AND tgname = 'entries_no_truncate') THEN
        EXECUTE format('CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION tally_reject_journal_change()', partition);
    END IF;
END
$$;

-- The partition of the month holding `at`, unless one covers it already (its own, or
-- entries_legacy). Rows of that month waiting in entries_default move into it in the same
-- transaction (the append-only trigger is off only for that one DELETE, inside this transaction).
-- True when it created one.
CREATE FUNCTION tally_create_entry_partition(at timestamptz) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    lo   timestamptz := tally_month_start(at);
    hi   timestamptz := tally_next_month(at);
    name text := 'entries_' || to_char(lo AT TIME ZONE 'UTC', 'YYYY_MM');
BEGIN
    IF to_regclass(name) IS NOT NULL THEN
        RETURN false;
    END IF;

    IF EXISTS (SELECT 1 FROM entries_default WHERE created_at >= lo AND created_at < hi) THEN
        EXECUTE format('CREATE TABLE %I (LIKE entries INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
        EXECUTE format('INSERT INTO %I SELECT * FROM entries_default WHERE created_at >= %L AND created_at < %L', name, lo, hi);
        ALTER TABLE entries_default DISABLE TRIGGER entries_append_only;
        DELETE FROM entries_default WHERE created_at >= lo AND created_at < hi;
        ALTER TABLE entries_default ENABLE TRIGGER entries_append_only;
        EXECUTE format('ALTER TABLE entries ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', name, lo, hi);
    ELSE
        BEGIN
            EXECUTE format('CREATE TABLE %I PARTITION OF entries FOR VALUES FROM (%L) TO (%L)', name, lo, hi);
        EXCEPTION WHEN invalid_object_definition THEN
            -- "would overlap partition": entries_legacy covers this month already.
            RETURN false;
        END;
    END IF;

    PERFORM tally_guard_entry_partition(name::regclass);
    RETURN true;
END
$$;

-- The partitions of the month holding `at` and of the `months_ahead` months after it, and of every
-- month with rows waiting in entries_default. Returns how many it created. Idempotent; callers
-- serialize through the migration lock or their own advisory lock.
CREATE FUNCTION tally_ensure_entry_partitions(at timestamptz, months_ahead integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    created integer := 0;
    month   timestamptz;
BEGIN
    -- Collected first: moving rows alters entries_default, which no open scan may be reading.
    FOREACH month IN ARRAY ARRAY(
        SELECT (date_trunc('month', at AT TIME ZONE 'UTC') + make_interval(months => i)) AT TIME ZONE 'UTC' FROM generate_series(0, months_ahead) AS i
        UNION
        SELECT DISTINCT tally_month_start(created_at) FROM entries_default
        ORDER BY 1)
    LOOP
        IF tally_create_entry_partition(month) THEN
            created := created + 1;
        END IF;
    END LOOP;

    RETURN created;
END
$$;

DO $$
DECLARE
    newest      timestamptz;
    boundary    timestamptz;
    distributed boolean := false;
BEGIN
    -- A schema distributed over Citus before this migration would need its journal converted on
    -- every shard; Citus does not run the ledger's writes yet (docs/scaling.md), so refuse clearly.
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = ''entries''::regclass)' INTO distributed;
        IF distributed THEN
            RAISE EXCEPTION 'migration 0014 cannot partition a journal already distributed over Citus; migrate a plain PostgreSQL database, then distribute it';
        END IF;
    END IF;

    SELECT max(created_at) INTO newest FROM entries;
    boundary := greatest(tally_month_start(now()), tally_next_month(COALESCE(newest, '-infinity')));

    ALTER TABLE entries RENAME TO entries_legacy;
    ALTER TABLE entries_legacy DROP CONSTRAINT entries_pkey;
    ALTER TABLE entries_legacy DROP CONSTRAINT entries_account_id_seq_key;
    ALTER INDEX entries_reverses RENAME TO entries_legacy_reverses;
    ALTER INDEX entries_transfer RENAME TO entries_legacy_transfer;
    -- The parent's row trigger is cloned onto every partition, this one included.
    DROP TRIGGER entries_append_only ON entries_legacy;
    EXECUTE format('ALTER TABLE entries_legacy ADD CONSTRAINT entries_legacy_bound CHECK (created_at < %L)', boundary);

    CREATE TABLE entries (LIKE entries_legacy INCLUDING DEFAULTS) PARTITION BY RANGE (created_at);
    ALTER TABLE entries ADD PRIMARY KEY (id, created_at);
    ALTER TABLE entries ADD UNIQUE (account_id, seq, created_at);
    CREATE INDEX entries_reverses ON entries (reverses_entry_id) WHERE reverses_entry_id IS NOT NULL;
    CREATE INDEX entries_transfer ON entries (transfer_id) WHERE transfer_id IS NOT NULL;
    CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON entries
        FOR EACH ROW EXECUTE FUNCTION tally_reject_journal_change();
    CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON entries
        FOR EACH STATEMENT EXECUTE FUNCTION tally_reject_journal_change();

    EXECUTE format('ALTER TABLE entries ATTACH PARTITION entries_legacy FOR VALUES FROM (MINVALUE) TO (%L)', boundary);
    CREATE TABLE entries_default PARTITION OF entries DEFAULT;
    PERFORM tally_guard_entry_partition('entries_default');
    PERFORM tally_ensure_entry_partitions(now(), 3);
END
$$;
