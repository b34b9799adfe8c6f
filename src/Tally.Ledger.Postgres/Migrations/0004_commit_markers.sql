-- Commit markers resolve a commit whose connection failed mid-way, instead of guessing. Every
-- write transaction inserts one row (a fresh time-ordered id, fenced = false) in the same
-- statement as its writes. When the connection fails while a transaction commits, a fresh
-- connection inserts the same id with fenced = true: that insert waits for the original
-- transaction to end, then either conflicts with the original's committed row (it committed) or
-- takes the id, so the original can never commit after it (it rolled back, and the work may run
-- again). Rows are needed for seconds; the sweeper deletes them with the expired idempotency keys.
CREATE TABLE commit_markers (
    id     uuid PRIMARY KEY,
    fenced boolean NOT NULL
);
