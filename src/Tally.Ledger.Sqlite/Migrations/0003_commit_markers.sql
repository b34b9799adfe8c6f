-- Commit markers: every write transaction appends one row (a random token) before COMMIT. When
-- COMMIT reports an error, the writer asks SQLite whether the transaction is still open (then it
-- rolls it back: not committed) or over, and in that case looks for its row: SQLite can report an
-- error from a commit that did happen (a failing WAL hook, an out-of-memory after the log write).
-- Rows are needed only until that lookup; the writer deletes all but the newest 65,536.
CREATE TABLE commit_markers (
    id    INTEGER PRIMARY KEY,
    token INTEGER NOT NULL
);
